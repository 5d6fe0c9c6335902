import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMmdb } from '../../../../test/helpers/mmdb.js';
import { isAppError } from '../../../core/index.js';
import { openAsnMmdb } from './asn-mmdb.js';
import { openCountryMmdb } from './country-mmdb.js';
import { parseAddress } from './ip.js';
import { PACKAGED_COUNTRY_MMDB, packagedPath } from './packaged.js';

const dir = mkdtempSync(join(tmpdir(), 'ks-mmdb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: Buffer | string): string {
  const f = join(dir, name);
  writeFileSync(f, body);
  return f;
}

const a = (ip: string) => parseAddress(ip)!;

const COUNTRY = writeMmdb(
  {
    '192.0.2.0/24': { country: { iso_code: 'US', names: { en: 'United States' } } },
    '198.51.100.0/24': { registered_country: { iso_code: 'de' } },
    '203.0.113.0/24': { country_code: 'JP' },
    '2001:db8::/32': { country: { iso_code: 'FR' } },
    '100.64.0.0/16': { country: { iso_code: '<script>' } },
  },
  { databaseType: 'GeoLite2-Country' },
);

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    if (isAppError(err, 'KS_IP_DATA_INVALID')) return String(err.details['reason']);
    throw err;
  }
  throw new Error('expected KS_IP_DATA_INVALID');
}

describe('country mmdb', () => {
  it('reads GeoLite2 (country, else registered country) and ip-location-db layouts', () => {
    const db = openCountryMmdb(file('country.mmdb', COUNTRY));
    expect(db.country(a('192.0.2.9'))).toBe('US');
    expect(db.country(a('198.51.100.9'))).toBe('DE');
    expect(db.country(a('203.0.113.9'))).toBe('JP');
    expect(db.country(a('2001:db8::9'))).toBe('FR');
    expect(db.country(a('10.0.0.1'))).toBeUndefined();
    expect(db.country(a('100.64.0.1'))).toBeUndefined();
  });

  it('answers nothing for IPv6 from an IPv4-only database', () => {
    const v4only = writeMmdb(
      { '192.0.2.0/24': { country: { iso_code: 'US' } } },
      { databaseType: 'GeoLite2-Country', ipVersion: 4 },
    );
    const db = openCountryMmdb(file('v4.mmdb', v4only));
    expect(db.country(a('192.0.2.1'))).toBe('US');
    expect(db.country(a('2001:db8::1'))).toBeUndefined();
  });

  it('names a file that is no mmdb, a truncated one, or one of another kind', () => {
    expect(reasonOf(() => openCountryMmdb(file('text.mmdb', 'hello\n')))).toMatch(
      /^not a MaxMind DB \(mmdb\) file: /,
    );
    expect(
      reasonOf(() => openCountryMmdb(file('cut.mmdb', COUNTRY.subarray(0, COUNTRY.length / 2)))),
    ).toMatch(/^not a MaxMind DB \(mmdb\) file: /);
    expect(reasonOf(() => openAsnMmdb(file('c.mmdb', COUNTRY)))).toBe(
      'it is a "GeoLite2-Country" database, not an ASN database (GeoLite2-ASN or compatible)',
    );
  });

  it('finds well-known addresses in the packaged database (a dependency: npm install)', () => {
    const packaged = packagedPath(PACKAGED_COUNTRY_MMDB);
    expect(packaged, 'run npm install: @ip-location-db/geo-whois-asn-country-mmdb').toBeDefined();
    const db = openCountryMmdb(packaged!);
    expect(db.country(a('8.8.8.8'))).toBe('US');
    expect(db.country(a('1.1.1.1'))).toBe('AU');
    expect(db.country(a('2001:4860:4860::8888'))).toBe('US');
    expect(db.country(a('::ffff:8.8.8.8'))).toBe('US');
    expect(db.country(a('10.0.0.1'))).toBeUndefined();
  });
});

describe('ASN mmdb', () => {
  it('reads GeoLite2-ASN records', () => {
    const asn = writeMmdb(
      {
        '192.0.2.0/24': {
          autonomous_system_number: 64500,
          autonomous_system_organization: 'Example Net',
        },
        '198.51.100.0/24': { autonomous_system_number: 64501 },
        '203.0.113.0/24': { autonomous_system_organization: 'no number' },
      },
      { databaseType: 'GeoLite2-ASN' },
    );
    const db = openAsnMmdb(file('asn.mmdb', asn));
    expect(db.asn(a('192.0.2.1'))).toEqual({ asn: 64500, org: 'Example Net' });
    expect(db.asn(a('198.51.100.1'))).toEqual({ asn: 64501 });
    expect(db.asn(a('203.0.113.1'))).toBeUndefined();
    expect(db.asn(a('2001:db8::1'))).toBeUndefined();
  });
});
