import { describe, expect, it } from 'vitest';
import {
  apiId,
  createEarliest,
  dayAt,
  identityId,
  ipId,
  ipv4At,
  ipv4Id,
  isEarliest,
} from './earliest.js';

const time = (t: string) => `"eventTime":"${t}"`;
/** Where the time value starts in {@link time}'s text. */
const AT = '"eventTime":"'.length;

describe('the earliest-record tracker', () => {
  it('reads the day of a compact eventTime, and refuses other forms', () => {
    const a = dayAt(time('2025-03-01T10:05:07Z'), AT);
    const b = dayAt(time('2025-03-02T00:00:00Z'), AT);
    const c = dayAt(time('2026-01-01T00:00:00Z'), AT);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBe(a + 1);
    expect(c).toBeGreaterThan(b);
    expect(c).toBeLessThan(32768);
    for (const odd of [
      '2025-03-01T10:05:07.000Z',
      '2025-03-01 10:05:07Z',
      '1999-12-31T23:59:59Z',
      '2025-13-01T00:00:00Z',
      '2025-03-0xT00:00:00Z',
    ])
      expect(dayAt(time(odd), AT), odd).toBe(-1);
  });

  it('chooses a record only when it is the earliest of its identity, value and day so far', () => {
    const t = createEarliest();
    const id = identityId(t, 'xx{"type":"IAMUser"}yy', 2, 20, 7);
    const api = apiId(t, 'sts.amazonaws.com', 'GetCallerIdentity');
    const ip = ipId(t, '198.51.100.7');
    expect(ip).not.toBe(api);
    const at = (s: string) => {
      const text = time(s);
      return isEarliest(t, id, api, dayAt(text, AT), text, AT);
    };
    expect(at('2025-03-01T10:30:00Z')).toBe(true);
    expect(at('2025-03-01T10:40:00Z')).toBe(false);
    expect(at('2025-03-01T10:30:00Z')).toBe(true); // a tie: every record of the earliest second
    expect(at('2025-03-01T09:59:59Z')).toBe(true); // earlier, read later
    expect(at('2025-03-01T10:30:00Z')).toBe(false);
    expect(at('2025-03-02T23:00:00Z')).toBe(true); // another day
  });

  it('gives one id per identity text, value and API', () => {
    const t = createEarliest();
    const text = 'A{"arn":"x"}B{"arn":"x"}C{"arn":"y"}';
    const first = identityId(t, text, 1, 12, 1);
    expect(identityId(t, text, 13, 24, 1)).toBe(first);
    expect(identityId(t, text, 25, 36, 1)).not.toBe(first);
    expect(apiId(t, 's3.amazonaws.com', 'ListBuckets')).toBe(
      apiId(t, 's3.amazonaws.com', 'ListBuckets'),
    );
    expect(apiId(t, 's3.amazonaws.com', 'GetObject')).not.toBe(
      apiId(t, 's3.amazonaws.com', 'ListBuckets'),
    );
  });

  it('reads an IPv4 address where it stands, and leaves anything else to its text', () => {
    expect(ipv4At('"198.51.100.7"', 1)).toBe(((198 * 256 + 51) * 256 + 100) * 256 + 7);
    expect(ipv4At('"255.255.255.255"', 1)).toBe(2 ** 32 - 1);
    expect(ipv4At('"0.0.0.0"', 1)).toBe(0);
    for (const odd of [
      '01.2.3.4',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '2001:db8::1',
      'ec2.amazonaws.com',
      '1.2.3.4x',
    ])
      expect(ipv4At(`"${odd}"`, 1), odd).toBe(-1);
    const t = createEarliest();
    expect(ipv4Id(t, 2 ** 32 - 1)).toBe(ipv4Id(t, 2 ** 32 - 1));
    expect(ipv4Id(t, 1)).not.toBe(ipId(t, '1.0.0.0'));
  });
});
