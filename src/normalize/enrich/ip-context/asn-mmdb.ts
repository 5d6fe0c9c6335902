/**
 * ASN from a MaxMind DB: GeoLite2-ASN, DB-IP ASN or compatible (`autonomous_system_number`,
 * `autonomous_system_organization`). When configured it replaces the packaged ASN CSV.
 */
import type { Address } from './ip.js';
import { openMmdb } from './mmdb.js';
import type { MmdbFile } from './mmdb.js';

/** An ASN and its organisation. */
export interface AsnInfo {
  readonly asn: number;
  readonly org?: string;
}

/** ASN lookups over one database. */
export interface AsnDb {
  readonly db: MmdbFile;
  asn(a: Address): AsnInfo | undefined;
}

/** The ASN of a GeoLite2-ASN-style record. */
export function asnOf(rec: Record<string, unknown>): AsnInfo | undefined {
  const asn = rec['autonomous_system_number'];
  if (typeof asn !== 'number' || !Number.isInteger(asn) || asn <= 0 || asn > 4294967295) {
    return undefined;
  }
  const org = rec['autonomous_system_organization'];
  return typeof org === 'string' && org !== '' ? { asn, org } : { asn };
}

/** Open an ASN database; KS_IP_DATA_INVALID when `file` is not one. */
export function openAsnMmdb(file: string): AsnDb {
  const db = openMmdb(file, {
    label: 'an ASN',
    example: 'GeoLite2-ASN or compatible',
    databaseType: /asn|isp/i,
  });
  return {
    db,
    asn: (a) => {
      const rec = db.lookup(a);
      return rec ? asnOf(rec) : undefined;
    },
  };
}
