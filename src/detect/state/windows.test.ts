import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventSummary } from '../rule.js';
import { createMemoryState } from './memory.js';
import type { WindowEntry } from './state.js';
import { denseWindowEntries } from './windows.js';

const W = 10;
const MIN = 3;

function entry(i: number, timeMs: number, value: string): WindowEntry {
  const event: EventSummary = {
    eventId: `e${i}`,
    eventName: 'GetCallerIdentity',
    eventSource: 's',
    region: 'r',
  };
  return { eventId: `e${i}`, timeMs, value, event };
}

/** Every event in some window of length W holding at least MIN distinct values (brute force). */
function offline(entries: readonly WindowEntry[]): string[] {
  const out = new Set<string>();
  for (const start of entries) {
    const inside = entries.filter((e) => e.timeMs >= start.timeMs && e.timeMs <= start.timeMs + W);
    if (new Set(inside.map((e) => e.value)).size >= MIN) for (const e of inside) out.add(e.eventId);
  }
  return [...out].sort();
}

/** What the engine does: add each event in arrival order, keep the dense windows it sees. */
function online(entries: readonly WindowEntry[]): string[] {
  const store = createMemoryState();
  const out = new Set<string>();
  for (const e of entries) {
    store.addEntry('rule', 'ip', e, 2 * W);
    const seen = store.entries('rule', 'ip', e.timeMs - W, e.timeMs + W);
    for (const d of denseWindowEntries(seen, e.timeMs, W, MIN)) out.add(d.eventId);
  }
  return [...out].sort();
}

const entriesArb = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.constantFrom('a', 'b', 'c', 'd')), {
    maxLength: 25,
  })
  .map((list) => list.map(([t, v], i) => entry(i, t, v)));

describe('denseWindowEntries', () => {
  it('finds the events of a window with enough distinct values', () => {
    const es = [entry(1, 0, 'a'), entry(2, 4, 'b'), entry(3, 9, 'c'), entry(4, 30, 'd')];
    expect(denseWindowEntries(es, 9, W, MIN).map((e) => e.eventId)).toEqual(['e1', 'e2', 'e3']);
    expect(denseWindowEntries(es, 30, W, MIN)).toEqual([]);
  });

  it('gives the offline answer whatever order the events arrive in (and twice over)', () => {
    fc.assert(
      fc.property(entriesArb, fc.array(fc.nat()), (entries, seeds) => {
        const shuffled = entries
          .map((e, i) => [seeds[i % Math.max(1, seeds.length)] ?? i, e] as const)
          .sort((a, b) => a[0] - b[0])
          .map(([, e]) => e);
        const expected = offline(entries);
        expect(online(entries)).toEqual(expected);
        expect(online(shuffled)).toEqual(expected);
        expect(online([...shuffled, ...entries])).toEqual(expected);
      }),
    );
  });
});

describe('createMemoryState', () => {
  it('keeps an eventID once per key, and evicts by event time', () => {
    const s = createMemoryState();
    expect(s.addEntry('r', 'k', entry(1, 1000, 'a'), 500)).toBe(true);
    expect(s.addEntry('r', 'k', entry(1, 1000, 'a'), 500)).toBe(false);
    s.addEntry('r', 'k', entry(2, 5000, 'b'), 500);
    s.evict(5000);
    expect(s.entries('r', 'k', 0, 10_000).map((e) => e.eventId)).toEqual(['e2']);
  });

  it('survives a snapshot round trip', () => {
    const s = createMemoryState();
    s.addEntry('r', 'k', entry(1, 1000, 'a'), 500);
    s.addSighting('r', 'p', 'kali', 7_200_000, 86_400_000);
    const again = createMemoryState(JSON.parse(JSON.stringify(s.snapshot())));
    expect(again.entries('r', 'k', 0, 2000)).toHaveLength(1);
    expect(again.sightings('r', 'p', 'kali', 0, 9_000_000)).toEqual([7_200_000]);
    expect(again.addEntry('r', 'k', entry(1, 1000, 'a'), 500)).toBe(false);
  });

  it('evicts a namespace by its own additions, behind its own newest time less the lateness', () => {
    const limits = { entriesPerNamespace: 1e6, sightingsPerNamespace: 1e6, evictEvery: 10 };
    const s = createMemoryState(undefined, { ...limits, latenessMs: 1000 });
    s.addEntry('r', 'old', entry(0, 0, 'a'), 500);
    s.addEntry('r', 'late', entry(1, 4000, 'a'), 500);
    // Another rule's newer events, however many, leave this rule's state alone.
    for (let i = 2; i <= 60; i++) s.addEntry('other', `k${i % 7}`, entry(i, 1e9 + i, 'a'), 500);
    expect(s.entries('r', 'old', 0, 10)).toHaveLength(1);
    // Its own tenth addition evicts behind 5008 − 1000 (lateness) − 500 (retention).
    for (let i = 1; i <= 8; i++) s.addEntry('r', 'new', entry(100 + i, 5000 + i, 'a'), 500);
    expect(s.entries('r', 'old', 0, 10)).toHaveLength(0);
    expect(s.entries('r', 'late', 0, 1e4)).toHaveLength(1);
    expect(s.entries('r', 'new', 0, 1e4)).toHaveLength(8);
  });

  it('drops the keys quiet longest when every entry is recent (hostile input)', () => {
    const limits = { entriesPerNamespace: 8, sightingsPerNamespace: 8 };
    const s = createMemoryState(undefined, { ...limits, evictEvery: 1e9, latenessMs: 0 });
    for (let i = 0; i < 9; i++) s.addEntry('r', `k${i}`, entry(i, 1000 + i, 'a'), 1e9);
    const kept = Array.from({ length: 9 }, (_, i) => s.entries('r', `k${i}`, 0, 1e4).length);
    expect(kept.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6);
    expect(kept.slice(-6)).toEqual([1, 1, 1, 1, 1, 1]);
    for (let i = 0; i < 9; i++) s.addSighting('r', `p${i}`, 'v', 3_600_000 * (i + 1), 1e12);
    expect(s.earliestSighting('r', 'p0')).toBeUndefined();
    expect(s.earliestSighting('r', 'p8')).toBe(3_600_000 * 9);
  });

  it('bounds the entries one key keeps', () => {
    const s = createMemoryState();
    for (let i = 0; i < 2100; i++) s.addEntry('r', 'k', entry(i, i, 'a'), 1e9);
    expect(s.entries('r', 'k', 0, 1e9)).toHaveLength(2000);
  });
});
