/**
 * Country from a MaxMind DB: GeoLite2/GeoIP2 Country or City (`country.iso_code`, else
 * `registered_country.iso_code`), DB-IP, or ip-location-db's `{ country_code }` layout (the
 * packaged `@ip-location-db/geo-whois-asn-country-mmdb`).
 */
import type { Address } from './ip.js';
import { openMmdb } from './mmdb.js';
import type { MmdbFile } from './mmdb.js';

/** Country lookups over one database. */
export interface CountryDb {
  readonly db: MmdbFile;
  country(a: Address): string | undefined;
}

const ISO_CODE = /^[A-Z]{2}$/;

function isoCode(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const code = v.toUpperCase();
  return ISO_CODE.test(code) ? code : undefined;
}

function nested(rec: Record<string, unknown>, key: string): unknown {
  const v = rec[key];
  return v !== null && typeof v === 'object'
    ? (v as Record<string, unknown>)['iso_code']
    : undefined;
}

/** The two-letter country code of a record in any of the supported layouts. */
export function countryOf(rec: Record<string, unknown>): string | undefined {
  return (
    isoCode(nested(rec, 'country')) ??
    isoCode(nested(rec, 'registered_country')) ??
    isoCode(rec['country_code'])
  );
}

/** Open a country database; KS_IP_DATA_INVALID when `file` is not one. */
export function openCountryMmdb(file: string): CountryDb {
  const db = openMmdb(file, {
    label: 'a country',
    example: 'GeoLite2-Country, GeoLite2-City or compatible',
    databaseType: /country|city/i,
  });
  return {
    db,
    country: (a) => {
      const rec = db.lookup(a);
      return rec ? countryOf(rec) : undefined;
    },
  };
}
