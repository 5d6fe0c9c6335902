/**
 * One raw CloudTrail record → {@link CloudEvent}. Tolerant: every field is optional and may have any
 * JSON type; a field of the wrong type is ignored, strings are capped, and large request/response
 * objects are replaced by a marker. Runs once per event, so it avoids serializing and copying.
 */
import { createHash } from 'node:crypto';
import type { CloudEvent, CloudIdentity, RecordOrigin, RecordRejection } from '../core/event.js';
import { keyAnatomy } from '../core/key-anatomy.js';
import { isKnownRegion } from './enrich/regions.js';
import { classifySource } from './enrich/source.js';
import { classifyUserAgent } from './enrich/user-agent.js';
import { estimateJsonSize, stableJson } from './json-size.js';
import { shown } from './shapes.js';
import { iamTarget } from './iam-target.js';
import { parseTime } from './time.js';

/** Size caps applied while normalizing (characters for strings, estimated bytes for objects). */
export interface FieldLimits {
  readonly userAgent: number;
  readonly errorMessage: number;
  /** Every other string field. */
  readonly string: number;
  /** `requestParameters` / `responseElements`, estimated serialized size. */
  readonly objectBytes: number;
  /** `requestParameters` / `responseElements`, nesting depth. */
  readonly objectDepth: number;
}

/** Defaults: userAgent 2 KB, errorMessage 4 KB, other strings 2 KB, objects 64 KB / 64 levels. */
export const DEFAULT_FIELD_LIMITS: FieldLimits = {
  userAgent: 2048,
  errorMessage: 4096,
  string: 2048,
  objectBytes: 64 * 1024,
  objectDepth: 64,
};

/** What replaces a request/response object over the caps. */
export type TruncatedObject = {
  /** Top-level string fields of up to 1 KB are kept beside the marker. */
  readonly [key: string]: unknown;
  readonly _truncated: true;
  /** Estimated serialized size (a lower bound when the walk stopped at the cap). */
  readonly bytes: number;
  /** Set when the object was cut for nesting deeper than the cap. */
  readonly depth?: number;
};

