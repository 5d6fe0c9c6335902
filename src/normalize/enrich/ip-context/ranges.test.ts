import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidr4, cidr6, find4, find6, RangeBuilder4, RangeBuilder6 } from './ranges.js';

interface R {
  start: number;
  end: number;
  rank: number;
}

/** The value the tables promise at `ip`: the covering range last in (start, -end, rank, index) order. */
function expected(ranges: readonly R[], ip: number): number {
  let best = -1;
  ranges.forEach((r, i) => {
    if (r.start > ip || r.end < ip) return;
    if (best < 0) return void (best = i);
    const b = ranges[best]!;
    const later = r.start - b.start || b.end - r.end || r.rank - b.rank || i - best;
    if (later > 0) best = i;
  });
  return best;
}

const range = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 20 }), fc.nat(2))
  .map(([start, len, rank]) => ({ start, end: start + len, rank }));

function words(n: number): Uint32Array {
  // Put the small number in the low word and a fixed prefix above, so bigint carries are exercised.
  return Uint32Array.from([0x20010db8, 0, 0xffffffff, n]);
}

describe('range tables', () => {
  it('find the range holding an address, and nothing in the gaps', () => {
    const b = new RangeBuilder4();
    b.add(10, 19, 1);
    b.add(30, 39, 2);
    const t = b.build();
    expect([5, 10, 19, 20, 30, 39, 40].map((ip) => find4(t, ip))).toEqual([-1, 0, 0, -1, 1, 1, -1]);
  });

  it('let the innermost CIDR win, and on one prefix the higher rank', () => {
    const b = new RangeBuilder4();
    const [a0, a1] = cidr4(0x0a000000, 8); // 10.0.0.0/8
    const [b0, b1] = cidr4(0x0a010000, 16); // 10.1.0.0/16
    b.add(a0, a1, 1);
    b.add(b0, b1, 2, 1);
    b.add(b0, b1, 3, 0); // same prefix, lower rank: loses to value 2
    const t = b.build();
    const at = (ip: number) => t.values[find4(t, ip)];
    expect(at(0x0a000001)).toBe(1);
    expect(at(0x0a010001)).toBe(2);
    expect(at(0x0a020001)).toBe(1);
    expect(at(0x0affffff)).toBe(1);
  });

  it('match a brute-force reading of overlapping IPv4 ranges in any order', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 12 }), (ranges) => {
        const b = new RangeBuilder4();
        ranges.forEach((r, i) => b.add(r.start, r.end, i, r.rank));
        const t = b.build();
        for (let i = 1; i < t.starts.length; i++)
          expect(t.starts[i]!).toBeGreaterThan(t.ends[i - 1]!);
        for (let ip = 0; ip <= 82; ip++) {
          const k = find4(t, ip);
          expect(k < 0 ? -1 : t.values[k]).toBe(expected(ranges, ip));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('match the same brute-force reading for IPv6', () => {
    fc.assert(
      fc.property(fc.array(range, { maxLength: 12 }), (ranges) => {
        const b = new RangeBuilder6();
        ranges.forEach((r, i) => b.add(words(r.start), 0, words(r.end), 0, i, r.rank));
        const t = b.build();
        for (let ip = 0; ip <= 82; ip++) {
          const k = find6(t, words(ip));
          expect(k < 0 ? -1 : t.values[k]).toBe(expected(ranges, ip));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('take sorted disjoint input as it is, and cover the whole address space at the edges', () => {
    const b = new RangeBuilder4(2);
    b.add(0, 0, 7);
    for (let i = 1; i < 100; i++) b.add(i * 10, i * 10 + 5, i);
    b.add(0xffffff00, 0xffffffff, 9);
    const t = b.build();
    expect(t.values.length).toBe(101);
    expect(t.values[find4(t, 0)]).toBe(7);
    expect(t.values[find4(t, 0xffffffff)]).toBe(9);
    const [lo, hi] = cidr4(0, 0);
    expect([lo, hi]).toEqual([0, 0xffffffff]);
  });

  it('compute IPv6 CIDR bounds across word edges', () => {
    const first = new Uint32Array(4);
    const last = new Uint32Array(4);
    cidr6(Uint32Array.from([0x26001f14, 0x12345678, 1, 2]), 35, first, last);
    expect([...first]).toEqual([0x26001f14, 0, 0, 0]);
    expect([...last]).toEqual([0x26001f14, 0x1fffffff, 0xffffffff, 0xffffffff]);
  });
});
