import { describe, expect, it } from 'vitest';
import { recordAt, recordPieces, sliceList, sliceRecords } from './slices.js';

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

describe('recordPieces', () => {
  const list = Array.from({ length: 40 }, (_, i) => rec(`r${i}`, `,"pad":"${'x'.repeat(100)}"`));
  const text = `{"Records":[${list.join(',')}]}`;
  const bytes = Buffer.from(text, 'latin1');

  it('cuts a delivery file at record boundaries into pieces that each slice to whole records', () => {
    const pieces = recordPieces(bytes, 1000)!;
    expect(pieces.length).toBeGreaterThan(3);
    const texts = pieces.map((p) => text.slice(p.from, p.to));
    expect(texts.join(',')).toBe(list.join(','));
    const counts = texts.map((t) => sliceList(t, 0, t.length)?.starts.length ?? -1);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(40);
    expect(recordPieces(bytes, 1 << 20)).toEqual([{ from: 12, to: text.length - 2 }]);
  });

  it('refuses what is not a compact delivery file, and a cut inside a record does not slice', () => {
    expect(recordPieces(Buffer.from(`[${list[0]}]`), 100)).toBeUndefined();
    expect(recordPieces(Buffer.from(`{"Records":[${list[0]}`), 100)).toBeUndefined();
    // A nested object in the form a record starts with, right where a cut falls.
    const nested = rec('n', `,"items":[{"a":1},${rec('inner')}]`);
    const odd = `{"Records":[${nested},${list[1]}]}`;
    const pieces = recordPieces(Buffer.from(odd, 'latin1'), 10)!;
    const first = odd.slice(pieces[0]!.from, pieces[0]!.to);
    const sliced = sliceList(first, 0, first.length);
    const parse = (): void => {
      for (const [i, s] of (sliced?.starts ?? []).entries())
        JSON.parse(first.slice(s, sliced?.ends[i])) as unknown;
    };
    // Either the piece does not slice at all, or a slice of it does not parse.
    if (sliced) expect(parse).toThrow();
  });
});
