import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clusterHits } from './grouping.js';
import type { HitSummary } from './rule.js';

const hit = (eventId: string, minute: number | undefined, groupKey = 'g'): HitSummary => ({
  rule: 'honeytoken.used',
  groupKey,
  eventId,
  eventName: 'X',
  eventSource: 's',
  region: 'us-east-1',
  ...(minute === undefined
    ? {}
    : { timeMs: minute * 60_000, time: new Date(minute * 60_000).toISOString() }),
});

describe('clusterHits', () => {
  it('splits a group where the quiet gap is longer than allowed', () => {
    const clusters = clusterHits(
      [hit('a', 0), hit('b', 30), hit('c', 200), hit('d', 210)],
      60 * 60_000,
    );
    expect(clusters.map((c) => c.map((h) => h.eventId))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('keeps groups apart and drops duplicate events', () => {
    const clusters = clusterHits([hit('a', 0, 'x'), hit('a', 0, 'x'), hit('b', 1, 'y')], 60_000);
    expect(clusters.map((c) => c.map((h) => h.eventId)).sort()).toEqual([['a'], ['b']]);
  });

  it('never groups an event of unknown time with timed ones', () => {
    const clusters = clusterHits([hit('a', 0), hit('x', undefined), hit('b', 1)], 60 * 60_000);
    expect(clusters.map((c) => c.map((h) => h.eventId))).toEqual([['a', 'b'], ['x']]);
  });

  it('does not depend on input order', () => {
    const base = [hit('a', 0), hit('b', 5), hit('c', 100), hit('d', 101), hit('e', undefined)];
    fc.assert(
      fc.property(
        fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }),
        (shuffled) => {
          const ids = clusterHits(shuffled, 30 * 60_000).map((c) => c.map((h) => h.eventId));
          expect(ids).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
        },
      ),
    );
  });
});
