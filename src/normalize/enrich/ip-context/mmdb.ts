/**
 * MaxMind DB files (GeoLite2, GeoIP2, DB-IP, ip-location-db) through mmdb-lib: opened and checked
 * once (metadata, tree size, database type), then looked up with canonical address text only —
 * mmdb-lib's own parser is lax (it reads `1.2.3` as an address), so it never sees user input.
 */
import { Reader } from 'mmdb-lib';
import type { Response } from 'mmdb-lib';
import { AppError, describeError } from '../../../core/index.js';
import { readDataFile } from './files.js';
import { formatAddress } from './ip.js';
import type { Address } from './ip.js';

/** An opened MaxMind DB. */
export interface MmdbFile {
  readonly file: string;
  readonly databaseType: string;
  readonly buildEpoch: Date;
  /** False for an IPv4-only database (IPv6 lookups then find nothing). */
  readonly ipv6: boolean;
  readonly nodeCount: number;
  lookup(a: Address): Record<string, unknown> | undefined;
}

/** The kind of database a source needs, and how to recognise it from its metadata. */
export interface MmdbKind {
  /** 'a country' or 'an ASN', for messages. */
  readonly label: string;
  /** A database of that kind, for messages ('GeoLite2-Country or compatible'). */
  readonly example: string;
  /** Matches the `database_type` of databases of that kind. */
  readonly databaseType: RegExp;
}

const SEPARATOR = 16;
/** The MaxMind DB metadata marker, which the format puts in the file's last 128 KiB. */
const METADATA_MARKER = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
const METADATA_WINDOW = 128 * 1024;

/** Open `file` as a MaxMind DB of `kind`; KS_IP_DATA_INVALID naming the file when it is not one. */
export function openMmdb(file: string, kind: MmdbKind): MmdbFile {
  const buf = readDataFile(file);
  const invalid = (reason: string, cause?: unknown): AppError =>
    new AppError('KS_IP_DATA_INVALID', { file, reason }, { cause });
  const tail = buf.subarray(Math.max(0, buf.length - METADATA_WINDOW));
  if (tail.lastIndexOf(METADATA_MARKER) < 0) {
    throw invalid(
      'not a MaxMind DB (mmdb) file: no metadata section (truncated, or another kind of file)',
    );
  }
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(buf);
  } catch (err) {
    throw invalid(`not a MaxMind DB (mmdb) file: ${describeError(err)}`, err);
  }
  const m = reader.metadata;
  if (typeof m.databaseType !== 'string' || !Number.isInteger(m.nodeCount) || m.nodeCount < 1) {
    throw invalid('its metadata lacks database_type or node_count');
  }
  if (m.ipVersion !== 4 && m.ipVersion !== 6) throw invalid(`ip_version ${m.ipVersion}`);
  if (m.searchTreeSize + SEPARATOR > buf.length) {
    throw invalid(`truncated: its search tree needs ${m.searchTreeSize} bytes`);
  }
  if (!kind.databaseType.test(m.databaseType)) {
    throw invalid(
      `it is a "${m.databaseType}" database, not ${kind.label} database (${kind.example})`,
    );
  }
  const ipv6 = m.ipVersion === 6;
  const get = (a: Address): Record<string, unknown> | undefined => {
    if (a.family === 6 && !ipv6) return undefined;
    const rec = reader.get(formatAddress(a)) as unknown;
    return rec !== null && typeof rec === 'object' ? (rec as Record<string, unknown>) : undefined;
  };
  try {
    get({ family: 4, value: 0x01010101 });
  } catch (err) {
    throw invalid(`corrupt: ${describeError(err)}`, err);
  }
  return {
    file,
    databaseType: m.databaseType,
    buildEpoch: m.buildEpoch,
    ipv6,
    nodeCount: m.nodeCount,
    lookup: (a) => {
      try {
        return get(a);
      } catch {
        // A corrupt record is no data for this address; the probe at open caught the usual cases.
        return undefined;
      }
    },
  };
}
