import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { estimateJsonSize, formatBytes, stableJson } from './json-size.js';

function deepArray(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;
}

describe('estimateJsonSize', () => {
  it('matches JSON.stringify length for escape-free values', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const value = JSON.parse(text) as unknown;
        const exact = JSON.stringify(value);
        if (exact.includes('\\')) return; // escapes are not counted
        expect(estimateJsonSize(value).bytes).toBe(exact.length);
      }),
    );
  });

  it('stops early once over the byte cap', () => {
    const big = { a: 'x'.repeat(1_000_000), b: 'y'.repeat(1_000_000) };
    const r = estimateJsonSize(big, 1000);
    expect(r.stopped).toBe(true);
    expect(r.bytes).toBeGreaterThan(1000);
    expect(r.bytes).toBeLessThan(1_100_000);
  });

  it('walks a 10 000-deep array without recursion and reports its depth', () => {
    const r = estimateJsonSize(deepArray(10_000));
    expect(r).toEqual({ bytes: 20_000, depth: 10_000, stopped: false });
    expect(estimateJsonSize(deepArray(10_000), Infinity, 64).stopped).toBe(true);
  });
});

describe('stableJson', () => {
  it('gives the same text whatever the key order', () => {
    expect(stableJson({ b: 1, a: { d: [1, 'x'], c: null } })).toBe(
      stableJson({ a: { c: null, d: [1, 'x'] }, b: 1 }),
    );
    expect(stableJson({ b: 1, a: [true, null] })).toBe('{"a":[true,null],"b":1}');
  });

  it('is valid JSON equal to the input for JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(stableJson(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('serializes a 100 000-deep array without overflowing the stack', () => {
    expect(stableJson(deepArray(100_000)).length).toBe(200_000);
  });

  it('terminates on cyclic objects', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(stableJson(a)).toBe('{"self":"[seen]","x":1}');
  });
});

describe('formatBytes', () => {
  it('writes sizes a person reads at a glance', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(4096)).toBe('4 KB');
    expect(formatBytes(1024 * 1024)).toBe('1 MB');
    expect(formatBytes(2.1 * 1024 * 1024)).toBe('2.1 MB');
  });
});
