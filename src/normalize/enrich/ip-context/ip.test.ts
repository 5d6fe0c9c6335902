import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAddress, formatIpv6, parseAddress, parseCidr } from './ip.js';

const v6 = (text: string): string | undefined => {
  const a = parseAddress(text);
  return a?.family === 6 ? formatIpv6(a.words) : undefined;
};

describe('parseAddress', () => {
  it('reads dotted quads as one unsigned number', () => {
    expect(parseAddress('8.8.8.8')).toEqual({ family: 4, value: 0x08080808 });
    expect(parseAddress('255.255.255.255')).toEqual({ family: 4, value: 0xffffffff });
    expect(parseAddress('0.0.0.0')).toEqual({ family: 4, value: 0 });
  });

  it('refuses what only lax parsers accept: leading zeros, short or long forms, spaces', () => {
    for (const bad of [
      '010.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '1.2.3.4 ',
      ' 1.2.3.4',
      '1..2.3',
      '0x7f.0.0.1',
      '1.2.3.4%eth0',
      '',
      'ec2.amazonaws.com',
      'AWS Internal',
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
  });

  it('expands IPv6 compression and embedded dotted quads', () => {
    expect(v6('2001:db8::1')).toBe('2001:db8:0:0:0:0:0:1');
    expect(v6('::')).toBe('0:0:0:0:0:0:0:0');
    expect(v6('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(v6('1::')).toBe('1:0:0:0:0:0:0:0');
    expect(v6('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0:0:0:c000:221');
    expect(v6('2001:DB8:0:0:1:0:0:1')).toBe('2001:db8:0:0:1:0:0:1');
  });

  it('reads IPv4-mapped IPv6 as the IPv4 address and drops zone ids', () => {
    expect(parseAddress('::ffff:8.8.8.8')).toEqual({ family: 4, value: 0x08080808 });
    expect(parseAddress('::ffff:808:808')).toEqual({ family: 4, value: 0x08080808 });
    expect(v6('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
    expect(parseAddress('fe80::1%')).toBeUndefined();
  });

  it('refuses malformed IPv6', () => {
    for (const bad of [
      ':',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      '1:',
      ':1',
      '12345::',
      'g::1',
      '::1.2.3',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::ffff:010.0.0.1',
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
  });

  it('never throws, and accepts only what node:net calls an address', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        const a = parseAddress(s);
        if (a) expect(isIP(s)).not.toBe(0);
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every address fast-check generates, and round-trips its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (s) => {
        const a = parseAddress(s);
        expect(a, s).toBeDefined();
        expect(parseAddress(formatAddress(a!))).toEqual(a);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseCidr', () => {
  it('reads IPv4 and IPv6 prefixes and refuses bad lengths', () => {
    expect(parseCidr('3.5.140.0/22')).toEqual({ family: 4, value: 0x03058c00, length: 22 });
    expect(parseCidr('2600:1f14::/35')).toMatchObject({ family: 6, length: 35 });
    for (const bad of ['3.5.140.0/33', '3.5.140.0/', '/8', '3.5.140.0/08', '::/129', 'x/8']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});
