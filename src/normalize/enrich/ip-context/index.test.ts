import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMmdb } from '../../../../test/helpers/mmdb.js';
import { isAppError } from '../../../core/index.js';
import type { AppError } from '../../../core/index.js';
import {
  ASN_IPV4_CSV,
  ASN_IPV6_CSV,
  AWS_IP_RANGES,
  TOR_EXIT_LIST,
} from '../../fixtures/ip-data.js';
import { boundedMemo } from './cache.js';
import { createIpContext } from './index.js';
import type { IpContextOptions } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'ks-ipctx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: Buffer | string): string {
  const f = join(dir, name);
  writeFileSync(f, body);
  return f;
}

const country = file(
  'country.mmdb',
  writeMmdb(
    {
      '192.0.2.0/24': { country: { iso_code: 'US' } },
      '198.51.100.0/24': { country: { iso_code: 'US' } },
      '2001:db8::/32': { country: { iso_code: 'IE' } },
    },
    { databaseType: 'GeoLite2-Country' },
  ),
);

/** Every source from composed fixtures, none packaged. */
const FIXTURES: IpContextOptions = {
  countryMmdb: country,
  asnCsv: { ipv4: file('asn-ipv4.csv', ASN_IPV4_CSV), ipv6: file('asn-ipv6.csv', ASN_IPV6_CSV) },
  awsIpRanges: file('ip-ranges.json', AWS_IP_RANGES),
  torExitList: file('tor.txt', TOR_EXIT_LIST),
};

