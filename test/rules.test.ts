import { basename } from 'node:path';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../src/core/index.js';
import { SEVERITIES } from '../src/core/index.js';
import { normalizeRecord } from '../src/normalize/index.js';
import { createCanaryIndex } from '../src/detect/canary-index.js';
import { createEngine } from '../src/detect/engine.js';
import type { Rule, RuleSample } from '../src/detect/rule.js';
import { rules } from '../src/detect/rules/index.js';

function runSample(rule: Rule, sample: RuleSample): number {
  const canaries = createCanaryIndex(sample.tokens ?? []);
  const engine = createEngine([rule], {
    canaries,
    managementPrincipals: new Set(sample.managementPrincipals ?? []),
  });
  let hits = 0;
  sample.events.forEach((raw, index) => {
    const ev = normalizeRecord(raw, { file: `sample:${sample.name}`, index });
    expect('eventId' in ev, `sample event ${index} of "${sample.name}" must normalize`).toBe(true);
    hits += engine.evaluate(ev as CloudEvent).hits.length;
  });
  return hits;
}

const rulesDir = fileURLToPath(new URL('../src/detect/rules/', import.meta.url));

describe('built-in rules', () => {
  it('have unique ids', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every rule file is registered and named after its id', () => {
    const files = readdirSync(rulesDir).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'index.ts' && f !== 'samples.ts',
    );
    const expected = rules.map((r) => `${r.id.replace(/\./g, '-')}.ts`).sort();
    expect(files.sort()).toEqual(expected);
  });

  for (const rule of rules as readonly Rule[]) {
    describe(rule.id, () => {
      it('has complete metadata', () => {
        expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*$/);
        expect(SEVERITIES).toContain(rule.severity);
        expect(rule.title.length).toBeGreaterThan(5);
        expect(rule.description.length).toBeGreaterThan(20);
        expect(rule.runbook.length).toBeGreaterThanOrEqual(2);
        for (const t of rule.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
        expect(rule.samples.match.length).toBeGreaterThan(0);
        expect(rule.samples.nonMatch.length).toBeGreaterThan(0);
        expect(basename(`${rule.id.replace(/\./g, '-')}.ts`)).toBeTruthy();
      });
      for (const s of rule.samples.match) {
        it(`fires on: ${s.name}`, () => expect(runSample(rule, s)).toBeGreaterThan(0));
      }
      for (const s of rule.samples.nonMatch) {
        it(`stays quiet on: ${s.name}`, () => expect(runSample(rule, s)).toBe(0));
      }
    });
  }
});
