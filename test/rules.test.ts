import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CloudEvent, Finding } from '../src/core/index.js';
import { SEVERITIES } from '../src/core/index.js';
import { normalizeRecord } from '../src/normalize/index.js';
import { createCanaryIndex } from '../src/detect/canary-index.js';
import { createEngine, slimmer } from '../src/detect/engine.js';
import { findingsFromHits } from '../src/detect/grouping.js';
import { defaultRuleConfig } from '../src/detect/rule-config.js';
import type { HitSummary, Rule, RuleSample } from '../src/detect/rule.js';
import { rules } from '../src/detect/rules/index.js';
import { SAMPLE_IP_CONTEXT } from '../src/detect/rules/samples.js';

const GAP_MS = 60 * 60_000;

/**
 * Run a sample's events through the rule alone, in the given order, and build the findings. A
 * stateful rule gets the events as the pipeline hands them over: without the heavy fields it does
 * not name in `reads`.
 */
function runSample(
  rule: Rule,
  sample: RuleSample,
  order: readonly number[],
  whole = false,
): Finding[] {
  const slim = rule.stateful && !whole ? slimmer([rule]) : (e: CloudEvent) => e;
  const engine = createEngine([rule], {
    canaries: createCanaryIndex(sample.tokens ?? []),
    managementPrincipals: new Set(sample.managementPrincipals ?? []),
    ip: SAMPLE_IP_CONTEXT,
  });
  const hits = new Map<string, HitSummary>();
  for (const index of order) {
    const ev = normalizeRecord(sample.events[index]!, { file: `sample:${sample.name}`, index });
    expect('eventId' in ev, `sample event ${index} of "${sample.name}" must normalize`).toBe(true);
    for (const h of engine.evaluate(slim(ev as CloudEvent)).hits)
      hits.set(`${h.rule}|${h.eventId}`, h);
  }
  return findingsFromHits([...hits.values()], engine.rules, engine, GAP_MS);
}

const forward = (s: RuleSample): number[] => s.events.map((_, i) => i);
const eventIdsOf = (fs: readonly Finding[]): string[] => fs.flatMap((f) => f.eventIds).sort();
const rulesDir = fileURLToPath(new URL('../src/detect/rules/', import.meta.url));
/** Modules beside the rules that are not rules: the registry and the sample builders. */
const NOT_RULES = new Set(['index.ts', 'samples.ts']);
const isModule = (f: string): boolean => f.endsWith('.ts') && !f.endsWith('.test.ts');

describe('built-in rules', () => {
  it('have unique ids', () => {
    const ids = rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every rule file is registered and named after its id', () => {
    const entries = readdirSync(rulesDir, { withFileTypes: true });
    const files = entries
      .filter((e) => e.isFile() && isModule(e.name) && !NOT_RULES.has(e.name))
      .map((e) => e.name);
    const expected = rules.map((r) => `${r.id.replace(/\./g, '-')}.ts`).sort();
    expect(files.sort()).toEqual(expected);
    // Helpers shared by rules live in lib/ and nowhere else, so a rule cannot hide in a folder.
    expect(entries.filter((e) => e.isDirectory()).map((e) => e.name)).toEqual(['lib']);
  });

  it('helper modules in lib/ are not rules (a rule there would be neither registered nor checked)', async () => {
    const helpers = readdirSync(join(rulesDir, 'lib')).filter(isModule);
    expect(helpers.length).toBeGreaterThan(0);
    for (const file of helpers) {
      const mod = (await import(pathToFileURL(join(rulesDir, 'lib', file)).href)) as object;
      const ruleLike = Object.entries(mod)
        .filter(([, v]) => typeof v === 'object' && v !== null && 'match' in v && 'samples' in v)
        .map(([k]) => `${file}: ${k}`);
      expect(ruleLike).toEqual([]);
    }
  });

  for (const rule of rules as readonly Rule[]) {
    describe(rule.id, () => {
      it('has complete metadata and options that default', () => {
        expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*\.[a-z]+(-[a-z]+)*$/);
        expect(SEVERITIES).toContain(rule.severity);
        expect(rule.title.length).toBeGreaterThan(5);
        expect(rule.description.length).toBeGreaterThan(20);
        expect(rule.runbook.length).toBeGreaterThanOrEqual(2);
        expect(rule.source).toBe('cloudtrail');
        expect(rule.selector).toBeTypeOf('object');
        for (const t of rule.attack) expect(t).toMatch(/^T\d{4}(\.\d{3})?$/);
        expect(rule.samples.match.length).toBeGreaterThan(0);
        expect(rule.samples.nonMatch.length).toBeGreaterThan(0);
        expect(defaultRuleConfig(rule).enabled).toBe(true);
      });
      for (const s of rule.samples.match) {
        it(`fires on: ${s.name}`, () => {
          const found = runSample(rule, s, forward(s));
          if (s.expect) expect(found).toHaveLength(s.expect.findings);
          else expect(found.length).toBeGreaterThan(0);
          if (s.expect?.eventIds) expect(eventIdsOf(found)).toEqual([...s.expect.eventIds].sort());
        });
        if (rule.stateful) {
          it(`reads no heavy field it does not name in \`reads\`: ${s.name}`, () => {
            const strip = (fs: readonly Finding[]) => fs.map(({ id: _id, ...f }) => f);
            expect(strip(runSample(rule, s, forward(s)))).toEqual(
              strip(runSample(rule, s, forward(s), true)),
            );
          });
        }
        it(`gives the same findings in reverse order: ${s.name}`, () => {
          const ahead = runSample(rule, s, forward(s));
          const back = runSample(rule, s, forward(s).reverse());
          expect(back.map((f) => f.eventIds)).toEqual(ahead.map((f) => f.eventIds));
        });
      }
      for (const s of rule.samples.nonMatch) {
        it(`stays quiet on: ${s.name}`, () => {
          expect(runSample(rule, s, forward(s))).toHaveLength(s.expect?.findings ?? 0);
          expect(runSample(rule, s, forward(s).reverse())).toHaveLength(s.expect?.findings ?? 0);
        });
      }
    });
  }
});
