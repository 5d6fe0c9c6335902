/**
 * A file's bytes → CloudTrail records. Accepts every delivery shape Keysnare meets (S3 log files,
 * JSON arrays and lines, EventBridge envelopes, LookupEvents items and responses, CloudWatch Logs
 * subscription payloads, single records), gzip or not. Bad input never throws: the whole file or
 * the one record is rejected with a reason a person can act on, and the rest goes on.
 */
import { isAscii } from 'node:buffer';
import type { RecordRejection } from '../core/event.js';
import { gunzipText } from './gunzip.js';
import { estimateJsonSize, formatBytes } from './json-size.js';
import {
  describeJsonError,
  looksLikeJsonLines,
  maxNestingDepth,
  nonBlankLines,
  parseJson,
  type TextLine,
} from './json-text.js';
import { textOverLimit, type RecordChecks } from './shapes.js';
import { fromDocument } from './documents.js';
import { RecordCollector } from './collector.js';
import type { ExtractLimits, ExtractResult } from './extract-types.js';

export type {
  DeliveryFormat,
  ExtractLimits,
  ExtractResult,
  ExtractedRecord,
} from './extract-types.js';

/** Default {@link ExtractLimits.maxDepth}: far deeper than any real record, far below the stack. */
export const DEFAULT_MAX_DEPTH = 256;

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

function fileRejection(file: string, reason: string): { rejection: RecordRejection } {
  return { rejection: { file, reason } };
}

function gunzipReason(err: unknown, limits: ExtractLimits): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
    return `decompresses to more than the ${formatBytes(limits.maxDecompressedBytes)} limit`;
  }
  if (code === 'Z_BUF_ERROR') return 'unexpected end of gzip data (truncated file?)';
  if (code === 'Z_DATA_ERROR') return 'corrupt gzip data (not a valid gzip stream)';
  return 'cannot decompress gzip data';
}

/** True for paths of CloudTrail digest files (integrity digests, not events). */
export function isDigestPath(file: string): boolean {
  return file.includes('CloudTrail-Digest');
}

/** A file's bytes after {@link decodeBytes}: the text's UTF-8, and whether it is all ASCII. */
export interface DecodedBytes {
  /** A view of this thread's gunzip buffer when the file was gzipped: use it before the next file. */
  readonly bytes: Buffer;
  readonly ascii: boolean;
}

/**
 * Bytes → text: gunzip when the data starts with the gzip magic bytes (whatever the file is
 * called), enforce `maxDecompressedBytes`, decode UTF-8 and strip a byte-order mark.
 */
export function decodeText(
  file: string,
  data: Buffer,
  limits: ExtractLimits,
): { text: string } | { rejection: RecordRejection } {
  const decoded = decodeBytes(file, data, limits);
  return 'rejection' in decoded ? decoded : { text: decodedText(decoded) };
}

