/**
 * An {@link AsnTable} in a compact binary form that loads as typed-array views onto one buffer,
 * without parsing: the packaged IPv4 table (~412k ranges) loads in a few milliseconds where its
 * 24 MB CSV takes ~160. The build compiles the packaged CSVs (scripts/build-ip-data.mjs); a
 * compiled file records the size and mtime of the CSV it came from and is used only while they
 * still match, so an updated package is never answered from an old table.
 *
 * Layout, little-endian, every section 4-byte aligned:
 * - header (48 bytes): magic `KSASNTBL`, version, family, ranges n, organisations m, name bytes,
 *   zero, then the source CSV's size and mtimeMs as float64;
 * - starts, ends (n words each for IPv4, 4n for IPv6), values (n words);
 * - organisations: ASNs (m words, ascending), offsets (m + 1 words) into the UTF-8 names, which
 *   come last. A name is decoded on its first lookup.
 *
 * Reading checks the header, the section lengths and the ends of the name offsets, not every
 * entry (a pass over them, cold, would double the load time): the sections are the build's own
 * output, written whole or not at all (renamed into place). Damage the checks miss gives wrong
 * answers, never an exception: bisection stays in bounds and a name slice is clamped.
 */
import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { AppError, describeError } from '../../../core/index.js';
import type { AsnOrgs, AsnTable } from './asn-csv.js';
import { MAX_DATA_FILE_BYTES } from './files.js';
import { tableSize } from './ranges.js';

/** What a compiled table remembers of the CSV it was built from (an `fs.Stats` will do). */
export interface CompiledSource {
  readonly size: number;
  readonly mtimeMs: number;
}

const MAGIC = Buffer.from('KSASNTBL', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 48;
/** The typed arrays are the host's byte order: swapped in place on a big-endian host. */
const SWAP = endianness() === 'BE';

/** Words per address of `family`. */
const wordsOf = (family: 4 | 6): number => (family === 4 ? 1 : 4);

/** Bytes of the sections after the header: every range, organisation and name. */
function bodyBytes(family: 4 | 6, n: number, m: number, names: number): number {
  return 4 * (2 * n * wordsOf(family) + n + m + (m + 1)) + names;
}

/** The distinct ASNs `values` maps to, ascending. */
function distinctAsns(values: Uint32Array): Uint32Array {
  const sorted = Uint32Array.from(values).sort();
  let k = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (k === 0 || sorted[i] !== sorted[k - 1]) sorted[k++] = sorted[i]!;
  }
  return sorted.subarray(0, k);
}

/** The organisation index: ASNs with a name, offsets into `names`. */
function encodeOrgs(table: AsnTable): { asns: Uint32Array; offsets: Uint32Array; names: Buffer } {
  const named: number[] = [];
  const parts: Buffer[] = [];
  // Only ASNs some range maps to: an organisation no lookup can reach is left out.
  for (const asn of distinctAsns(table.table.values)) {
    const org = table.orgs.get(asn);
    if (org === undefined) continue;
    named.push(asn);
    parts.push(Buffer.from(org, 'utf8'));
  }
  const offsets = new Uint32Array(named.length + 1);
  for (let i = 0; i < parts.length; i++) offsets[i + 1] = offsets[i]! + parts[i]!.length;
  return { asns: Uint32Array.from(named), offsets, names: Buffer.concat(parts) };
}

/** The compiled bytes of `table`. */
function encode(table: AsnTable, source: CompiledSource): Buffer {
  const { asns, offsets, names } = encodeOrgs(table);
  const n = tableSize(table.table);
  const out = Buffer.alloc(HEADER_BYTES + bodyBytes(table.family, n, asns.length, names.length));
  MAGIC.copy(out, 0);
  [VERSION, table.family, n, asns.length, names.length, 0].forEach((v, i) =>
    out.writeUInt32LE(v, 8 + 4 * i),
  );
  out.writeDoubleLE(source.size, 32);
  out.writeDoubleLE(source.mtimeMs, 40);
  let at = HEADER_BYTES;
  for (const a of [table.table.starts, table.table.ends, table.table.values, asns, offsets]) {
    new Uint32Array(out.buffer, out.byteOffset + at, a.length).set(a);
    at += a.byteLength;
  }
  if (SWAP) out.subarray(HEADER_BYTES, at).swap32();
  names.copy(out, at);
  return out;
}

