/**
 * Recognising what a parsed JSON value is: a CloudTrail record, an EventBridge envelope, a
 * LookupEvents item, or something else — and unwrapping the first three into the record.
 */
import { describeJsonError, maxNestingDepth, parseJson } from './json-text.js';
import { estimateJsonSize, formatBytes } from './json-size.js';

type Json = Record<string, unknown>;

/** The result of unwrapping one item. */
export type Unwrapped =
  | { readonly kind: 'record'; readonly value: Json }
  | { readonly kind: 'skip'; readonly reason: string }
  | { readonly kind: 'reject'; readonly reason: string };

/** Per-record limits, and whether a cheap check on the source text already proved them met. */
export interface RecordChecks {
  readonly maxRecordBytes: number;
  readonly maxDepth: number;
  /** False when the whole source text is within `maxRecordBytes`, so no record can exceed it. */
  readonly checkSize: boolean;
  /** False when a scan of the source text found nothing nested deeper than `maxDepth`. */
  readonly checkDepth: boolean;
}

/** Where an item sits in its file, and the checks it still needs. */
export interface ItemContext {
  readonly index: number;
  readonly checks: RecordChecks;
}

/** EventBridge `detail-type` values whose `detail` is a CloudTrail record. */
const CLOUDTRAIL_DETAIL_TYPES: ReadonlySet<string> = new Set([
  'AWS API Call via CloudTrail',
  'AWS Console Signin via CloudTrail',
  'AWS Console Action via CloudTrail',
  'AWS Service Event via CloudTrail',
]);
const INSIGHT_DETAIL_TYPE = 'AWS Insight via CloudTrail';
const MAX_SHOWN = 40;

/** True for a non-null, non-array object. */
export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A record is CloudTrail-shaped when it has a string `eventName` or `eventSource`. */
export function isCloudTrailRecord(v: unknown): v is Json {
  return isObject(v) && (typeof v.eventName === 'string' || typeof v.eventSource === 'string');
}

/** A CloudTrail Insights event: not an API call, skipped on purpose. */
export function isInsightRecord(v: unknown): boolean {
  return isObject(v) && v.eventType === 'AwsCloudTrailInsight';
}

/** True for an EventBridge envelope (`detail-type` + `detail`). */
export function isEventBridgeEnvelope(v: unknown): v is Json {
  return isObject(v) && typeof v['detail-type'] === 'string' && 'detail' in v;
}

/** True for a LookupEvents `Events[]` item. */
export function isLookupEventsItem(v: unknown): v is Json {
  return (
    isObject(v) &&
    (typeof v.CloudTrailEvent === 'string' ||
      (typeof v.EventId === 'string' && typeof v.EventName === 'string'))
  );
}

/** Hostile text made safe to quote in a message: printable ASCII only, capped. */
export function shown(s: string): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < MAX_SHOWN; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c <= 0x7e && c !== 0x22 ? s[i] : '?';
  }
  return s.length > MAX_SHOWN ? `${out}…` : out;
}

/** "a JSON array", "a JSON string" … */
export function jsonTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a JSON array';
  return typeof v === 'object' ? 'a JSON object' : `a JSON ${typeof v}`;
}

/** "a JSON object with keys "a", "b", "c" …" — for saying what a non-CloudTrail value looks like. */
export function describeValue(v: unknown): string {
  if (!isObject(v)) return jsonTypeName(v);
  const keys = Object.keys(v);
  if (keys.length === 0) return 'an empty JSON object';
  const listed = keys
    .slice(0, 5)
    .map((k) => `"${shown(k)}"`)
    .join(', ');
  return `a JSON object with keys ${listed}${keys.length > 5 ? ', …' : ''}`;
}

/** A rejection reason when `value` is over the record size or depth limit, else undefined. */
export function overLimits(value: unknown, ctx: ItemContext): string | undefined {
  const { checks } = ctx;
  if (checks.checkSize && estimateJsonSize(value, checks.maxRecordBytes).stopped) {
    return tooBig(ctx, estimateJsonSize(value).bytes);
  }
  if (checks.checkDepth) {
    const size = estimateJsonSize(value, Number.POSITIVE_INFINITY, checks.maxDepth);
    if (size.stopped) {
      return `nested more than ${checks.maxDepth} levels deep`;
    }
  }
  return undefined;
}

