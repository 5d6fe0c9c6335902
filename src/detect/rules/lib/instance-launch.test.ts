import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../../core/index.js';
import { DEFAULT_FIELD_LIMITS, normalizeRecord } from '../../../normalize/index.js';
import { sampleRecord } from '../samples.js';
import {
  burnSummary,
  decodeLaunch,
  encodeLaunch,
  estimateBurn,
  formatUsd,
  launchOf,
  mergeItems,
  typeGlobs,
} from './instance-launch.js';
import { hourlyPrice, ON_DEMAND_USD_PER_HOUR } from './instance-prices.js';
import { sampleRunInstances, sampleSpotRequest } from './launch-samples.js';

const T0 = '2025-03-04T02:10:00Z';

function event(raw: Record<string, unknown>): CloudEvent {
  const ev = normalizeRecord(raw, { file: 'test', index: 0 });
  if (!('eventId' in ev)) throw new Error(ev.reason);
  return ev;
}

const run = (o: Partial<Parameters<typeof sampleRunInstances>[0]> = {}) =>
  event(sampleRunInstances({ eventTime: T0, region: 'us-east-1', ...o }));

describe('the price table', () => {
  it('covers the GPU, accelerator, metal and large families with plausible prices', () => {
    for (const t of ['p3.16xlarge', 'p4d.24xlarge', 'p5.48xlarge', 'g4dn.xlarge', 'g5.48xlarge'])
      expect(ON_DEMAND_USD_PER_HOUR[t]).toBeGreaterThan(0.5);
    for (const t of ['g6.xlarge', 'inf2.48xlarge', 'trn1.32xlarge', 'c5.metal', 'x1e.32xlarge'])
      expect(ON_DEMAND_USD_PER_HOUR[t]).toBeGreaterThan(0);
    for (const [t, p] of Object.entries(ON_DEMAND_USD_PER_HOUR)) {
      expect(t).toMatch(/^[a-z0-9-]+\.[a-z0-9-]+$/);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(200);
    }
  });

  it('lets the user override and extend it, case-insensitively, and never guesses', () => {
    expect(hourlyPrice('P4D.24XLARGE')).toBe(32.773);
    expect(hourlyPrice('p4d.24xlarge', { 'p4d.24xlarge': 21.96 })).toBe(21.96);
    expect(hourlyPrice('p6-b200.48xlarge', { 'p6-b200.48xlarge': 113.9 })).toBe(113.9);
    expect(hourlyPrice('p6-b200.48xlarge')).toBeUndefined();
    expect(hourlyPrice('constructor')).toBeUndefined();
    expect(hourlyPrice('__proto__')).toBeUndefined();
  });
});

