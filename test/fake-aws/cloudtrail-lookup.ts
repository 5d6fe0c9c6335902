/**
 * A fake CloudTrail Event history (LookupEvents, AWS JSON 1.1, aws.md §2.9): events per region
 * (the region of the request's credential scope), newest first, StartTime/EndTime in epoch
 * seconds, MaxResults 1–50, an opaque NextToken bound to the query, one LookupAttribute, and
 * AWS's limit of 2 requests per second per region (by the fake's clock) answered with
 * ThrottlingException.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsFault } from './fault.js';
import type { DataOperation, DataProtocol, DataReply } from './data-plane.js';
import type { SignableRequest } from './sigv4.js';

/** One event of the history. */
export interface FakeLookupEvent {
  readonly eventId: string;
  readonly eventTime: Date;
  readonly eventName?: string;
  readonly eventSource?: string;
  readonly username?: string;
  readonly accessKeyId?: string;
  readonly readOnly?: string;
  /** The record as JSON text, as LookupEvents returns it. */
  readonly cloudTrailEvent: string;
}

/** Events and request times per region. */
export interface FakeLookupState {
  readonly regions: Map<string, FakeLookupEvent[]>;
  /** Accepted request times per region (ms), for the rate limit. */
  readonly accepted: Map<string, number[]>;
  /** Requests per second per region before ThrottlingException; undefined: no limit. */
  rateLimit: number | undefined;
}

/** Test controls of the fake Event history. */
export interface FakeLookupControl {
  /** Add CloudTrail records (objects) to a region's history. */
  addEvents(region: string, records: readonly Record<string, unknown>[]): void;
  /** Add one event whose CloudTrailEvent text is given as is (e.g. malformed). */
  addRawEvent(
    region: string,
    event: { eventId: string; eventTime: Date; cloudTrailEvent: string },
  ): void;
  /** Requests per second per region (default 2, AWS's limit); undefined turns the limit off. */
  rateLimit: number | undefined;
}

/** An empty history limited like AWS (2 requests/s/region). */
export function createLookupState(): FakeLookupState {
  return { regions: new Map(), accepted: new Map(), rateLimit: 2 };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function fromRecord(record: Record<string, unknown>): FakeLookupEvent {
  const identity = (record['userIdentity'] ?? {}) as Record<string, unknown>;
  const time = Date.parse(str(record['eventTime']) ?? '');
  const eventName = str(record['eventName']);
  const eventSource = str(record['eventSource']);
  const username = str(identity['userName']);
  const accessKeyId = str(identity['accessKeyId']);
  return {
    eventId: str(record['eventID']) ?? randomUUID(),
    eventTime: new Date(Number.isFinite(time) ? time : 0),
    ...(eventName ? { eventName } : {}),
    ...(eventSource ? { eventSource } : {}),
    ...(username ? { username } : {}),
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(typeof record['readOnly'] === 'boolean' ? { readOnly: String(record['readOnly']) } : {}),
    cloudTrailEvent: JSON.stringify(record),
  };
}

/** The controls over `lookup`. */
export function createLookupControl(lookup: FakeLookupState): FakeLookupControl {
  const add = (region: string, events: FakeLookupEvent[]): void => {
    const list = lookup.regions.get(region) ?? [];
    list.push(...events);
    // Newest first; ties by id so pages are stable.
    list.sort(
      (a, b) => b.eventTime.getTime() - a.eventTime.getTime() || (a.eventId < b.eventId ? -1 : 1),
    );
    lookup.regions.set(region, list);
  };
  return {
    addEvents: (region, records) => add(region, records.map(fromRecord)),
    addRawEvent: (region, e) => add(region, [{ ...e }]),
    get rateLimit() {
      return lookup.rateLimit;
    },
    set rateLimit(n: number | undefined) {
      lookup.rateLimit = n;
    },
  };
}

const ATTRIBUTES: Readonly<Record<string, (e: FakeLookupEvent) => string | undefined>> = {
  EventId: (e) => e.eventId,
  EventName: (e) => e.eventName,
  EventSource: (e) => e.eventSource,
  Username: (e) => e.username,
  AccessKeyId: (e) => e.accessKeyId,
  ReadOnly: (e) => e.readOnly,
};

function attributeFilter(value: unknown): (e: FakeLookupEvent) => boolean {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return () => true;
  const list = Array.isArray(value)
    ? (value as { AttributeKey?: unknown; AttributeValue?: unknown }[])
    : [];
  const [only] = list;
  const get = typeof only?.AttributeKey === 'string' ? ATTRIBUTES[only.AttributeKey] : undefined;
  if (list.length !== 1 || !get || typeof only?.AttributeValue !== 'string') {
    throw new AwsFault(
      'InvalidLookupAttributesException',
      'Only one lookup attribute of a supported key is allowed.',
    );
  }
  const want = only.AttributeValue;
  return (e) => get(e) === want;
}

function seconds(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AwsFault('SerializationException', `${name} must be a timestamp in epoch seconds.`);
  }
  return value * 1000;
}

