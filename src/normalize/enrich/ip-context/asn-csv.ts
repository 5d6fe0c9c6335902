/**
 * ASN ranges from CSV: `range_start,range_end,asn,organisation` per line, inclusive, addresses as
 * text (the `@ip-location-db/asn` layout: asn-ipv4.csv, asn-ipv6.csv; organisation quoted when it
 * holds a comma, `""` for a quote). One file per family. Parsed from bytes in one pass (~400k
 * IPv4 ranges), organisation names decoded once per ASN.
 */
import { AppError } from '../../../core/index.js';
import { readDataFile } from './files.js';
import { parseIpv4, parseIpv6 } from './ip.js';
import { compare6, RangeBuilder4, RangeBuilder6, tableSize } from './ranges.js';
import type { RangeTable4, RangeTable6 } from './ranges.js';

/**
 * Organisation by ASN: a `Map` when parsed from CSV, names decoded on demand when read from a
 * compiled table (compiled-asn.ts).
 */
export interface AsnOrgs {
  get(asn: number): string | undefined;
  /** ASNs with an organisation. */
  readonly size: number;
}

/** ASN ranges of one family: `values` in the table are the ASNs themselves. */
export interface AsnTable {
  readonly family: 4 | 6;
  readonly table: RangeTable4 | RangeTable6;
  readonly orgs: AsnOrgs;
}

const COMMA = 44;
const COLON = 58;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const MAX_ASN = 4294967295;

/** A short, printable rendering of a field for error messages. */
function excerpt(b: Uint8Array, start: number, end: number): string {
  const text = Buffer.from(b.subarray(start, Math.min(end, start + 48))).toString('latin1');
  return JSON.stringify(end - start > 48 ? `${text}…` : text);
}

function parseAsn(b: Uint8Array, start: number, end: number): number {
  if (end - start === 0 || end - start > 10) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v > MAX_ASN ? -1 : v;
}

/** The organisation field `b[start, end)`: unquoted, or quoted with `""` escapes. */
function parseOrg(b: Buffer, start: number, end: number): string | undefined {
  if (start === end) return '';
  if (b[start] !== QUOTE) return b.toString('utf8', start, end);
  if (end - start < 2 || b[end - 1] !== QUOTE) return undefined;
  const inner = b.toString('utf8', start + 1, end - 1);
  return inner.includes('"') ? inner.replaceAll('""', '"') : inner;
}

/** True when `b[start, end)` holds a colon (an IPv6 address). */
function hasColon(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === COLON) return true;
  return false;
}

/** True when a first field looks like a header's: a word, not an address. */
function isHeader(b: Uint8Array, start: number, end: number): boolean {
  const c = b[start]! | 0x20;
  if (c < 97 || c > 122) return false;
  for (let i = start; i < end; i++) if (b[i] === COLON || b[i] === 46) return false;
  return true;
}

/** One line's bounds and its first three commas (-1 when absent). */
interface Line {
  start: number;
  end: number;
  next: number;
  c1: number;
  c2: number;
  c3: number;
}

/**
 * Scan the line starting at `pos`: its first three commas, then its end (before CR LF). The
 * organisation after the third comma is skipped with a native search, not byte by byte.
 */
function scanLine(b: Buffer, pos: number, l: Line): void {
  let c1 = -1;
  let c2 = -1;
  let c3 = -1;
  let i = pos;
  const len = b.length;
  for (; i < len; i++) {
    const c = b[i]!;
    if (c === LF) break;
    if (c === COMMA) {
      if (c1 < 0) c1 = i;
      else if (c2 < 0) c2 = i;
      else {
        c3 = i;
        const eol = b.indexOf(LF, i + 1);
        i = eol < 0 ? len : eol;
        break;
      }
    }
  }
  l.start = pos;
  l.next = i + 1;
  l.end = i > pos && b[i - 1] === CR ? i - 1 : i;
  l.c1 = c1;
  l.c2 = c2;
  l.c3 = c3 < 0 || c3 > l.end ? l.end : c3;
}

type Fail = (reason: string) => never;

