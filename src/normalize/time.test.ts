import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parseTime } from './time.js';

const iso = (v: unknown): string | undefined => parseTime(v)?.iso;

describe('parseTime', () => {
  it.each([
    ['2025-01-01T10:05:07Z', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01T10:05:07.123Z', '2025-01-01T10:05:07.123Z'],
    ['2025-01-01T10:05:07.123456789Z', '2025-01-01T10:05:07.123Z'],
    ['2025-01-01T10:05:07', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01T10:05Z', '2025-01-01T10:05:00.000Z'],
    ['2025-01-01T12:05:07+02:00', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01T05:05:07-0500', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01T11:05:07+01', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01 10:05:07', '2025-01-01T10:05:07.000Z'],
    ['2025-01-01 10:05:07.5', '2025-01-01T10:05:07.500Z'],
    ['20131102T010628Z', '2013-11-02T01:06:28.000Z'],
    ['20131102T010628', '2013-11-02T01:06:28.000Z'],
    ['20131102T030628+0200', '2013-11-02T01:06:28.000Z'],
    ['Jul 18, 2014 4:07:39 PM', '2014-07-18T16:07:39.000Z'],
    ['Mar 24, 2014 9:11:59 AM', '2014-03-24T09:11:59.000Z'],
    ['Nov 30, 2024, 8:43:17 PM', '2024-11-30T20:43:17.000Z'],
    ['Nov 30, 2024, 8:43:17\u202fPM', '2024-11-30T20:43:17.000Z'],
    ['Jan 1, 2025 12:00:00 AM', '2025-01-01T00:00:00.000Z'],
    ['Jan 1, 2025 12:30:00 PM', '2025-01-01T12:30:00.000Z'],
    ['  2025-01-01T10:05:07Z  ', '2025-01-01T10:05:07.000Z'],
  ])('reads %j as %s', (input, expected) => {
    expect(iso(input)).toBe(expected);
  });

  it('reads epoch seconds and milliseconds, as numbers or numeric strings', () => {
    expect(iso(1735725907)).toBe('2025-01-01T10:05:07.000Z');
    expect(iso(1735725907000)).toBe('2025-01-01T10:05:07.000Z');
    expect(iso('1735725907')).toBe('2025-01-01T10:05:07.000Z');
    expect(iso('1735725907123')).toBe('2025-01-01T10:05:07.123Z');
    expect(iso(1735725907.5)).toBe('2025-01-01T10:05:07.500Z');
    expect(parseTime(1735725907)?.ms).toBe(1735725907000);
  });

  it.each([
    ['not a time'],
    ['2025-02-30T10:00:00Z'],
    ['2025-13-01T10:00:00Z'],
    ['2025-01-01T25:00:00Z'],
    ['2025-01-01T10:61:00Z'],
    ['2025-01-01T10:00:00+25:00'],
    ['Foo 18, 2014 4:07:39 PM'],
    ['Jul 18, 2014 13:07:39 PM'],
    ['0050-01-01T00:00:00Z'],
    [''],
    ['9'.repeat(100)],
    ['2025-01-01T10:05:07Z'.repeat(1000)],
  ])('returns undefined for %j', (input) => {
    expect(parseTime(input)).toBeUndefined();
  });

  it('returns undefined for non-time types and out-of-range numbers', () => {
    for (const v of [undefined, null, true, {}, [], Number.NaN, Number.POSITIVE_INFINITY, 1e20]) {
      expect(parseTime(v)).toBeUndefined();
    }
  });

  it('never throws, and any result round-trips through Date', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.double(), fc.anything()), (v) => {
        const t = parseTime(v);
        if (t !== undefined) expect(new Date(t.ms).toISOString()).toBe(t.iso);
      }),
    );
  });
});