const DAY = 86_400_000;

function checkRate(lookup: FakeLookupState, region: string, now: number): void {
  if (lookup.rateLimit === undefined) return;
  const recent = (lookup.accepted.get(region) ?? []).filter((t) => t > now - 1000);
  if (recent.length >= lookup.rateLimit)
    throw new AwsFault('ThrottlingException', 'Rate exceeded', 400);
  recent.push(now);
  lookup.accepted.set(region, recent);
}

function lookupEvents(
  lookup: FakeLookupState,
  input: Record<string, unknown>,
  region: string,
  now: number,
): unknown {
  const max = input['MaxResults'] ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) {
    throw new AwsFault('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
  }
  const start = seconds(input['StartTime'], 'StartTime', now - 90 * DAY);
  const end = seconds(input['EndTime'], 'EndTime', now);
  if (start > end)
    throw new AwsFault('InvalidTimeRangeException', 'StartTime must be before EndTime.');
  const keep = attributeFilter(input['LookupAttributes']);
  // The token is bound to everything but itself, as AWS requires identical parameters.
  const { NextToken: token, ...rest } = input;
  const query = createHash('sha256')
    .update(JSON.stringify({ region, ...rest }))
    .digest('hex')
    .slice(0, 16);
  let offset = 0;
  if (token !== undefined) {
    const m =
      typeof token === 'string'
        ? /^(\w{16}):(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'))
        : null;
    if (!m || m[1] !== query) throw new AwsFault('InvalidNextTokenException', 'Invalid NextToken.');
    offset = Number(m[2]);
  }
  checkRate(lookup, region, now);
  const events = (lookup.regions.get(region) ?? []).filter(
    (e) => e.eventTime.getTime() >= start && e.eventTime.getTime() <= end && keep(e),
  );
  const page = events.slice(offset, offset + max);
  const next = offset + page.length;
  return {
    Events: page.map((e) => ({
      EventId: e.eventId,
      ...(e.eventName ? { EventName: e.eventName } : {}),
      ...(e.readOnly ? { ReadOnly: e.readOnly } : {}),
      ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
      EventTime: e.eventTime.getTime() / 1000,
      ...(e.eventSource ? { EventSource: e.eventSource } : {}),
      ...(e.username ? { Username: e.username } : {}),
      Resources: [],
      CloudTrailEvent: e.cloudTrailEvent,
    })),
    ...(next < events.length
      ? { NextToken: Buffer.from(`${query}:${next}`).toString('base64') }
      : {}),
  };
}

function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): DataReply {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...headers },
    body: JSON.stringify(body),
  };
}

const TARGETS = ['CloudTrail_20131101.', 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.'];

function operation(lookup: FakeLookupState, req: SignableRequest, target: string): DataOperation {
  const prefix = TARGETS.find((t) => target.startsWith(t));
  const action = prefix ? target.slice(prefix.length) : target;
  if (action !== 'LookupEvents') {
    throw new AwsFault('UnknownOperationException', `The fake does not implement ${action}.`);
  }
  let input: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(req.body.toString('utf8') || '{}');
    input = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch (err) {
    throw new AwsFault('SerializationException', 'The request body is not JSON.', 400, {
      cause: err,
    });
  }
  return {
    action,
    iamAction: 'cloudtrail:LookupEvents',
    resource: '*',
    params: Object.fromEntries(
      Object.entries(input).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
    ),
    run: (ex) => jsonReply(200, lookupEvents(lookup, input, ex.region, ex.clock().getTime())),
  };
}

/** The CloudTrail JSON 1.1 protocol over `lookup`. */
export function lookupProtocol(lookup: FakeLookupState): DataProtocol {
  return {
    service: 'cloudtrail',
    parse: (req, target) => operation(lookup, req, target ?? ''),
    error: (fault, requestId) =>
      jsonReply(
        fault.status,
        { __type: fault.code, message: fault.message },
        { 'x-amzn-requestid': requestId },
      ),
    success: (reply, requestId) => ({
      ...reply,
      headers: { ...reply.headers, 'x-amzn-requestid': requestId },
    }),
  };
}
