import { describe, expect, it } from 'vitest';
import type { Finding } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import { ruleConfigSchema } from '../rule-config.js';
import { impactUnusualInstanceType as rule } from './impact-unusual-instance-type.js';
import { sampleRunInstances } from './lib/launch-samples.js';
import { sampleTime } from './samples.js';

const T0 = '2025-03-04T02:10:00Z';

function findings(types: readonly string[], config: Record<string, unknown> = {}): Finding[] {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
    ruleConfig: new Map([[rule.id, ruleConfigSchema(rule).parse(config)]]),
  });
  const hits = types.flatMap((type, index) => {
    const raw = sampleRunInstances({
      eventTime: sampleTime(T0, index),
      region: 'us-east-1',
      type,
      maxCount: 2,
    });
    const ev = normalizeRecord(raw, { file: 't', index });
    if (!('eventId' in ev)) throw new Error(ev.reason);
    return engine.evaluate(ev).hits;
  });
  return findingsFromHits(hits, [rule], engine, 60 * 60_000);
}

describe('impact.unusual-instance-type options', () => {
  it('flags GPU, metal and 16xlarge-and-up types by default, not smaller ones', () => {
    const [f] = findings(['g4dn.xlarge', 'm5.metal', 'c5.18xlarge', 'c5.12xlarge', 't3.micro']);
    expect(f?.details['unusualTypes']).toEqual(['c5.18xlarge', 'g4dn.xlarge', 'm5.metal']);
    expect(f?.eventIds).toHaveLength(3);
  });

  it('never flags sanctioned types', () => {
    expect(findings(['g5.xlarge', 'g5.2xlarge'], { allowTypes: ['g5.*'] })).toEqual([]);
  });

  it('takes its own patterns and size threshold', () => {
    expect(findings(['c5.24xlarge'], { minXlarge: 0 })).toEqual([]);
    expect(findings(['c5.9xlarge'], { minXlarge: 8 })).toHaveLength(1);
    expect(findings(['g5.xlarge'], { patterns: ['p*'] })).toEqual([]);
    expect(findings(['hpc7g.16xlarge'], { patterns: ['hpc*'], minXlarge: 0 })).toHaveLength(1);
  });

  it('prices with the user table: an override, and a type added to it', () => {
    const [f] = findings(['p4d.24xlarge'], { prices: { 'p4d.24xlarge': 20 } });
    expect(f?.title).toBe(
      'p4d.24xlarge ×2 launched in 1 region by arn:aws:iam::111122223333:user/deploy-power: about $40 per hour',
    );
    const [g] = findings(['p6-b200.48xlarge']);
    expect(g?.title).toMatch(/: unpriced$/);
    expect(g?.details['unpricedTypes']).toEqual({ 'p6-b200.48xlarge': 2 });
    const [h] = findings(['p6-b200.48xlarge'], { prices: { 'P6-B200.48xlarge': 100 } });
    expect(h?.details['usdPerHourLaunched']).toBe(200);
  });

  it('rejects prices that are not numbers', () => {
    expect(() => ruleConfigSchema(rule).parse({ prices: { 'p4d.24xlarge': 'cheap' } })).toThrow();
  });
});