/**
 * Write `table`, compiled from a CSV whose `fs.stat` is `source`, to `outFile` (its folder made
 * when missing). Throws KS_DATA_WRITE naming the file when it cannot be written.
 */
export function writeCompiledAsn(table: AsnTable, source: CompiledSource, outFile: string): void {
  const bytes = encode(table, source);
  const partial = `${outFile}.${process.pid}.partial`;
  try {
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(partial, bytes);
    renameSync(partial, outFile);
  } catch (err) {
    try {
      unlinkSync(partial);
    } catch {
      // Never written, or already renamed.
    }
    throw new AppError(
      'KS_DATA_WRITE',
      { file: outFile, reason: describeError(err) },
      { cause: err },
    );
  }
}

/** The file's bytes, 4-byte aligned; undefined when missing, unreadable or implausibly large. */
function readBytes(file: string): Buffer | undefined {
  try {
    const st = statSync(file);
    if (!st.isFile() || st.size > MAX_DATA_FILE_BYTES) return undefined;
    const b = readFileSync(file);
    return b.byteOffset % 4 === 0 ? b : Buffer.from(b);
  } catch {
    return undefined;
  }
}

/** Organisations decoded on first lookup, each name kept once decoded. */
function lazyOrgs(asns: Uint32Array, offsets: Uint32Array, names: Buffer): AsnOrgs {
  const decoded = new Map<number, string>();
  return {
    size: asns.length,
    get(asn) {
      const known = decoded.get(asn);
      if (known !== undefined) return known;
      let lo = 0;
      let hi = asns.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = asns[mid]!;
        if (v === asn) {
          const name = names.toString('utf8', offsets[mid], offsets[mid + 1]);
          decoded.set(asn, name);
          return name;
        }
        if (v < asn) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    },
  };
}

/** The header's counts when `b` starts a current compiled table of `family`, else undefined. */
function header(b: Buffer, source: CompiledSource, family: 4 | 6) {
  if (b.length < HEADER_BYTES || !b.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const word = (i: number): number => b.readUInt32LE(8 + 4 * i);
  if (word(0) !== VERSION || word(1) !== family || word(5) !== 0) return undefined;
  if (b.readDoubleLE(32) !== source.size || b.readDoubleLE(40) !== source.mtimeMs) return undefined;
  const h = { n: word(2), m: word(3), names: word(4) };
  if (h.n === 0 || b.length !== HEADER_BYTES + bodyBytes(family, h.n, h.m, h.names))
    return undefined;
  return h;
}

/** The table held in `b`, or undefined when `b` is not a current compiled table of `family`. */
function decode(b: Buffer, source: CompiledSource, family: 4 | 6): AsnTable | undefined {
  const h = header(b, source, family);
  if (!h) return undefined;
  const w = wordsOf(family);
  const namesAt = b.length - h.names;
  if (SWAP) b.subarray(HEADER_BYTES, namesAt).swap32();
  let at = b.byteOffset + HEADER_BYTES;
  const view = (length: number): Uint32Array => {
    const a = new Uint32Array(b.buffer, at, length);
    at += 4 * length;
    return a;
  };
  const table = { starts: view(h.n * w), ends: view(h.n * w), values: view(h.n) };
  const asns = view(h.m);
  const offsets = view(h.m + 1);
  const names = b.subarray(namesAt);
  if (offsets[0] !== 0 || offsets[h.m] !== h.names) return undefined;
  return { family, table, orgs: lazyOrgs(asns, offsets, names) };
}

/**
 * The compiled table of `family` in `file`, when it was built from a CSV whose current `fs.stat`
 * is `source`; undefined when the file is missing, unreadable, stale, of the other family, of
 * another format version, or corrupt. Never throws: the caller parses the CSV instead.
 */
export function readCompiledAsn(
  file: string,
  source: CompiledSource,
  family: 4 | 6,
): AsnTable | undefined {
  const b = readBytes(file);
  return b && decode(b, source, family);
}
