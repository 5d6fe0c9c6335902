/**
 * One file through the per-event path: read → decode → (pre-filter) → extract records → normalize →
 * detect. Used in-process and inside worker threads (pipeline-worker.ts); pipeline.ts orders it all.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RecordRejection, StoredEvent, TokenFact } from '../core/index.js';
import { describeError } from '../core/index.js';
import type { Engine, HitSummary } from '../detect/index.js';
import type { ExtractResult, TimeWindow } from '../normalize/index.js';
import {
  DEFAULT_FIELD_LIMITS,
  decodeText,
  formatBytes,
  extractRecordsFromText,
  normalizeRecord,
} from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { bloomAdd, createBloom } from './bloom.js';

/** Limits applied to every file. */
export interface FileLimits {
  /** Bytes read from a file, and bytes it decompresses to, whatever its stat size says. */
  readonly maxFileBytes: number;
  readonly maxRecordBytes: number;
}

/** Rejections returned per file by default; the count stays exact. */
export const MAX_REJECTIONS_PER_FILE = 50;

/** How to process a file. */
export interface FileOptions {
  readonly limits: FileLimits;
  /** Canary identifiers for the pre-filter, or null to consider every record. */
  readonly needles: Needles | null;
  /** Keep normalized events and their raw JSON (for `ingest`). */
  readonly keepEvents: boolean;
  /** At most this many rejections are returned per file (the count is always exact). */
  readonly maxRejections?: number;
  /** Accepted `eventTime` range; records outside it are rejected. */
  readonly times: TimeWindow;
}

/** What processing one file produced. */
export interface FileResult {
  readonly file: string;
  readonly bytes: number;
  /** Records found in the file (0 when the pre-filter passed over it). */
  readonly records: number;
  /** Records normalized and run through the rules. */
  readonly considered: number;
  /** True when the pre-filter proved no canary identifier is in the file and it was not parsed. */
  readonly passedOver: boolean;
  /** Why the whole file was skipped on purpose (e.g. a digest file). */
  readonly skipped?: string;
  readonly rejected: number;
  /** True when the file could not be opened or read at all. */
  readonly unreadable?: boolean;
  readonly rejections: RecordRejection[];
  readonly hits: HitSummary[];
  readonly facts: TokenFact[];
  readonly events?: StoredEvent[];
  /** Identifiers seen in the file (pre-filter mode): a later pass reads it again only on a hit. */
  readonly bloom?: Bloom;
}

/** Canary identifiers prepared for fast text and record checks. */
export interface Needles {
  /** Key ids and principal ids (case-sensitive). */
  readonly ids: ReadonlySet<string>;
  /** IAM user names, lower-cased. */
  readonly names: ReadonlySet<string>;
  readonly idPattern: RegExp;
}