describe('launchOf', () => {
  it('counts the instances the response lists, by type', () => {
    expect(launchOf(run({ type: 'p3.16xlarge', maxCount: 8, started: 5 }))).toEqual({
      items: [{ type: 'p3.16xlarge', count: 5 }],
      succeeded: true,
      dryRun: false,
      fromResponse: true,
    });
  });

  it("takes the request's type for response items that name none", () => {
    const raw = sampleRunInstances({
      eventTime: T0,
      region: 'us-east-1',
      type: 'g5.xlarge',
      maxCount: 2,
    });
    const re = raw['responseElements'] as { instancesSet: { items: Record<string, unknown>[] } };
    for (const i of re.instancesSet.items) delete i['instanceType'];
    expect(launchOf(event(raw))?.items).toEqual([{ type: 'g5.xlarge', count: 2 }]);
  });

  it('takes maxCount from the request when the call failed', () => {
    const l = launchOf(
      run({ type: 'P2.XLarge', maxCount: 10, errorCode: 'Client.VcpuLimitExceeded' }),
    );
    expect(l).toMatchObject({ items: [{ type: 'p2.xlarge', count: 10 }], succeeded: false });
  });

  it('marks dry runs, and a launch template without a logged type as unknown', () => {
    const dry = launchOf(run({ type: 'g5.xlarge', errorCode: 'Client.DryRunOperation' }));
    expect(dry).toMatchObject({ dryRun: true, succeeded: false });
    const lt = launchOf(run({ errorCode: 'Client.UnauthorizedOperation', maxCount: 3 }));
    expect(lt?.items).toEqual([{ type: 'unknown', count: 3 }]);
  });

  it('falls back to the request when the response was cut to the size caps', () => {
    const raw = sampleRunInstances({
      eventTime: T0,
      region: 'us-east-1',
      type: 'c5.24xlarge',
      maxCount: 3,
    });
    const limits = { ...DEFAULT_FIELD_LIMITS, objectBytes: 400 };
    const cut = normalizeRecord(raw, { file: 't', index: 0 }, limits);
    if (!('eventId' in cut)) throw new Error(cut.reason);
    expect(cut.responseElements?.['_truncated']).toBe(true);
    expect(launchOf(cut)).toMatchObject({
      items: [{ type: 'c5.24xlarge', count: 3 }],
      succeeded: true,
      fromResponse: false,
    });
  });

  it('reads flattened minCount/maxCount, numeric strings, and caps absurd counts', () => {
    const flat = (rp: Record<string, unknown>) =>
      launchOf(
        event(
          sampleRecord({
            eventSource: 'ec2.amazonaws.com',
            eventName: 'RunInstances',
            errorCode: 'x',
            requestParameters: rp,
          }),
        ),
      )?.items;
    expect(flat({ instanceType: 'g5.xlarge', minCount: 2, maxCount: '7' })).toEqual([
      { type: 'g5.xlarge', count: 7 },
    ]);
    expect(flat({ instanceType: 'g5.xlarge', minCount: 4 })).toEqual([
      { type: 'g5.xlarge', count: 4 },
    ]);
    expect(flat({ instanceType: 'g5.xlarge', maxCount: 1e12 })).toEqual([
      { type: 'g5.xlarge', count: 10_000 },
    ]);
    expect(flat({ instanceType: 'g5.xlarge', maxCount: -3 })).toEqual([
      { type: 'g5.xlarge', count: 1 },
    ]);
    expect(flat({ instanceType: 42 })).toEqual([{ type: 'unknown', count: 1 }]);
  });

  it('reads RequestSpotInstances and ignores other calls', () => {
    const spot = event(
      sampleSpotRequest({ eventTime: T0, region: 'us-west-2', type: 'g6.48xlarge', count: 4 }),
    );
    expect(launchOf(spot)?.items).toEqual([{ type: 'g6.48xlarge', count: 4 }]);
    expect(launchOf(event(sampleRecord({})))).toBeUndefined();
  });

  it('never throws on hostile request and response shapes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.option(fc.string()), (rp, re, err) => {
        const raw = sampleRecord({ eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' });
        const ev = normalizeRecord(
          {
            ...raw,
            requestParameters: rp,
            responseElements: re,
            ...(err ? { errorCode: err } : {}),
          },
          { file: 'p', index: 0 },
        );
        if (!('eventId' in ev)) return;
        const l = launchOf(ev)!;
        for (const i of l.items) expect(i.count).toBeGreaterThan(0);
        expect(decodeLaunch(encodeLaunch(l))).toEqual(l);
      }),
    );
  });
});

describe('estimateBurn', () => {
  it('prices known types, lists unknown ones as unpriced', () => {
    const b = estimateBurn(
      [
        { type: 'p4d.24xlarge', count: 2 },
        { type: 'p6-b200.48xlarge', count: 3 },
        { type: 'unknown', count: 1 },
      ],
      { 'p4d.24xlarge': 30 },
    );
    expect(b).toEqual({
      instances: 6,
      pricedInstances: 2,
      usdPerHour: 60,
      byType: { 'p4d.24xlarge': 2, 'p6-b200.48xlarge': 3, unknown: 1 },
      unpriced: { 'p6-b200.48xlarge': 3, unknown: 1 },
    });
  });

  it('phrases launched burn first, else attempted, and says when nothing is priced', () => {
    const p4 = [{ type: 'p4d.24xlarge', count: 1 }];
    expect(burnSummary(p4, p4, {}).phrase).toBe('about $33 per hour');
    expect(burnSummary([], [{ type: 'x9.huge', count: 2 }], {})).toMatchObject({
      phrase: 'unpriced',
      live: false,
    });
    expect(burnSummary([], [...p4, { type: 'x9.huge', count: 2 }], {}).phrase).toBe(
      'about $33 per hour (+2 unpriced)',
    );
  });

  it('formats dollars', () => {
    expect([formatUsd(0.526), formatUsd(9.5), formatUsd(52.4), formatUsd(12345.6)]).toEqual([
      '$0.53',
      '$9.50',
      '$52',
      '$12,346',
    ]);
  });

  it('merges items by type, most numerous first', () => {
    const merged = mergeItems([
      { type: 'a.x', count: 1 },
      { type: 'b.x', count: 5 },
      { type: 'a.x', count: 6 },
    ]);
    expect(merged).toEqual([
      { type: 'a.x', count: 7 },
      { type: 'b.x', count: 5 },
    ]);
  });
});

describe('typeGlobs', () => {
  it('matches whole types with * and treats everything else literally', () => {
    const t = typeGlobs(['p*', '*.metal*', 'x1e.(32)xlarge']);
    expect(['p4d.24xlarge', 'C5.METAL', 'c7i.metal-48xl', 'x1e.(32)xlarge'].map(t)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['m5.large', 'x1e.32xlarge', 'gp3'].map(t)).toEqual([false, false, false]);
    expect(typeGlobs([])('p4d.24xlarge')).toBe(false);
  });
});
