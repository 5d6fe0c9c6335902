/**
 * The data files shipped as npm packages (dependencies of Keysnare): country from
 * `@ip-location-db/geo-whois-asn-country-mmdb` (CC0; data from the NRO and RIRs, CC BY 4.0) and
 * ASN from `@ip-location-db/asn` (CC BY 4.0: RouteViews, DB-IP, NRO). See docs/ip-context.md for
 * attribution. Resolved through Node's module resolution, so they are found wherever npm put them.
 * The ASN CSVs also have a compiled twin that the build writes next to the built code
 * (dist/data/, see compiled-asn.ts): read in milliseconds instead of parsed, while it is current.
 */
import { existsSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAsnCsv } from './asn-csv.js';
import type { AsnTable } from './asn-csv.js';
import { readCompiledAsn } from './compiled-asn.js';

/** A packaged data file: its package and its path inside it. */
export interface PackagedFile {
  readonly pkg: string;
  readonly path: string;
  /** The compiled twin's file name in dist/data/, for a file the build compiles. */
  readonly compiled?: string;
}

export const PACKAGED_COUNTRY_MMDB: PackagedFile = {
  pkg: '@ip-location-db/geo-whois-asn-country-mmdb',
  path: 'geo-whois-asn-country.mmdb',
};
export const PACKAGED_ASN_IPV4_CSV: PackagedFile = {
  pkg: '@ip-location-db/asn',
  path: 'asn-ipv4.csv',
  compiled: 'asn-ipv4.bin',
};
export const PACKAGED_ASN_IPV6_CSV: PackagedFile = {
  pkg: '@ip-location-db/asn',
  path: 'asn-ipv6.csv',
  compiled: 'asn-ipv6.bin',
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

/**
 * Where `f`'s compiled twin belongs: data/ beside the built modules (dist/data/ from
 * dist/normalize/enrich/ip-context/). Run from src/ (tsx, vitest) that is src/data/, where the
 * build writes nothing, so the CSV is parsed there.
 */
export function compiledPath(f: PackagedFile): string | undefined {
  if (f.compiled === undefined) return undefined;
  return fileURLToPath(new URL(`../../../data/${f.compiled}`, import.meta.url));
}

/** An ASN table and whether it came from the compiled twin or from parsing the CSV. */
export interface LoadedAsn {
  readonly asns: AsnTable;
  readonly form: 'compiled' | 'csv';
}

/**
 * The ASN table of `family` in `csv`: read from `compiled` when that was built from the CSV as it
 * is now (same size and mtime), else parsed from the CSV (throwing its typed errors).
 */
export function loadAsn(csv: string, family: 4 | 6, compiled: string | undefined): LoadedAsn {
  if (compiled !== undefined) {
    const source = statOrUndefined(csv);
    const asns = source && readCompiledAsn(compiled, source, family);
    if (asns) return { asns, form: 'compiled' };
  }
  return { asns: loadAsnCsv(csv, family), form: 'csv' };
}

/** `fs.stat` of `file`, or undefined: then the CSV's own read reports what is wrong. */
function statOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