const NAME_PATTERN = /userName\\?"\s*:\s*\\?"([^"\\]{1,128})/g;
/** The user a denied IAM call was about: IAM logs those without parameters, only the message. */
const DENIED_TARGET =
  /on resource: (?:user |arn:aws[\w-]*:iam::\d{12}:user\/(?:[\x21-\x7e]*?\/)?)([\w+=,.@-]{1,64})/g;

/** Split identifier strings into ids (AKIA…/AIDA…) and names, and build the id scanner. */
export function prepareNeedles(values: Iterable<string>): Needles {
  const ids = new Set<string>();
  const names = new Set<string>();
  const prefixes = new Set<string>();
  for (const v of values) {
    if (/^A[A-Z]{3}[A-Z0-9]{12,124}$/.test(v)) {
      ids.add(v);
      prefixes.add(v.slice(0, 4));
    } else {
      names.add(v.toLowerCase());
    }
  }
  for (const p of ['AKIA', 'ASIA', 'AIDA']) prefixes.add(p);
  const idPattern = new RegExp(`(?:${[...prefixes].sort().join('|')})[A-Z0-9]{12,124}`, 'g');
  return { ids, names, idPattern };
}

/**
 * True when the text may mention a canary identifier (false means it certainly does not). With a
 * Bloom filter the whole text is scanned and every key id, principal id and user name is added.
 */
export function textMentions(text: string, n: Needles, bloom?: Bloom): boolean {
  let found = false;
  const ids = n.idPattern;
  ids.lastIndex = 0;
  for (let m = ids.exec(text); m; m = ids.exec(text)) {
    if (n.ids.has(m[0])) {
      found = true;
      if (!bloom) return true;
    }
    if (bloom) bloomAdd(bloom, m[0]);
  }
  NAME_PATTERN.lastIndex = 0;
  for (let m = NAME_PATTERN.exec(text); m; m = NAME_PATTERN.exec(text)) {
    const name = (m[1] ?? '').toLowerCase();
    if (n.names.has(name)) {
      found = true;
      if (!bloom) return true;
    }
    if (bloom) bloomAdd(bloom, name);
  }
  DENIED_TARGET.lastIndex = 0;
  for (let m = DENIED_TARGET.exec(text); m; m = DENIED_TARGET.exec(text)) {
    const name = (m[1] ?? '').toLowerCase();
    if (n.names.has(name)) {
      found = true;
      if (!bloom) return true;
    }
    if (bloom) bloomAdd(bloom, name);
  }
  return found;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Record-level pre-filter over the raw record: does any identity field name a canary? */
export function recordMentions(r: Record<string, unknown>, n: Needles): boolean {
  const ui = obj(r['userIdentity']);
  const issuer = obj(obj(ui?.['sessionContext'])?.['sessionIssuer']);
  for (const id of [ui?.['accessKeyId'], ui?.['principalId'], issuer?.['principalId']]) {
    const s = str(id);
    if (s !== undefined && n.ids.has(s)) return true;
  }
  const names = [ui?.['userName'], issuer?.['userName'], obj(r['requestParameters'])?.['userName']];
  for (const name of names) {
    const s = str(name);
    if (s !== undefined && n.names.has(s.toLowerCase())) return true;
  }
  const message = str(r['errorMessage']);
  if (message !== undefined && message.includes('on resource: ')) {
    DENIED_TARGET.lastIndex = 0;
    for (let m = DENIED_TARGET.exec(message); m; m = DENIED_TARGET.exec(message)) {
      if (n.names.has((m[1] ?? '').toLowerCase())) return true;
    }
  }
  const arn = str(ui?.['arn']);
  if (arn !== undefined) {
    const last = arn.slice(arn.lastIndexOf('/') + 1).toLowerCase();
    if (n.names.has(last)) return true;
  }
  return false;
}

function plainJsonLooksWhole(text: string): boolean {
  const t = text.trim();
  const a = t[0];
  const z = t[t.length - 1];
  return (a === '{' && z === '}') || (a === '[' && z === ']');
}

/**
 * Read at most `max` bytes of a file, counting what is actually read: a device, FIFO or growing
 * file reports a stat size that means nothing. Returns undefined when there is more than `max`.
 */
export function readCapped(file: string, max: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    // A regular file is read in one buffer of its size plus one byte (to notice growth); a short
    // read of a regular file is its end. Anything else is read in chunks until it ends.
    const regular = st.isFile() && st.size > 0;
    const step = regular ? st.size + 1 : 1024 * 1024;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(step, max + 1 - total));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
      total += n;
      if (total > max) return undefined;
      if (regular && n < chunk.length) break;
    }
    const [only] = chunks;
    return only && chunks.length === 1 ? only : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** Process one file; never throws for bad input (it becomes a rejection). */
export function processFile(file: string, engine: Engine, opts: FileOptions): FileResult {
  const base = { file, bytes: 0, records: 0, considered: 0, passedOver: false, rejected: 0 };
  const empty = { hits: [], facts: [], rejections: [] as RecordRejection[] };
  const max = opts.limits.maxFileBytes;
  let data: Buffer | undefined;
  try {
    data = readCapped(file, max);
  } catch (err) {
    const reason = `cannot read: ${describeError(err)}`;
    return { ...base, ...empty, rejected: 1, unreadable: true, rejections: [{ file, reason }] };
  }
  if (data === undefined) {
    const reason = `stopped reading after ${formatBytes(max)}: over the limits.maxFileBytes limit`;
    return { ...base, ...empty, bytes: max, rejected: 1, rejections: [{ file, reason }] };
  }
  const limits = {
    maxDecompressedBytes: opts.limits.maxFileBytes,
    maxRecordBytes: opts.limits.maxRecordBytes,
  };
  const decoded = decodeText(file, data, limits);
  if ('rejection' in decoded) {
    return { ...base, ...empty, bytes: data.length, rejected: 1, rejections: [decoded.rejection] };
  }
  const gz = data[0] === 0x1f && data[1] === 0x8b;
  const n = opts.needles;
  // Pass over a file without parsing only when it is certainly whole (gzip's CRC, or a cheap
  // shape check for plain JSON), looks like CloudTrail, and mentions no canary identifier.
  const t = decoded.text;
  const looksLikeEvents = t.includes('"eventName') || t.includes('\\"eventName');
  const bloom = n && !opts.keepEvents ? createBloom(t.length / 250) : undefined;
  const mentions = n && bloom ? textMentions(t, n, bloom) : true;
  if (!mentions && looksLikeEvents && (gz || plainJsonLooksWhole(t))) {
    return { ...base, ...empty, bytes: data.length, passedOver: true, ...(bloom ? { bloom } : {}) };
  }
  const result = runRecords(file, data.length, decoded.text, engine, opts, limits);
  return bloom ? { ...result, bloom } : result;
}

function runRecords(
  file: string,
  bytes: number,
  text: string,
  engine: Engine,
  opts: FileOptions,
  limits: { maxDecompressedBytes: number; maxRecordBytes: number },
): FileResult {
  const extracted = extractRecordsFromText(file, text, limits);
  const max = opts.maxRejections ?? MAX_REJECTIONS_PER_FILE;
  const rejections = firstRejections(file, extracted, max);
  let rejected = extracted.rejections.length;
  const hits: HitSummary[] = [];
  const facts: TokenFact[] = [];
  const events: StoredEvent[] | undefined = opts.keepEvents ? [] : undefined;
  let considered = 0;
  for (const { index, value } of extracted.records) {
    if (opts.needles && !events && !recordMentions(value, opts.needles)) continue;
    const ev = normalizeRecord(value, { file, index }, DEFAULT_FIELD_LIMITS, opts.times);
    if (!('eventId' in ev)) {
      rejected++;
      if (rejections.length < max) rejections.push(ev);
      continue;
    }
    considered++;
    const out = engine.evaluate(ev);
    for (const h of out.hits) hits.push(h);
    for (const f of out.facts) facts.push(f);
    if (events) events.push({ event: ev, raw: JSON.stringify(value) });
  }
  if (rejected > rejections.length && extracted.records.length > 0) {
    const reason = `${rejected - rejections.length} more rejected record(s) in this file not shown`;
    rejections.push({ file, reason });
  }
  const result: FileResult = {
    file,
    bytes,
    records: extracted.records.length,
    considered,
    passedOver: false,
    rejected,
    rejections,
    hits,
    facts,
    ...(extracted.skipped !== undefined ? { skipped: extracted.skipped } : {}),
  };
  return events ? { ...result, events } : result;
}

/**
 * The rejections to report for a file: a file with no record accepted at all is not CloudTrail, and
 * gets one line with the count and the first reason instead of one per record.
 */
function firstRejections(file: string, extracted: ExtractResult, max: number): RecordRejection[] {
  const all = extracted.rejections;
  const first = all[0];
  if (extracted.records.length > 0 || all.length <= 1 || !first) return all.slice(0, max);
  const where = first.index === undefined ? '' : `record ${first.index}: `;
  const reason = `${all.length} record(s) rejected, none accepted; first: ${where}${first.reason}`;
  return [{ file, reason }];
}
