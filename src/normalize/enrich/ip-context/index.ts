/**
 * Offline IP context: country, ASN and organisation, cloud or hosting provider, AWS service and
 * region, Tor exit — from local files only, never the network. Each data file is loaded on first
 * use (an IPv4 lookup loads only the IPv4 ASN table); lookups are memoized per distinct address
 * text in a bounded cache. Built once per worker thread from plain, serialisable options.
 *
 * @example
 * const ip = createIpContext({ torExitList: '/var/lib/keysnare/data/tor-exit-list.txt' });
 * ip.lookup('8.8.8.8'); // { country: 'US', asn: 15169, asOrg: 'Google LLC', provider: 'google', tor: false }
 * ip.lookup('not an ip'); // undefined
 */
import type { AppError, IpContext } from '../../../core/index.js';
import { openAsnMmdb } from './asn-mmdb.js';
import type { AsnDb, AsnInfo } from './asn-mmdb.js';
import { findAws, loadAwsIpRanges } from './aws-ip-ranges.js';
import type { AwsRanges } from './aws-ip-ranges.js';
import { boundedMemo } from './cache.js';
import { openCountryMmdb } from './country-mmdb.js';
import type { CountryDb } from './country-mmdb.js';
import { checkDataFile, lazySource } from './files.js';
import type { IpSourceStatus, LazySource, SourceSummary } from './files.js';
import type { MmdbFile } from './mmdb.js';
import { MAX_ADDRESS_TEXT, parseAddress } from './ip.js';
import type { Address } from './ip.js';
import {
  compiledPath,
  loadAsn,
  PACKAGED_ASN_IPV4_CSV,
  PACKAGED_ASN_IPV6_CSV,
  PACKAGED_COUNTRY_MMDB,
  packagedName,
  packagedPath,
} from './packaged.js';
import type { LoadedAsn, PackagedFile } from './packaged.js';
import { DEFAULT_CLOUD_ASNS, DEFAULT_HOSTING_ASNS, providersByAsn } from './providers.js';
import { find4, find6, tableSize } from './ranges.js';
import { isTorExit, loadTorExitList } from './tor-exit-list.js';
import type { TorExits } from './tor-exit-list.js';

export type { IpSourceStatus } from './files.js';
export { DEFAULT_CLOUD_ASNS, DEFAULT_HOSTING_ASNS, PROVIDER_NAME } from './providers.js';
export { parseAwsIpRanges } from './aws-ip-ranges.js';
export type { AwsRanges } from './aws-ip-ranges.js';
export { parseTorExitList } from './tor-exit-list.js';
export type { TorExits } from './tor-exit-list.js';
export { parseAsnCsv } from './asn-csv.js';
export { parseAddress } from './ip.js';

/** Default bound of the lookup cache (distinct address strings remembered). */
export const DEFAULT_IP_CACHE_SIZE = 65_536;

/**
 * Where the data comes from. Paths are absolute (the caller resolves config paths). A path given
 * must exist: `createIpContext` checks it at once. Omitted country and ASN files mean the
 * packaged ones; `false` turns a source off.
 */
export interface IpContextOptions {
  /** A country mmdb (GeoLite2-Country or -City, or compatible). Default: the packaged one. */
  readonly countryMmdb?: string | false;
  /** A GeoLite2-ASN (or compatible) mmdb; when given, used instead of `asnCsv`. */
  readonly asnMmdb?: string | false;
  /** ASN CSV files, one per family. Default: the packaged asn-ipv4.csv and asn-ipv6.csv. */
  readonly asnCsv?: { readonly ipv4?: string | false; readonly ipv6?: string | false };
  /** AWS ip-ranges.json. None by default. */
  readonly awsIpRanges?: string;
  /** A Tor exit list (bulk list or exit-addresses). None by default. */
  readonly torExitList?: string;
  /** Provider name → ASNs. Default {@link DEFAULT_CLOUD_ASNS}. */
  readonly cloudAsns?: Readonly<Record<string, readonly number[]>>;
  /** ASNs labelled provider 'hosting'. Default {@link DEFAULT_HOSTING_ASNS}. */
  readonly hostingAsns?: readonly number[];
  /** Distinct address strings remembered. Default {@link DEFAULT_IP_CACHE_SIZE}. */
  readonly cacheSize?: number;
  /** Hears each source that fails to load on first use (once per source). */
  readonly onError?: (err: AppError) => void;
}

/** Lookups over the configured data. */
export interface IpContextLookup {
  /** Context for an address; undefined for anything that is not an IP address. Never throws. */
  lookup(ip: string): IpContext | undefined;
  /** Load every source now instead of on first use; throws the first failure (a typed error). */
  loadAll(): void;
  /** Where each source stands: file, loaded or not, entries, load time, error. */
  sources(): IpSourceStatus[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const EMPTY: IpContext = Object.freeze({});

/** The file a source reads: the option's path, the packaged file, or none. */
function pick(
  option: string | false | undefined,
  packaged: PackagedFile,
): { file: string } | { absent: string } | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    checkDataFile(option);
    return { file: option };
  }
  const file = packagedPath(packaged);
  return file ? { file } : { absent: packagedName(packaged) };
}

interface Sources {
  country?: LazySource<CountryDb>;
  asnMmdb?: LazySource<AsnDb>;
  asn4?: LazySource<LoadedAsn>;
  asn6?: LazySource<LoadedAsn>;
  aws?: LazySource<AwsRanges>;
  tor?: LazySource<TorExits>;
  absent: IpSourceStatus[];
}