/** The two addresses of an IPv4 line, added to `v4`; fails on anything else. */
function addIpv4(b: Buffer, l: Line, asn: number, v4: RangeBuilder4, fail: Fail): void {
  const lo = parseIpv4(b, l.start, l.c1);
  const hi = parseIpv4(b, l.c1 + 1, l.c2);
  if (lo < 0 || hi < 0) {
    if (hasColon(b, l.start, l.c2)) fail('an IPv6 range in the IPv4 ASN file');
    const [s, e] = lo < 0 ? [l.start, l.c1] : [l.c1 + 1, l.c2];
    fail(`expected an IPv4 address, found ${excerpt(b, s, e)}`);
  }
  if (hi < lo) fail('the range ends before it starts');
  v4.add(lo, hi, asn);
}

const lo6 = new Uint32Array(4);
const hi6 = new Uint32Array(4);

/** IPv6 twin of {@link addIpv4}. */
function addIpv6(b: Buffer, l: Line, asn: number, v6: RangeBuilder6, fail: Fail): void {
  const okLo = parseIpv6(b, l.start, l.c1, lo6, 0);
  const okHi = okLo && parseIpv6(b, l.c1 + 1, l.c2, hi6, 0);
  if (!okHi) {
    if (!hasColon(b, l.start, l.c2)) fail('an IPv4 range in the IPv6 ASN file');
    const [s, e] = okLo ? [l.c1 + 1, l.c2] : [l.start, l.c1];
    fail(`expected an IPv6 address, found ${excerpt(b, s, e)}`);
  }
  if (compare6(hi6, 0, lo6, 0) < 0) fail('the range ends before it starts');
  v6.add(lo6, 0, hi6, 0, asn);
}

/**
 * Parse ASN ranges of `family` from CSV bytes. Throws KS_IP_DATA_INVALID naming the file and line
 * on the first bad line (a truncated file ends in one), a range of the other family, or no ranges.
 */
export function parseAsnCsv(buf: Buffer, family: 4 | 6, file: string): AsnTable {
  // ~58 bytes a line in the packaged IPv4 file, ~85 in the IPv6 one: start near the count.
  const v4 = new RangeBuilder4(family === 4 ? buf.length / 56 : 0);
  const v6 = new RangeBuilder6(family === 6 ? buf.length / 80 : 0);
  const orgs = new Map<number, string>();
  let line = 0;
  const fail: Fail = (reason) => {
    throw new AppError('KS_IP_DATA_INVALID', { file, reason: `line ${line}: ${reason}` });
  };
  const l: Line = { start: 0, end: 0, next: 0, c1: -1, c2: -1, c3: -1 };
  for (let pos = 0; pos < buf.length; pos = l.next) {
    line++;
    scanLine(buf, pos, l);
    if (l.end === l.start) continue;
    if (line === 1 && isHeader(buf, l.start, l.c1 < 0 ? l.end : l.c1)) continue;
    if (l.c2 < 0 || l.c2 > l.end) fail('expected range_start,range_end,asn,organisation');
    const asn = parseAsn(buf, l.c2 + 1, l.c3);
    if (asn < 0) fail(`expected an AS number, found ${excerpt(buf, l.c2 + 1, l.c3)}`);
    if (family === 4) addIpv4(buf, l, asn, v4, fail);
    else addIpv6(buf, l, asn, v6, fail);
    if (l.c3 < l.end && !orgs.has(asn)) {
      const org = parseOrg(buf, l.c3 + 1, l.end);
      if (org === undefined) fail('the organisation has no closing quote');
      else if (org !== '') orgs.set(asn, org);
    }
  }
  const table = family === 4 ? v4.build() : v6.build();
  if (tableSize(table) === 0) {
    throw new AppError('KS_IP_DATA_INVALID', { file, reason: 'holds no address ranges' });
  }
  return { family, table, orgs };
}

/** Read and parse an ASN CSV file of `family`. */
export function loadAsnCsv(file: string, family: 4 | 6): AsnTable {
  return parseAsnCsv(readDataFile(file), family, file);
}
