import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/index.js';
import { parseAsnCsv } from './asn-csv.js';
import { parseAddress } from './ip.js';
import { find4, find6 } from './ranges.js';
import type { RangeTable4, RangeTable6 } from './ranges.js';

const V4 = [
  '198.51.100.0,198.51.100.255,64500,"Example Hosting, Inc."',
  '203.0.113.0,203.0.113.127,64501,Plain Org',
  '203.0.113.128,203.0.113.255,64502,"LLC ""QUOTED"""',
  '192.0.2.0,192.0.2.255,64500,"Example Hosting, Inc."',
].join('\n');

function asnAt(t: { family: 4 | 6; table: RangeTable4 | RangeTable6 }, ip: string): number {
  const a = parseAddress(ip)!;
  const i = a.family === 4 ? find4(t.table, a.value) : find6(t.table, a.words);
  return i < 0 ? -1 : t.table.values[i]!;
}

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (isAppError(err, 'KS_IP_DATA_INVALID')) return String(err.details['reason']);
    throw err;
  }
  throw new Error('expected KS_IP_DATA_INVALID');
}

describe('parseAsnCsv', () => {
  it('reads ranges in any order, quoted organisations and "" escapes', () => {
    const t = parseAsnCsv(Buffer.from(V4), 4, 'asn-ipv4.csv');
    expect(asnAt(t, '198.51.100.7')).toBe(64500);
    expect(asnAt(t, '192.0.2.1')).toBe(64500);
    expect(asnAt(t, '203.0.113.200')).toBe(64502);
    expect(asnAt(t, '203.0.114.1')).toBe(-1);
    expect(t.orgs.get(64500)).toBe('Example Hosting, Inc.');
    expect(t.orgs.get(64501)).toBe('Plain Org');
    expect(t.orgs.get(64502)).toBe('LLC "QUOTED"');
  });

  it('takes CRLF line ends, blank lines, a header line and a missing organisation', () => {
    const text =
      'ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization\r\n' +
      '\r\n10.0.0.0,10.0.0.255,64510\r\n10.0.1.0,10.0.1.255,64511,\r\n';
    const t = parseAsnCsv(Buffer.from(text), 4, 'x.csv');
    expect(asnAt(t, '10.0.0.9')).toBe(64510);
    expect(asnAt(t, '10.0.1.9')).toBe(64511);
    expect(t.orgs.size).toBe(0);
  });

  it('lets a later-starting overlapping range win, as in the packaged data', () => {
    const text = '10.0.0.0,10.1.255.255,749,Outer\n10.1.0.0,10.2.3.255,721,Inner\n';
    const t = parseAsnCsv(Buffer.from(text), 4, 'x.csv');
    expect(asnAt(t, '10.0.5.5')).toBe(749);
    expect(asnAt(t, '10.1.5.5')).toBe(721);
    expect(asnAt(t, '10.2.3.255')).toBe(721);
  });

  it('reads IPv6 ranges', () => {
    const text = '2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64520,Doc Net\n';
    const t = parseAsnCsv(Buffer.from(text), 6, 'asn-ipv6.csv');
    expect(asnAt(t, '2001:db8:1::1')).toBe(64520);
    expect(asnAt(t, '2001:db9::1')).toBe(-1);
    expect(t.orgs.get(64520)).toBe('Doc Net');
  });

  it('names the line of a truncated or malformed file', () => {
    const cut = V4.slice(0, V4.lastIndexOf('192.0.2.255') + 6);
    expect(reasonOf(() => parseAsnCsv(Buffer.from(cut), 4, 'f'))).toBe(
      'line 4: expected range_start,range_end,asn,organisation',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from(`${V4}\n1.2.3.0,1.2.3`), 4, 'f'))).toMatch(
      /^line 5: expected range_start/,
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from('1.2.3.0,1.2.3,5,x'), 4, 'f'))).toBe(
      'line 1: expected an IPv4 address, found "1.2.3"',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from('1.2.3.0,1.2.3.9,AS5,x'), 4, 'f'))).toBe(
      'line 1: expected an AS number, found "AS5"',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from('1.2.3.9,1.2.3.0,5,x'), 4, 'f'))).toBe(
      'line 1: the range ends before it starts',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from('1.2.3.0,1.2.3.9,5,"Org'), 4, 'f'))).toBe(
      'line 1: the organisation has no closing quote',
    );
  });

  it('refuses a range of the other family, and a file with no ranges', () => {
    expect(reasonOf(() => parseAsnCsv(Buffer.from('2001:db8::,2001:db8::ff,5,x'), 4, 'f'))).toBe(
      'line 1: an IPv6 range in the IPv4 ASN file',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from('1.2.3.0,1.2.3.9,5,x'), 6, 'f'))).toBe(
      'line 1: an IPv4 range in the IPv6 ASN file',
    );
    expect(reasonOf(() => parseAsnCsv(Buffer.from(''), 4, 'f'))).toBe('holds no address ranges');
    expect(reasonOf(() => parseAsnCsv(Buffer.from('{"json": true}'), 4, 'f'))).toMatch(/^line 1:/);
  });
});
