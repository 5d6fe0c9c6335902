import { describe, expect, it } from 'vitest';
import type { Finding } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import type { HitSummary } from '../rule.js';
import { ruleConfigSchema } from '../rule-config.js';
import { impactMultiRegionCompute as rule } from './impact-multi-region-compute.js';
import { sampleRunInstances } from './lib/launch-samples.js';
import { sampleTime } from './samples.js';

const T0 = '2025-03-04T02:10:00Z';
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-south-1', 'sa-east-1'];

function findings(
  records: readonly Record<string, unknown>[],
  config: Record<string, unknown> = {},
): Finding[] {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
    ruleConfig: new Map([[rule.id, ruleConfigSchema(rule).parse(config)]]),
  });
  const hits = new Map<string, HitSummary>();
  records.forEach((raw, index) => {
    const ev = normalizeRecord(raw, { file: 't', index });
    if (!('eventId' in ev)) throw new Error(ev.reason);
    for (const h of engine.evaluate(ev).hits) hits.set(h.eventId, h);
  });
  return findingsFromHits([...hits.values()], [rule], engine, 60 * 60_000);
}

const launches = (minutes: readonly number[], type = 'c5.24xlarge') =>
  minutes.map((m, i) =>
    sampleRunInstances({
      eventID: `l-${i}`,
      eventTime: sampleTime(T0, m),
      region: REGIONS[i % 5]!,
      type,
      maxCount: 2,
    }),
  );

describe('impact.multi-region-compute', () => {
  it('needs minRegions distinct regions within the window', () => {
    expect(findings(launches([0, 10, 20]))).toHaveLength(1);
    expect(findings(launches([0, 10, 20]), { minRegions: 4 })).toEqual([]);
    expect(findings(launches([0, 40, 80]))).toEqual([]);
    expect(findings(launches([0, 40, 80]), { windowMinutes: 90 })).toHaveLength(1);
  });

  it('counts a region once however many calls it gets', () => {
    const same = [0, 1, 2, 3].map((m) =>
      sampleRunInstances({
        eventTime: sampleTime(T0, m),
        region: m < 3 ? 'us-east-1' : 'us-west-2',
        type: 't3.micro',
      }),
    );
    expect(findings(same)).toEqual([]);
  });

  it('estimates the whole window, with the user prices, whatever the order', () => {
    const records = launches([0, 5, 10, 15, 20]);
    const ahead = findings(records, { prices: { 'c5.24xlarge': 5 } });
    const back = findings([...records].reverse(), { prices: { 'c5.24xlarge': 5 } });
    for (const f of [ahead[0], back[0]]) {
      expect(f?.details).toMatchObject({
        usdPerHourLaunched: 50,
        instancesLaunched: 10,
        estimateCovers: '5 of 5 calls',
      });
      expect(f?.title).toBe(
        'Instances launched across 5 regions by arn:aws:iam::111122223333:user/deploy-power: about $50 per hour',
      );
    }
  });

  it('says "attempted" when nothing launched, and keeps the same finding for a duplicated event', () => {
    const denied = REGIONS.slice(0, 3).map((region, i) =>
      sampleRunInstances({
        eventID: `d-${i}`,
        eventTime: sampleTime(T0, i),
        region,
        type: 'p3.16xlarge',
        maxCount: 5,
        errorCode: 'Client.UnauthorizedOperation',
      }),
    );
    const [f] = findings([...denied, denied[1]!]);
    expect(f?.title).toBe(
      'Instance launches attempted across 3 regions by arn:aws:iam::111122223333:user/deploy-power (about $367 per hour had they launched)',
    );
    expect(f?.eventIds).toEqual(['d-0', 'd-1', 'd-2']);
    expect(f?.details).toMatchObject({
      failedCalls: 3,
      instancesLaunched: 0,
      instancesAttempted: 15,
    });
  });
});
