import { describe, expect, it } from 'vitest';
import { recordAt, sliceRecords } from './slices.js';

const rec = (id: string, extra = ''): string =>
  `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser"},"eventID":"${id}"${extra}}`;

describe('record slices of a compact delivery file', () => {
  it('finds each record, and each position maps to its record', () => {
    const text = `{"Records":[${rec('a')},${rec('b', ',"x":"},{\\"eventVersion\\""')},${rec('c')}]}\n`;
    const s = sliceRecords(text)!;
    expect(s.starts).toHaveLength(3);
    const parsed = s.starts.map(
      (st, i) => JSON.parse(text.slice(st, s.ends[i])) as { eventID: string },
    );
    expect(parsed.map((r) => r.eventID)).toEqual(['a', 'b', 'c']);
    expect(recordAt(s, s.starts[1]! + 5)).toBe(1);
    expect(recordAt(s, s.ends[1]!)).toBe(-1);
    expect(recordAt(s, 0)).toBe(-1);
    expect(s.nestedKeys).toBe(0);
  });

  it('counts eventVersion keys that start no record (a nested object, a second key)', () => {
    const nested = `{"Records":[${rec('a', ',"n":{"x":1,"eventVersion":"1.0"}')},${rec('b')}]}`;
    expect(sliceRecords(nested)?.nestedKeys).toBe(1);
    expect(sliceRecords(nested)?.starts).toHaveLength(2);
  });

  it('an empty list has no records', () => {
    expect(sliceRecords('{"Records":[]}')).toEqual({ starts: [], ends: [], nestedKeys: 0 });
  });

  it('is not this shape: other framing, indentation, \\u or \\/ escapes, a nested look-alike', () => {
    expect(sliceRecords(`[${rec('a')}]`)).toBeUndefined();
    expect(sliceRecords(`{"Records": [${rec('a')}]}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[${rec('a')}, ${rec('b')}]}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[${rec('a', ',"u":"\\u0041"')}]}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[${rec('a', ',"p":"a\\/b"')}]}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[${rec('a', `,"n":${rec('n')}`)}]}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[${rec('a')}`)).toBeUndefined();
    expect(sliceRecords(`{"Records":[{"eventID":"x"}]}`)).toBeUndefined();
  });
});
