/**
 * One file through the per-event path: read → decode → (pre-filter) → extract records → normalize →
 * stateless rules. Used in-process and inside worker threads (worker.ts); run.ts orders it all and
 * runs the stateful rules on the events handed back, in one ordered stream.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { CloudEvent, RecordRejection, StoredEvent, TokenFact } from '../core/index.js';
import { describeError } from '../core/index.js';
import type { CanaryVia, Engine, HitSummary } from '../detect/index.js';
import type { ExtractResult, TimeWindow } from '../normalize/index.js';
import {
  DEFAULT_FIELD_LIMITS,
  asciiText,
  decodeBytes,
  decodedText,
  formatBytes,
  extractRecordsFromText,
  normalizeRecord,
  recordLimitProblem,
} from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { createBloom } from './bloom.js';
import type { Prefilter } from './prefilter.js';
import { addIdentity, recordMayMatch, textVerdict } from './prefilter.js';
import type { ChoiceShared } from './record-choice.js';
import { choiceShared, EARLIEST_ONLY, recordsToRead } from './record-choice.js';
import type { Earliest } from './earliest.js';
import type { RecordSlices } from './slices.js';
import { recordPieces, sliceList, sliceRecords } from './slices.js';

/** Limits applied to every file. */
export interface FileLimits {
  /** Bytes read from a file, and bytes it decompresses to, whatever its stat size says. */
  readonly maxFileBytes: number;
  readonly maxRecordBytes: number;
}

/** Rejections returned per file by default; the count stays exact. */
export const MAX_REJECTIONS_PER_FILE = 50;

/**
 * What a file's events go through here. `detect`: the stateless rules run here, and the events a
 * stateful rule wants are handed back for the ordered stream. `events`: every record is normalized
 * and handed back with its raw JSON, and no rule runs (ingest runs them after dedupe by eventID).
 */
export type FileMode = 'detect' | 'events';

/** The engines a `detect` file runs: stateless rules here, and the stateful rules' selectors. */
export interface FileEngines {
  readonly stateless: Engine;
  readonly stateful: Engine;
}

/** How to process a file. */
export interface FileOptions {
  readonly limits: FileLimits;
  /** What may be skipped (derived from the enabled rules), or null to consider every record. */
  readonly prefilter: Prefilter | null;
  readonly mode: FileMode;
  /** At most this many rejections are returned per file (the count is always exact). */
  readonly maxRejections?: number;
  /** Accepted `eventTime` range; records outside it are rejected. */
  readonly times: TimeWindow;
  /** This thread's memory of the earliest records first-seen rules need (earliest.ts). */
  readonly earliest?: Earliest;
}

