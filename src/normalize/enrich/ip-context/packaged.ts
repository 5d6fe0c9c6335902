/**
 * The data files shipped as npm packages (dependencies of Keysnare): country from
 * `@ip-location-db/geo-whois-asn-country-mmdb` (CC0; data from the NRO and RIRs, CC BY 4.0) and
 * ASN from `@ip-location-db/asn` (CC BY 4.0: RouteViews, DB-IP, NRO). See docs/ip-context.md for
 * attribution. Resolved through Node's module resolution, so they are found wherever npm put them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A packaged data file: its package and its path inside it. */
export interface PackagedFile {
  readonly pkg: string;
  readonly path: string;
}

export const PACKAGED_COUNTRY_MMDB: PackagedFile = {
  pkg: '@ip-location-db/geo-whois-asn-country-mmdb',
  path: 'geo-whois-asn-country.mmdb',
};
export const PACKAGED_ASN_IPV4_CSV: PackagedFile = {
  pkg: '@ip-location-db/asn',
  path: 'asn-ipv4.csv',
};
export const PACKAGED_ASN_IPV6_CSV: PackagedFile = {
  pkg: '@ip-location-db/asn',
  path: 'asn-ipv6.csv',
};

/** Where a packaged file is on disk, or undefined when its package is not installed. */
export function packagedPath(f: PackagedFile): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${f.pkg}/package.json`);
    const file = join(dirname(manifest), f.path);
    return existsSync(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** `pkg/path`, for status and messages. */
export function packagedName(f: PackagedFile): string {
  return `${f.pkg}/${f.path}`;
}