function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('createIpContext', () => {
  it('puts country, ASN, provider, AWS service and Tor together', () => {
    const ip = createIpContext(FIXTURES);
    expect(ip.lookup('192.0.2.66')).toEqual({
      country: 'US',
      asn: 14061,
      asOrg: 'DigitalOcean, LLC',
      provider: 'hosting',
      tor: true,
    });
    expect(ip.lookup('198.51.100.7')).toEqual({
      country: 'US',
      asn: 16509,
      asOrg: 'Amazon.com, Inc.',
      provider: 'aws',
      awsService: 'EC2',
      awsRegion: 'us-east-1',
      tor: false,
    });
    expect(ip.lookup('2001:db8:1234::1')).toEqual({
      country: 'IE',
      asn: 8075,
      asOrg: 'Microsoft Corporation',
      provider: 'aws', // AWS's published ranges win over the ASN's provider
      awsService: 'S3',
      awsRegion: 'eu-west-1',
      tor: false,
    });
    expect(ip.lookup('203.0.113.5')).toEqual({
      asn: 64500,
      asOrg: 'Example Net',
      provider: 'aws',
      awsService: 'CLOUDFRONT',
      awsRegion: 'GLOBAL',
      tor: false,
    });
    expect(ip.lookup('10.1.2.3')).toEqual({ tor: false });
  });

  it('names providers by ASN from the configured lists', () => {
    const { awsIpRanges: _noAws, ...fixtures } = FIXTURES;
    const ip = createIpContext({
      ...fixtures,
      cloudAsns: { oracle: [64501], aws: [16509] },
      hostingAsns: [64500],
    });
    expect(ip.lookup('100.64.0.1')?.provider).toBe('oracle');
    expect(ip.lookup('203.0.113.5')?.provider).toBe('hosting');
    expect(ip.lookup('198.51.100.7')).toMatchObject({ provider: 'aws' });
    expect(ip.lookup('198.51.100.7')?.awsService).toBeUndefined();
    expect(ip.lookup('192.0.2.66')?.provider).toBeUndefined(); // 14061 not in this hosting list
  });

  it('says nothing (not "no") about Tor without a list, and returns undefined for non-addresses', () => {
    const ip = createIpContext({ countryMmdb: false, asnCsv: { ipv4: false, ipv6: false } });
    expect(ip.lookup('192.0.2.66')).toEqual({});
    for (const s of [
      '',
      'ec2.amazonaws.com',
      'AWS Internal',
      '1.2.3',
      '010.0.0.1',
      'x'.repeat(1e5),
    ])
      expect(ip.lookup(s)).toBeUndefined();
    expect(ip.lookup(undefined as unknown as string)).toBeUndefined();
  });

  it('never throws, whatever the string, and answers the same from its cache', () => {
    const ip = createIpContext({ ...FIXTURES, cacheSize: 8 });
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 70 }), fc.ipV4(), fc.ipV6(), fc.constant('198.51.100.7')),
        (s) => {
          const first = ip.lookup(s);
          expect(ip.lookup(s)).toEqual(first);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('loads each file on first use only, IPv4 and IPv6 ASN tables apart', () => {
    const ip = createIpContext(FIXTURES);
    const state = () => Object.fromEntries(ip.sources().map((s) => [s.name, s.state]));
    expect(Object.values(state())).toEqual(Array(5).fill('pending'));
    ip.lookup('192.0.2.1');
    expect(state()).toEqual({
      country: 'loaded',
      'asn-ipv4': 'loaded',
      'asn-ipv6': 'pending',
      'aws-ip-ranges': 'loaded',
      'tor-exit-list': 'loaded',
    });
    ip.loadAll();
    expect(ip.sources().every((s) => s.state === 'loaded')).toBe(true);
    expect(ip.sources().map((s) => s.entries ?? s.detail)).toEqual([
      'GeoLite2-Country, built 2026-01-01',
      4,
      1,
      8,
      2,
    ]);
  });

  it('refuses a configured file that is not there, at once, naming it', () => {
    const missing = join(dir, 'nope', 'GeoLite2-ASN.mmdb');
    const err = thrown(() => createIpContext({ ...FIXTURES, asnMmdb: missing }));
    expect(err.code).toBe('KS_IP_DATA_READ');
    expect(err.message).toBe(`cannot read IP data file ${missing}: no such file`);
    expect(thrown(() => createIpContext({ torExitList: dir })).message).toMatch(
      /not a regular file/,
    );
  });

  it('reports a bad file once, leaves it out, and goes on with the other sources', () => {
    const errors: AppError[] = [];
    const ip = createIpContext({
      ...FIXTURES,
      torExitList: file('cut-tor.txt', '192.0.2.66\n198.51.'),
      onError: (e) => errors.push(e),
    });
    expect(ip.lookup('192.0.2.66')).toEqual({
      country: 'US',
      asn: 14061,
      asOrg: 'DigitalOcean, LLC',
      provider: 'hosting',
    });
    ip.lookup('192.0.2.67');
    expect(errors.map((e) => e.message)).toEqual([
      `IP data file ${join(dir, 'cut-tor.txt')} is unusable: line 2: expected an IP address (one per line), found "198.51."`,
    ]);
    expect(ip.sources().find((s) => s.name === 'tor-exit-list')).toMatchObject({ state: 'failed' });
    expect(thrown(() => ip.loadAll()).code).toBe('KS_IP_DATA_INVALID');
  });

  it('uses the packaged country and ASN data by default (dependencies: npm install)', () => {
    const ip = createIpContext();
    expect(ip.lookup('8.8.8.8')).toEqual({
      country: 'US',
      asn: 15169,
      asOrg: 'Google LLC',
      provider: 'google',
    });
    expect(ip.lookup('2001:4860:4860::8888')).toMatchObject({ asn: 15169, provider: 'google' });
    expect(ip.lookup('::ffff:8.8.8.8')).toMatchObject({ asn: 15169 });
    expect(ip.sources().map((s) => s.state)).toEqual(['loaded', 'loaded', 'loaded']);
    // Run from src/, there is no compiled twin beside the module (the build writes dist/data/).
    expect(ip.sources().map((s) => s.detail)).toEqual([
      expect.stringMatching(/, built /),
      'csv',
      'csv',
    ]);
  });
});

describe('boundedMemo', () => {
  it('keeps at most max entries, recomputing what was dropped', () => {
    const calls: string[] = [];
    const memo = boundedMemo(4, (k) => (calls.push(k), { k }));
    for (const k of ['a', 'b', 'a', 'c', 'a', 'd', 'e', 'a']) memo(k);
    expect(calls).toEqual(['a', 'b', 'c', 'd', 'e']); // 'a' stays hot across the turnover
    for (let i = 0; i < 100; i++) memo(`k${i}`);
    memo('b');
    expect(calls.at(-1)).toBe('b');
  });

  it('remembers undefined results too', () => {
    let n = 0;
    const memo = boundedMemo(10, () => void n++);
    memo('x');
    memo('x');
    expect(n).toBe(1);
  });
});