/** What processing one file produced. */
export interface FileResult {
  readonly file: string;
  readonly bytes: number;
  /** Records found in the file (0 when the pre-filter passed over it). */
  readonly records: number;
  /** Records normalized and run through the rules. */
  readonly considered: number;
  /** True when the pre-filter proved no enabled rule can match the file and it was not parsed. */
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
  /** `detect` mode: events a stateful rule wants, in file order. */
  readonly candidates?: CloudEvent[];
  /**
   * `detect` mode: canary events tied to their token by something other than their key (a shared
   * user ARN, a principal id) while their session key was unknown: once the key is learned it may
   * name another token, so run.ts evaluates them again at the end (see {@link provisional}).
   */
  readonly provisional?: CloudEvent[];
  /** Identifiers seen in the file (pre-filter mode): a later pass reads it again only on a hit. */
  readonly bloom?: Bloom;
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
export function processFile(
  file: string,
  engines: FileEngines | null,
  opts: FileOptions,
): FileResult {
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
  // Each record's size and depth are checked below, only for the records that are kept.
  const limits = {
    maxDecompressedBytes: opts.limits.maxFileBytes,
    maxRecordBytes: opts.limits.maxRecordBytes,
    deferRecordChecks: true,
  };
  const decoded = decodeBytes(file, data, limits);
  if ('rejection' in decoded) {
    return { ...base, ...empty, bytes: data.length, rejected: 1, rejections: [decoded.rejection] };
  }
  const gz = data[0] === 0x1f && data[1] === 0x8b;
  const p = opts.mode === 'detect' ? opts.prefilter : null;
  // A compact S3 delivery file: only the records some enabled rule may match are parsed, reading
  // it in pieces (see PIECE_BYTES). Its framing (`{"Records":[` … `]}`) is checked first, which
  // for a plain file is the check that it is whole (gzip has its CRC).
  const pieces = p && decoded.ascii ? recordPieces(decoded.bytes, PIECE_BYTES) : undefined;
  if (p && pieces) {
    const sliced = runPieces(file, data.length, decoded.bytes, pieces, engines, opts, p);
    if (sliced) return sliced;
  }
  const t = decodedText(decoded);
  // Not cut in pieces (not ASCII): sliced whole, when it has the framing.
  const slices = p && !pieces && (gz || plainJsonLooksWhole(t)) ? sliceRecords(t) : undefined;
  if (p && slices) {
    const whole = listed([{ text: t, slices }]);
    const sliced = runSlices(file, data.length, whole, engines, opts, p, t.length, false);
    if (sliced) return sliced;
  }
  // Pass over a file without parsing only when it is certainly whole (gzip's CRC, or a cheap
  // shape check for plain JSON), looks like CloudTrail, and no enabled rule can match it.
  const looksLikeEvents = t.includes('"eventName') || t.includes('\\"eventName');
  const { mayMatch, bloom } = p ? textVerdict(t, p) : { mayMatch: true, bloom: undefined };
  if (!mayMatch && looksLikeEvents && (gz || plainJsonLooksWhole(t))) {
    return { ...base, ...empty, bytes: data.length, passedOver: true, ...(bloom ? { bloom } : {}) };
  }
  // A file parsed for another rule's sake gets its Bloom filter from its records instead.
  const recordBloom = p?.needles && !bloom ? createBloom(t.length / 250) : undefined;
  const result = runRecords(file, data.length, t, engines, opts, limits, recordBloom);
  return bloom ? { ...result, bloom } : result;
}

/** What a file's considered records add up to. */
interface Tally {
  readonly hits: HitSummary[];
  readonly facts: TokenFact[];
  readonly candidates: CloudEvent[];
  readonly provisional: CloudEvent[];
  readonly events: StoredEvent[] | undefined;
  readonly rejections: RecordRejection[];
  readonly maxRejections: number;
  considered: number;
  rejected: number;
}

function newTally(opts: FileOptions, rejections: RecordRejection[], rejected: number): Tally {
  return {
    hits: [],
    facts: [],
    candidates: [],
    provisional: [],
    events: opts.mode === 'events' ? [] : undefined,
    rejections,
    maxRejections: opts.maxRejections ?? MAX_REJECTIONS_PER_FILE,
    considered: 0,
    rejected,
  };
}

/** One record the pre-filter kept: size check, normalize, then the stateless rules (or keep it). */
function consider(
  file: string,
  index: number,
  value: Record<string, unknown>,
  engines: FileEngines | null,
  opts: FileOptions,
  tally: Tally,
  earliest = true,
): CloudEvent | undefined {
  const ev = normalized(file, index, value, opts, tally);
  if (!ev) return undefined;
  if (tally.events) {
    tally.events.push({ event: ev, raw: JSON.stringify(value) });
    return ev;
  }
  if (!engines) return ev;
  // The record itself rides along for rules that read paths into it; slim events drop it.
  (ev as { raw?: Record<string, unknown> }).raw = value;
  const out = engines.stateless.evaluate(ev);
  for (const h of out.hits) tally.hits.push(h);
  for (const f of out.facts) tally.facts.push(f);
  toStateful(ev, engines, tally, earliest);
  return ev;
}

/**
 * Hand the event to the stateful rules when one wants it; a first-seen rule only when the record
 * choice found it needs the record (`earliest`).
 */
function toStateful(ev: CloudEvent, engines: FileEngines, tally: Tally, earliest: boolean): void {
  if (engines.stateful.wants(ev, earliest))
    tally.candidates.push(engines.stateful.slim(ev, earliest));
}

/** Size check and normalize a kept record: the event, or undefined (a rejection, tallied). */
function normalized(
  file: string,
  index: number,
  value: Record<string, unknown>,
  opts: FileOptions,
  tally: Tally,
): CloudEvent | undefined {
  const big = recordLimitProblem(value, opts.limits.maxRecordBytes);
  const ev = big
    ? { file, index, reason: big }
    : normalizeRecord(value, { file, index }, DEFAULT_FIELD_LIMITS, opts.times);
  if (!('eventId' in ev)) {
    tally.rejected++;
    if (tally.rejections.length < tally.maxRejections) tally.rejections.push(ev);
    return undefined;
  }
  tally.considered++;
  return ev;
}

/**
 * Is a canary event's token provisional? Its key decides which token it is (CanaryIndex.match looks
 * at the key first), and a session key may be learned later, from a file read after this one.
 * Tied to a token some other way under an `ASIA…` key, it is evaluated again once every key is
 * known. (The file's Bloom filter, which would send it back for a second pass, leaves a canary's
 * own events out: see record-choice.ts.)
 */
function provisional(ev: CloudEvent, via: CanaryVia): boolean {
  const key = ev.identity.accessKeyId;
  return (
    via !== 'access-key' &&
    via !== 'session-key' &&
    via !== 'previous-key' &&
    key !== undefined &&
    key.startsWith('ASIA')
  );
}

/** The event without the raw record it carries here (it crosses threads). */
function withoutRaw(ev: CloudEvent): CloudEvent {
  // Not spread and `delete`d: a deleted key makes a slow dictionary object.
  const { raw: _raw, ...rest } = ev;
  return rest;
}

/** The file's result from its tally. */
function resultOf(
  file: string,
  bytes: number,
  records: number,
  tally: Tally,
  extra: { readonly skipped?: string; readonly bloom?: Bloom },
): FileResult {
  const { rejections, rejected } = tally;
  if (rejected > rejections.length && records > 0) {
    const reason = `${rejected - rejections.length} more rejected record(s) in this file not shown`;
    rejections.push({ file, reason });
  }
  const result: FileResult = {
    file,
    bytes,
    records,
    considered: tally.considered,
    passedOver: false,
    rejected,
    rejections,
    hits: tally.hits,
    facts: tally.facts,
    ...(extra.skipped !== undefined ? { skipped: extra.skipped } : {}),
    ...(extra.bloom ? { bloom: extra.bloom } : {}),
  };
  if (tally.events) return { ...result, events: tally.events };
  return {
    ...result,
    ...(tally.candidates.length > 0 ? { candidates: tally.candidates } : {}),
    ...(tally.provisional.length > 0 ? { provisional: tally.provisional } : {}),
  };
}

/**
 * Bytes of text decoded at a time from a compact delivery file. A whole 4 MB file's text is one
 * external string that lives while the file is read and then waits, promoted, for a full
 * collection (V8 starts one only after 64 MB more of them): ~50 MB of a run's peak memory. A piece
 * is an ordinary young string, usually dead by the next young-generation collection. Under V8's
 * 128 KB large-object size: a 256 KB piece was allocated on fresh pages each time, and decoding
 * then cost 0.4–0.6 s per thread on the bench instead of ~0.1 (docs/performance.md).
 */
const PIECE_BYTES = 64 * 1024;

/** A piece of a sliced file: its text and its records' slices. */
interface Piece {
  readonly text: string;
  readonly slices: RecordSlices;
}

/**
 * A compact delivery file read in pieces ({@link recordPieces}): each decoded, sliced and read in
 * turn. Undefined when a piece is not a list of whole records: the caller reads the whole file.
 */
function runPieces(
  file: string,
  bytes: number,
  data: Buffer,
  cuts: readonly { from: number; to: number }[],
  engines: FileEngines | null,
  opts: FileOptions,
  p: Prefilter,
): FileResult | undefined {
  let i = 0;
  const next = (): Piece | undefined | null => {
    const cut = cuts[i++];
    if (!cut) return null;
    const text = asciiText(data, cut.from, cut.to);
    const slices = sliceList(text, 0, text.length);
    return slices ? { text, slices } : undefined;
  };
  return runSlices(file, bytes, next, engines, opts, p, data.length, true);
}

/**
 * A sliced file: parse just the records {@link recordsToRead} chose, one at a time, piece by piece
 * (`next` gives the next piece, null after the last, undefined for one that is not a list of
 * records; `length` is the file's text length, `many` whether there are several pieces).
 * Undefined when a piece does not slice or a chosen slice is not one whole JSON object (not the
 * shape after all): the caller then parses the whole file the ordinary way, which names any
 * broken record.
 */
function runSlices(
  file: string,
  bytes: number,
  next: () => Piece | undefined | null,
  engines: FileEngines | null,
  opts: FileOptions,
  p: Prefilter,
  length: number,
  many: boolean,
): FileResult | undefined {
  // The file's Bloom filter (when there are needles): a piece's canary scan fills it, or, where
  // no scan ran (every record chosen), its records do (readPiece).
  const shared = choiceShared(p, length, many);
  const bloom = shared.bloom;
  const tally = newTally(opts, [], 0);
  let records = 0;
  let parsed = 0;
  for (let piece = next(); piece !== null; piece = next()) {
    if (!piece) return undefined;
    const n = readPiece(file, records, piece, engines, opts, p, shared, bloom, tally);
    if (n < 0) return undefined;
    parsed += n;
    records += piece.slices.starts.length;
  }
  if (parsed === 0) {
    const base = { file, bytes, records, considered: 0, rejected: 0, passedOver: true };
    return { ...base, hits: [], facts: [], rejections: [], ...(bloom ? { bloom } : {}) };
  }
  return resultOf(file, bytes, records, tally, bloom ? { bloom } : {});
}

/** `list`'s pieces one at a time, then null. */
function listed(list: readonly Piece[]): () => Piece | null {
  let i = 0;
  return () => list[i++] ?? null;
}

/**
 * Read the chosen records of one piece (its records' indexes in the file start at `first`) into
 * `tally`: how many were chosen, or -1 when a chosen slice is not one whole JSON object.
 */
function readPiece(
  file: string,
  first: number,
  { text, slices }: Piece,
  engines: FileEngines | null,
  opts: FileOptions,
  p: Prefilter,
  shared: ChoiceShared,
  bloom: Bloom | undefined,
  tally: Tally,
): number {
  const pick = recordsToRead(text, slices, p, opts.earliest, shared);
  // Records no text scan ran over (every one chosen) fill the filter themselves.
  const recordBloom = pick.bloom ? undefined : bloom;
  if (pick.count === 0) return 0;
  const records = slices.starts.length;
  for (let i = 0; i < records; i++) {
    if (pick.chosen[i] === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(text.slice(slices.starts[i], slices.ends[i]));
    } catch {
      return -1;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return -1;
    const r = value as Record<string, unknown>;
    const index = first + i;
    const mark = pick.earliest?.[i] ?? 0;
    if (mark === EARLIEST_ONLY) {
      // Only a first-seen rule needs it: no stateless rule can match it, nothing to learn.
      const ev = normalized(file, index, r, opts, tally);
      if (ev && engines) toStateful(ev, engines, tally, true);
      continue;
    }
    const ev =
      recordMayMatch(r, p, recordBloom) || mark !== 0
        ? consider(file, index, r, engines, opts, tally, mark !== 0)
        : undefined;
    // A record whose identity named a canary: into the filter unless it was a canary's event.
    if (pick.bloom && p.needles && pick.unfiltered?.[i] === 1) {
      const canary = ev && engines?.stateless.ctx.canaries.match(ev);
      if (!canary) addIdentity(r, p.needles, pick.bloom);
      else if (ev && provisional(ev, canary.via)) tally.provisional.push(withoutRaw(ev));
    }
  }
  return pick.count;
}

function runRecords(
  file: string,
  bytes: number,
  text: string,
  engines: FileEngines | null,
  opts: FileOptions,
  limits: { maxDecompressedBytes: number; maxRecordBytes: number; deferRecordChecks: boolean },
  bloom?: Bloom,
): FileResult {
  const extracted = extractRecordsFromText(file, text, limits);
  const max = opts.maxRejections ?? MAX_REJECTIONS_PER_FILE;
  const tally = newTally(opts, firstRejections(file, extracted, max), extracted.rejections.length);
  const p = tally.events ? null : opts.prefilter;
  for (const { index, value } of extracted.records) {
    // With a first-seen rule, any record may be the earliest of its kind: all are considered.
    if (p && !recordMayMatch(value, p, bloom) && !p.earliest) continue;
    consider(file, index, value, engines, opts, tally);
  }
  const extra = {
    ...(extracted.skipped !== undefined ? { skipped: extracted.skipped } : {}),
    ...(bloom ? { bloom } : {}),
  };
  return resultOf(file, bytes, extracted.records.length, tally, extra);
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