/** `2.1 MB, over the 1 MB limit` (the record index is said by whoever prints the rejection). */
export function tooBig(ctx: ItemContext, bytes: number): string {
  const limit = formatBytes(ctx.checks.maxRecordBytes);
  return `${formatBytes(bytes)}, over the ${limit} limit`;
}

/** Byte size of `text` when it may exceed `max` (UTF-8 needs at most 3 bytes per UTF-16 unit). */
export function textOverLimit(text: string, max: number): number | undefined {
  if (text.length * 3 <= max) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > max ? bytes : undefined;
}

/** The record inside a JSON string (LookupEvents `CloudTrailEvent`, CloudWatch Logs `message`). */
export function recordFromString(text: string, what: string, ctx: ItemContext): Unwrapped {
  const { checks } = ctx;
  const bytes = textOverLimit(text, checks.maxRecordBytes);
  if (bytes !== undefined) return { kind: 'reject', reason: tooBig(ctx, bytes) };
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const detail = describeJsonError(parsed.error, text);
    return { kind: 'reject', reason: `${what} is not valid JSON (${detail})` };
  }
  const checkDepth = maxNestingDepth(text, checks.maxDepth) > checks.maxDepth;
  return plainRecord(parsed.value, { ...ctx, checks: { ...checks, checkSize: false, checkDepth } });
}

function fromEnvelope(v: Json, ctx: ItemContext): Unwrapped {
  const type = String(v['detail-type']);
  if (type === INSIGHT_DETAIL_TYPE) return { kind: 'skip', reason: 'CloudTrail Insights event' };
  if (!CLOUDTRAIL_DETAIL_TYPES.has(type)) {
    const reason = `an EventBridge event of type "${shown(type)}", not a CloudTrail event`;
    return { kind: 'reject', reason };
  }
  return plainRecord(v.detail, ctx);
}

/** A LookupEvents item without `CloudTrailEvent`: build what the item itself says. */
function fromLookupFields(v: Json): Json {
  const identity: Json = {};
  if (typeof v.Username === 'string') identity.userName = v.Username;
  if (typeof v.AccessKeyId === 'string') identity.accessKeyId = v.AccessKeyId;
  return {
    eventID: v.EventId,
    eventName: v.EventName,
    eventSource: v.EventSource,
    eventTime: v.EventTime,
    readOnly: v.ReadOnly,
    userIdentity: identity,
  };
}

function fromLookupItem(v: Json, ctx: ItemContext): Unwrapped {
  if (typeof v.CloudTrailEvent === 'string') {
    return recordFromString(v.CloudTrailEvent, 'its CloudTrailEvent', ctx);
  }
  return plainRecord(fromLookupFields(v), ctx);
}

/** `v` itself as a record, or why not. */
export function plainRecord(v: unknown, ctx: ItemContext): Unwrapped {
  if (isCloudTrailRecord(v)) {
    const big = overLimits(v, ctx);
    return big === undefined ? { kind: 'record', value: v } : { kind: 'reject', reason: big };
  }
  if (isInsightRecord(v)) return { kind: 'skip', reason: 'CloudTrail Insights event' };
  const reason = `not a CloudTrail record: it is ${describeValue(v)}`;
  return { kind: 'reject', reason };
}

/**
 * Unwrap one item of a file (array element, JSON line, log event): an EventBridge envelope gives its
 * `detail`, a LookupEvents item its parsed `CloudTrailEvent`, a record itself.
 */
export function unwrapItem(v: unknown, ctx: ItemContext): Unwrapped {
  if (isEventBridgeEnvelope(v)) return fromEnvelope(v, ctx);
  if (isLookupEventsItem(v) && !isCloudTrailRecord(v)) return fromLookupItem(v, ctx);
  return plainRecord(v, ctx);
}