/** The text of {@link decodeBytes}' bytes, without a byte-order mark. */
export function decodedText(d: DecodedBytes): string {
  const text = utf8Text(d);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The first half of {@link decodeText}: gunzip and the limit, refusing UTF-16; the text's bytes,
 * for a reader that decodes them in pieces.
 */
export function decodeBytes(
  file: string,
  data: Buffer,
  limits: ExtractLimits,
): DecodedBytes | { rejection: RecordRejection } {
  let bytes = data;
  if (data.length >= 2 && data[0] === GZIP_MAGIC_0 && data[1] === GZIP_MAGIC_1) {
    try {
      bytes = gunzipText(data, limits.maxDecompressedBytes);
    } catch (err) {
      return fileRejection(file, gunzipReason(err, limits));
    }
  } else if (data.length > limits.maxDecompressedBytes) {
    const limit = formatBytes(limits.maxDecompressedBytes);
    return fileRejection(file, `file is ${formatBytes(data.length)}, over the ${limit} limit`);
  }
  if (
    bytes.length >= 2 &&
    ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  ) {
    return fileRejection(file, 'file is UTF-16 text; CloudTrail files are UTF-8');
  }
  return { bytes, ascii: isAscii(bytes) };
}

/**
 * UTF-8 bytes as a string. Pure-ASCII bytes (nearly every CloudTrail file: JSON escapes anything
 * else) are copied as Latin-1, which is the same text and several times faster than UTF-8 decoding.
 */
function utf8Text(d: DecodedBytes): string {
  return d.ascii ? asciiText(d.bytes, 0, d.bytes.length) : d.bytes.toString('utf8');
}

/** ASCII bytes `from`..`to` as a string (Latin-1: the same text for ASCII). */
export function asciiText(bytes: Buffer, from: number, to: number): string {
  // Buffer's own Latin-1 slice, without toString's argument handling (measurably slower here).
  const b = bytes as Buffer & { latin1Slice?: (start: number, end: number) => string };
  return b.latin1Slice ? b.latin1Slice(from, to) : bytes.toString('latin1', from, to);
}

/** The per-record checks a text still needs, decided by cheap whole-text tests. */
function checksFor(text: string, limits: ExtractLimits): RecordChecks {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const owed = limits.deferRecordChecks !== true;
  return {
    maxRecordBytes: limits.maxRecordBytes,
    maxDepth,
    checkSize: owed && text.length * 3 > limits.maxRecordBytes,
    checkDepth: owed && maxNestingDepth(text, maxDepth) > maxDepth,
  };
}

function fromJsonLines(
  file: string,
  text: string,
  lines: readonly TextLine[],
  limits: ExtractLimits,
): ExtractResult {
  const collector = new RecordCollector(file, checksFor(text, limits));
  for (const line of lines) {
    const bytes = textOverLimit(line.text, limits.maxRecordBytes);
    if (bytes !== undefined) {
      collector.reject(`${collector.tooBig(bytes)} (line ${line.line})`);
      continue;
    }
    const parsed = parseJson(line.text);
    if (parsed.ok) collector.add(parsed.value, collector.context({ checkSize: false }));
    else collector.reject(describeJsonError(parsed.error, line.text, line.line));
  }
  return collector.result('json-lines');
}

/** A base64 gzip payload inside a document (`{"awslogs":{"data":…}}`), read one level deep. */
function decodeNested(file: string, base64: string, limits: ExtractLimits): ExtractResult {
  const decoded = decodeText(file, Buffer.from(base64, 'base64'), limits);
  if ('rejection' in decoded) return { records: [], rejections: [decoded.rejection] };
  const parsed = parseJson(decoded.text);
  if (!parsed.ok) {
    const reason = `awslogs.data: ${describeJsonError(parsed.error, decoded.text)}`;
    return { records: [], rejections: [{ file, reason }] };
  }
  return fromDocument(file, parsed.value, { checks: checksFor(decoded.text, limits) });
}

function extractUnchecked(file: string, text: string, limits: ExtractLimits): ExtractResult {
  if (isDigestPath(file)) return { records: [], rejections: [], skipped: 'CloudTrail digest file' };
  if (text.trim().length === 0) return { records: [], rejections: [], skipped: 'empty file' };
  const parsed = parseJson(text);
  if (parsed.ok) {
    return fromDocument(file, parsed.value, {
      checks: checksFor(text, limits),
      decodeNested: (nested) => decodeNested(file, nested, limits),
    });
  }
  const lines = nonBlankLines(text);
  if (lines.length > 1 && looksLikeJsonLines(lines))
    return fromJsonLines(file, text, lines, limits);
  return { records: [], rejections: [{ file, reason: describeJsonError(parsed.error, text) }] };
}

/**
 * Text → records, for callers that already decoded the file. Never throws: an unexpected failure
 * becomes a file-level rejection.
 */
export function extractRecordsFromText(
  file: string,
  text: string,
  limits: ExtractLimits,
): ExtractResult {
  try {
    return extractUnchecked(file, text, limits);
  } catch (err) {
    const what =
      err instanceof RangeError ? 'input too large or too deeply nested' : 'unexpected error';
    return { records: [], rejections: [{ file, reason: `cannot read records: ${what}` }] };
  }
}

/**
 * Why one record is over the size or depth limit, or undefined: the check a caller owes for each
 * record it keeps when it extracted with `deferRecordChecks`. One bounded walk.
 */
export function recordLimitProblem(
  value: unknown,
  maxRecordBytes: number,
  maxDepth = DEFAULT_MAX_DEPTH,
): string | undefined {
  const size = estimateJsonSize(value, maxRecordBytes, maxDepth);
  if (!size.stopped) return undefined;
  if (size.depth > maxDepth) return `nested more than ${maxDepth} levels deep`;
  const bytes = estimateJsonSize(value).bytes;
  return `${formatBytes(bytes)}, over the ${formatBytes(maxRecordBytes)} limit`;
}

/** Bytes → records: {@link decodeText} then {@link extractRecordsFromText}. Never throws. */
export function extractRecords(file: string, data: Buffer, limits: ExtractLimits): ExtractResult {
  if (isDigestPath(file)) return { records: [], rejections: [], skipped: 'CloudTrail digest file' };
  const decoded = decodeText(file, data, limits);
  if ('rejection' in decoded) return { records: [], rejections: [decoded.rejection] };
  return extractRecordsFromText(file, decoded.text, limits);
}