function mmdbSummary(db: MmdbFile): SourceSummary {
  return { detail: `${db.databaseType}, built ${db.buildEpoch.toISOString().slice(0, 10)}` };
}

function openSources(o: IpContextOptions): Sources {
  const s: Sources = { absent: [] };
  const each = <T>(
    name: string,
    choice: ReturnType<typeof pick>,
    parse: (file: string) => T,
    summary: (d: T) => SourceSummary,
  ): LazySource<T> | undefined => {
    if (choice === undefined) return undefined;
    if ('absent' in choice) {
      s.absent.push({ name, file: choice.absent, state: 'absent', error: 'package not installed' });
      return undefined;
    }
    return lazySource(name, choice.file, parse, summary, o.onError);
  };
  const country = each(
    'country',
    pick(o.countryMmdb, PACKAGED_COUNTRY_MMDB),
    openCountryMmdb,
    (d) => mmdbSummary(d.db),
  );
  if (country) s.country = country;
  if (o.asnMmdb) {
    checkDataFile(o.asnMmdb);
    s.asnMmdb = lazySource('asn', o.asnMmdb, openAsnMmdb, (d) => mmdbSummary(d.db), o.onError);
  } else {
    const asn = (option: string | false | undefined, packaged: PackagedFile, family: 4 | 6) => {
      // Only the packaged CSV has a compiled twin; a configured CSV is always parsed.
      const compiled = option === undefined ? compiledPath(packaged) : undefined;
      return each(
        `asn-ipv${family}`,
        pick(option, packaged),
        (csv) => loadAsn(csv, family, compiled),
        (d) => ({ entries: tableSize(d.asns.table), detail: d.form }),
      );
    };
    const asn4 = asn(o.asnCsv?.ipv4, PACKAGED_ASN_IPV4_CSV, 4);
    const asn6 = asn(o.asnCsv?.ipv6, PACKAGED_ASN_IPV6_CSV, 6);
    if (asn4) s.asn4 = asn4;
    if (asn6) s.asn6 = asn6;
  }
  if (o.awsIpRanges !== undefined) {
    checkDataFile(o.awsIpRanges);
    s.aws = lazySource(
      'aws-ip-ranges',
      o.awsIpRanges,
      loadAwsIpRanges,
      (d) => ({
        entries: d.prefixes + d.ipv6Prefixes,
        ...(d.createDate !== undefined ? { detail: `createDate ${d.createDate}` } : {}),
      }),
      o.onError,
    );
  }
  if (o.torExitList !== undefined) {
    checkDataFile(o.torExitList);
    s.tor = lazySource(
      'tor-exit-list',
      o.torExitList,
      loadTorExitList,
      (d) => ({ entries: d.size }),
      o.onError,
    );
  }
  return s;
}

function asnFromCsv(s: Sources, a: Address): AsnInfo | undefined {
  const t = (a.family === 4 ? s.asn4 : s.asn6)?.get()?.asns;
  if (!t) return undefined;
  const i = a.family === 4 ? find4(t.table, a.value) : find6(t.table, a.words);
  if (i < 0) return undefined;
  const asn = t.table.values[i]!;
  if (asn === 0) return undefined; // AS0: reserved, "not routed"
  const org = t.orgs.get(asn);
  return org === undefined ? { asn } : { asn, org };
}

/**
 * Build IP-context lookups over `options`' data. Throws KS_IP_DATA_READ at once when a given
 * path is missing or unreadable; files are parsed on first use (or by `loadAll()`), and one that
 * turns out bad is reported once to `onError` and left out: lookups go on with the other sources.
 */
export function createIpContext(options: IpContextOptions = {}): IpContextLookup {
  const s = openSources(options);
  const providers = providersByAsn(
    options.cloudAsns ?? DEFAULT_CLOUD_ASNS,
    options.hostingAsns ?? DEFAULT_HOSTING_ASNS,
  );
  const compute = (ip: string): IpContext | undefined => {
    const a = parseAddress(ip);
    if (!a) return undefined;
    const out: Mutable<IpContext> = {};
    const country = s.country?.get()?.country(a);
    if (country) out.country = country;
    const asn = s.asnMmdb ? s.asnMmdb.get()?.asn(a) : asnFromCsv(s, a);
    if (asn) {
      out.asn = asn.asn;
      if (asn.org) out.asOrg = asn.org;
    }
    const aws = s.aws?.get();
    const label = aws && findAws(aws, a);
    if (label) {
      out.provider = 'aws';
      out.awsService = label.service;
      out.awsRegion = label.region;
    } else if (asn) {
      const provider = providers.get(asn.asn);
      if (provider) out.provider = provider;
    }
    const tor = s.tor?.get();
    if (tor) out.tor = isTorExit(tor, a);
    return Object.keys(out).length === 0 ? EMPTY : Object.freeze(out);
  };
  const lazy: { load(): unknown; status(): IpSourceStatus }[] = [];
  for (const src of [s.country, s.asnMmdb, s.asn4, s.asn6, s.aws, s.tor]) if (src) lazy.push(src);
  const memo = boundedMemo(options.cacheSize ?? DEFAULT_IP_CACHE_SIZE, compute);
  return {
    // Longer strings are never addresses: answered without taking a cache slot.
    lookup: (ip) => (typeof ip !== 'string' || ip.length > MAX_ADDRESS_TEXT ? undefined : memo(ip)),
    loadAll: () => {
      let first: Error | undefined;
      for (const src of lazy) {
        try {
          src.load();
        } catch (err) {
          first ??= err instanceof Error ? err : new Error(String(err));
        }
      }
      if (first) throw first;
    },
    sources: () => [...lazy.map((x) => x.status()), ...s.absent],
  };
}