type Json = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cap a string, never splitting a surrogate pair. */
export function capString(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function str(v: unknown, max: number): string | undefined {
  return typeof v === 'string' ? capString(v, max) : undefined;
}

/** An account id: a string, or an integer (leading zeros restored) — JSON tools sometimes do that. */
function accountIdOf(v: unknown, max: number): string | undefined {
  if (typeof v === 'string') return capString(v, max);
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v < 1e12) {
    return String(v).padStart(12, '0');
  }
  return undefined;
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/** Keep an object field only when it is an object within the caps; replace it when over. */
function cappedObject(v: unknown, limits: FieldLimits): Json | TruncatedObject | undefined {
  if (!isObject(v)) return undefined;
  const size = estimateJsonSize(v, limits.objectBytes, limits.objectDepth);
  if (!size.stopped) return v;
  const marker: TruncatedObject =
    size.depth > limits.objectDepth
      ? { _truncated: true, bytes: size.bytes, depth: size.depth }
      : { _truncated: true, bytes: size.bytes };
  // Short top-level strings (userName, policyArn, roleArn …) survive: padding a request (e.g. a
  // whitespace-stuffed policy document) must not hide which user or policy it was about.
  const kept: Json = {};
  for (const [k, val] of Object.entries(v).slice(0, 64)) {
    if (typeof val === 'string' && val.length <= 1024 && k.length <= 64 && k !== '_truncated')
      kept[k] = val;
  }
  return { ...kept, ...marker };
}

/** Flatten `userIdentity` (including `sessionContext.sessionIssuer`) into a {@link CloudIdentity}. */
export function flattenIdentity(
  raw: unknown,
  limits: FieldLimits = DEFAULT_FIELD_LIMITS,
): CloudIdentity {
  if (!isObject(raw)) return {};
  const max = limits.string;
  const id: Mutable<CloudIdentity> = {};
  const type = str(raw.type, max);
  if (type !== undefined) id.type = type;
  const principalId = str(raw.principalId, max);
  if (principalId !== undefined) id.principalId = principalId;
  const arn = str(raw.arn, max);
  if (arn !== undefined) id.arn = arn;
  const accountId = accountIdOf(raw.accountId, max);
  if (accountId !== undefined) id.accountId = accountId;
  const key = str(raw.accessKeyId, max);
  if (key !== undefined && key.length > 0) id.accessKeyId = key;
  const userName = str(raw.userName, max);
  if (userName !== undefined) id.userName = userName;
  const invokedBy = str(raw.invokedBy, max);
  if (invokedBy !== undefined) id.invokedBy = invokedBy;
  const context = raw.sessionContext;
  if (isObject(context) && isObject(context.sessionIssuer)) {
    addIssuer(id, context.sessionIssuer, max);
  }
  if (isObject(context) && isObject(context.attributes)) {
    const mfa = bool(context.attributes.mfaAuthenticated);
    if (mfa !== undefined) id.mfaAuthenticated = mfa;
    const created = str(context.attributes.creationDate, max);
    if (created !== undefined) id.sessionCreated = created;
  }
  return id;
}

/** Copy `sessionContext.sessionIssuer` fields into the identity. */
function addIssuer(id: Mutable<CloudIdentity>, issuer: Json, max: number): void {
  const issuerType = str(issuer.type, max);
  if (issuerType !== undefined) id.issuerType = issuerType;
  const issuerArn = str(issuer.arn, max);
  if (issuerArn !== undefined) id.issuerArn = issuerArn;
  const issuerPrincipalId = str(issuer.principalId, max);
  if (issuerPrincipalId !== undefined) id.issuerPrincipalId = issuerPrincipalId;
  const issuerUserName = str(issuer.userName, max);
  if (issuerUserName !== undefined) id.issuerUserName = issuerUserName;
  const issuerAccountId = accountIdOf(issuer.accountId, max);
  if (issuerAccountId !== undefined) id.issuerAccountId = issuerAccountId;
}

/** `x-` + 32 hex chars of SHA-256 over the record's stable JSON: same record, same id. */
export function syntheticEventId(record: unknown): string {
  return `x-${createHash('sha256').update(stableJson(record)).digest('hex').slice(0, 32)}`;
}

/** The instants a CloudTrail `eventTime` may fall between (epoch milliseconds, inclusive). */
export interface TimeWindow {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/** CloudTrail launched in November 2013: no real event is older. */
export const CLOUDTRAIL_START_MS = Date.UTC(2013, 10, 1);

/** Without a clock only the lower bound applies; the pipeline adds "not after now + 1 day". */
export const DEFAULT_TIME_WINDOW: TimeWindow = {
  notBeforeMs: CLOUDTRAIL_START_MS,
  notAfterMs: Number.POSITIVE_INFINITY,
};

function rejection(value: Json, origin: RecordOrigin): RecordRejection {
  const reason =
    value.eventType === 'AwsCloudTrailInsight'
      ? 'a CloudTrail Insights event, not an API call'
      : 'neither eventName nor eventSource';
  return { file: origin.file, index: origin.index, reason };
}

function shownTime(v: unknown): string {
  if (typeof v === 'string') return `"${shown(v)}"`;
  return typeof v === 'number' ? String(v) : `of type ${v === null ? 'null' : typeof v}`;
}

/**
 * Why a present `eventTime` cannot be used, or undefined when it is absent or a readable instant
 * inside the window. A bad time is not used: it would otherwise become a 1970 finding or join the
 * group of whatever real times sort next to it.
 */
function timeProblem(
  raw: unknown,
  time: { ms: number } | undefined,
  window: TimeWindow,
): string | undefined {
  if (raw === undefined) return undefined;
  if (time === undefined) return `eventTime ${shownTime(raw)} is not a readable time`;
  if (time.ms < window.notBeforeMs) {
    const start = new Date(window.notBeforeMs).toISOString().slice(0, 10);
    return `eventTime ${shownTime(raw)} is before CloudTrail existed (${start})`;
  }
  if (time.ms > window.notAfterMs) {
    const end = new Date(window.notAfterMs).toISOString();
    return `eventTime ${shownTime(raw)} is in the future (after ${end})`;
  }
  return undefined;
}

/** Set the optional event fields that need no enrichment. */
function addPlainFields(event: Mutable<CloudEvent>, value: Json, limits: FieldLimits): void {
  const max = limits.string;
  const eventType = str(value.eventType, max);
  if (eventType !== undefined) event.eventType = eventType;
  const errorCode = str(value.errorCode, max);
  if (errorCode !== undefined) event.errorCode = errorCode;
  const errorMessage = str(value.errorMessage, limits.errorMessage);
  if (errorMessage !== undefined) event.errorMessage = errorMessage;
  const readOnly = bool(value.readOnly);
  if (readOnly !== undefined) event.readOnly = readOnly;
  const recipientAccountId = accountIdOf(value.recipientAccountId, max);
  if (recipientAccountId !== undefined) event.recipientAccountId = recipientAccountId;
  for (const [k, field] of [
    ['requestID', 'requestId'],
    ['vpcEndpointId', 'vpcEndpointId'],
    ['eventCategory', 'eventCategory'],
  ] as const) {
    const v = str(value[k], max);
    if (v !== undefined) event[field] = v;
  }
  const managementEvent = bool(value.managementEvent);
  if (managementEvent !== undefined) event.managementEvent = managementEvent;
  const truncated: string[] = [];
  for (const k of ['requestParameters', 'responseElements', 'additionalEventData'] as const) {
    const o = cappedObject(value[k], limits);
    if (o === undefined) continue;
    event[k] = o;
    if (o['_truncated'] === true) truncated.push(k);
  }
  const resources = resourcesOf(value.resources, max);
  if (resources !== undefined) event.resources = resources;
  if (typeof value.userAgent === 'string' && value.userAgent.length > limits.userAgent)
    truncated.push('userAgent');
  if (typeof value.errorMessage === 'string' && value.errorMessage.length > limits.errorMessage)
    truncated.push('errorMessage');
  if (truncated.length > 0) event.truncated = truncated;
}

/** `resources`: at most 64 entries of `{ARN, type, accountId}` strings. */
function resourcesOf(v: unknown, max: number): CloudEvent['resources'] {
  if (!Array.isArray(v)) return undefined;
  return v.slice(0, 64).flatMap((r: unknown) => {
    if (!isObject(r)) return [];
    const out: { arn?: string; type?: string; accountId?: string } = {};
    const arn = str(r.ARN ?? r.arn, max);
    if (arn !== undefined) out.arn = arn;
    const type = str(r.type, max);
    if (type !== undefined) out.type = type;
    const accountId = accountIdOf(r.accountId, max);
    if (accountId !== undefined) out.accountId = accountId;
    return [out];
  });
}

/** Fields derived from others: who made the call, as one ARN, and whom an IAM call acts on. */
function addDerivedFields(event: Mutable<CloudEvent>, value: Json): void {
  const principalArn = event.identity.arn ?? event.identity.issuerArn;
  if (principalArn !== undefined) event.principalArn = principalArn;
  if (event.eventSource !== 'iam.amazonaws.com') return;
  const target = iamTarget(value.requestParameters, value.errorCode, value.errorMessage);
  if (target !== undefined) event.targetUser = target;
}

/**
 * Enrichment of values that repeat heavily in real CloudTrail (a few hundred user agents, key ids
 * and source addresses per account): each distinct value is worked out once. The caches are
 * bounded and start over when full, so hostile variety costs only the uncached work.
 */
function memo<T>(fn: (v: string) => T, max = 4096): (v: string) => T {
  let cache = new Map<string, T>();
  return (v) => {
    let out = cache.get(v);
    if (out === undefined) {
      if (cache.size >= max) cache = new Map();
      out = fn(v);
      cache.set(v, out);
    }
    return out;
  };
}
const userAgentInfo = memo(classifyUserAgent);
const keyInfo = memo(keyAnatomy);
const sourceInfo = memo(classifySource);

/** Set identity, key anatomy, source and user-agent fields. */
function addEnrichedFields(event: Mutable<CloudEvent>, value: Json, limits: FieldLimits): void {
  if (event.identity.accessKeyId !== undefined) event.key = keyInfo(event.identity.accessKeyId);
  const sourceIp = str(value.sourceIPAddress, limits.string);
  if (sourceIp !== undefined) event.sourceIp = sourceIp;
  event.sourceKind = sourceIp === undefined ? classifySource(undefined) : sourceInfo(sourceIp);
  const userAgent = str(value.userAgent, limits.userAgent);
  if (userAgent !== undefined) event.userAgent = userAgent;
  const ua = userAgent === undefined ? classifyUserAgent(undefined) : userAgentInfo(userAgent);
  event.userAgentClass = ua.class;
  if (ua.name !== undefined) event.userAgentName = ua.name;
  if (ua.os !== undefined) event.userAgentOs = ua.os;
}

/**
 * Normalize one CloudTrail record. Rejects a record with neither `eventName` nor `eventSource`
 * (and, with a clearer reason, an Insights event), and one whose `eventTime` is present but
 * unreadable or outside `window` (a record without one is kept, its time unknown); everything else becomes a {@link CloudEvent}. A missing `eventID`
 * is replaced by {@link syntheticEventId}. Never throws.
 */
export function normalizeRecord(
  value: Record<string, unknown>,
  origin: RecordOrigin,
  limits: FieldLimits = DEFAULT_FIELD_LIMITS,
  window: TimeWindow = DEFAULT_TIME_WINDOW,
): CloudEvent | RecordRejection {
  if (!isObject(value)) {
    return { file: origin.file, index: origin.index, reason: 'not a JSON object' };
  }
  const max = limits.string;
  const eventName = str(value.eventName, max);
  const eventSource = str(value.eventSource, max);
  if (eventName === undefined && eventSource === undefined) return rejection(value, origin);
  const time = parseTime(value.eventTime);
  const badTime = timeProblem(value.eventTime, time, window);
  if (badTime !== undefined) return { file: origin.file, index: origin.index, reason: badTime };
  const rawId = str(value.eventID, max);
  const region = str(value.awsRegion, max) ?? '';
  const event: Mutable<CloudEvent> = {
    eventId: rawId !== undefined && rawId.length > 0 ? rawId : syntheticEventId(value),
    eventName: eventName ?? '',
    eventSource: eventSource ?? '',
    region,
    regionKnown: isKnownRegion(region),
    identity: flattenIdentity(value.userIdentity, limits),
    sourceKind: 'missing',
    userAgentClass: 'missing',
    origin,
  };
  if (time !== undefined) {
    event.time = time.iso;
    event.timeMs = time.ms;
  }
  addEnrichedFields(event, value, limits);
  addPlainFields(event, value, limits);
  addDerivedFields(event, value);
  return event;
}

/** True when `r` is a rejection rather than an event. */
export function isRecordRejection(r: CloudEvent | RecordRejection): r is RecordRejection {
  return 'reason' in r && !('eventId' in r);
}
