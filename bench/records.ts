/**
 * Assembles CloudTrail records (field order as CloudTrail writes them) and draws the ordinary,
 * non-canary traffic.
 */
import { createEventMix, type EventMix, type EventSpec } from './catalog.js';
import { deniedError, type CallContext, type EventBody } from './shapes.js';
import { pickWeighted, type Rng } from './prng.js';
import type { Principal, PrincipalKind, World } from './world.js';

/** Everything that varies between records. */
export interface RecordParts {
  readonly identity: Readonly<Record<string, unknown>>;
  readonly timeMs: number;
  readonly source: string;
  readonly name: string;
  readonly region: string;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly body: EventBody;
  readonly readOnly: boolean;
  readonly category: 'Management' | 'Data';
  readonly eventType?: string;
  readonly apiVersion?: string;
  readonly recipientAccountId: string;
  readonly eventId: string;
  /** False for AWS-service callers, which log no TLS details. */
  readonly tls: boolean;
}

/** CloudTrail's `eventTime` format: ISO-8601 UTC without fractional seconds. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** Build a record object from its parts. */
export function assembleRecord(p: RecordParts, rng: Rng): Record<string, unknown> {
  const record: Record<string, unknown> = {
    eventVersion: p.category === 'Data' ? '1.10' : '1.09',
    userIdentity: p.identity,
    eventTime: eventTime(p.timeMs),
    eventSource: p.source,
    eventName: p.name,
    awsRegion: p.region,
    sourceIPAddress: p.sourceIp,
    userAgent: p.userAgent,
  };
  if (p.error) {
    record['errorCode'] = p.error.code;
    record['errorMessage'] = p.error.message;
  }
  record['requestParameters'] = p.body.requestParameters;
  record['responseElements'] = p.error ? null : (p.body.responseElements ?? null);
  if (p.body.additionalEventData) record['additionalEventData'] = p.body.additionalEventData;
  record['requestID'] = p.source.startsWith('s3.') ? rng.chars('0123456789ABCDEF', 16) : rng.uuid();
  record['eventID'] = p.eventId;
  record['readOnly'] = p.readOnly;
  if (p.body.resources) record['resources'] = p.body.resources;
  record['eventType'] = p.eventType ?? 'AwsApiCall';
  if (p.apiVersion) record['apiVersion'] = p.apiVersion;
  record['managementEvent'] = p.category === 'Management';
  record['recipientAccountId'] = p.recipientAccountId;
  record['eventCategory'] = p.category;
  if (p.tls) record['tlsDetails'] = tlsDetails(p, rng);
  return record;
}

function tlsDetails(p: RecordParts, rng: Rng): Record<string, string> {
  const service = p.source.split('.')[0] ?? '';
  const host =
    service === 's3' || service === 'signin'
      ? `${service}.amazonaws.com`
      : `${service}.${p.region}.amazonaws.com`;
  return rng.chance(0.8)
    ? {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: host,
      }
    : {
        tlsVersion: 'TLSv1.2',
        cipherSuite: 'ECDHE-RSA-AES128-GCM-SHA256',
        clientProvidedHostHeader: host,
      };
}

const KIND_WEIGHTS: readonly (readonly [PrincipalKind, number])[] = [
  ['assumed-role', 0.35],
  ['iam-user', 0.35],
  ['aws-service', 0.3],
];

/** Draws ordinary records for one account and region at a time. */
export interface TrafficSource {
  /** One ordinary record as compact JSON. */
  next(accountId: string, region: string, timeMs: number): string;
}

/** Create the ordinary-traffic source for a world. */
export function createTrafficSource(world: World, rng: Rng, denyRate = 0.04): TrafficSource {
  const mix: EventMix = createEventMix();
  const assetsById = new Map(world.accounts.map((a) => [a.accountId, a] as const));
  return {
    next(accountId, region, timeMs) {
      const assets = assetsById.get(accountId)!;
      const spec = pickWeighted(rng, region === 'us-east-1' ? mix.global : mix.regional);
      const principal = pickPrincipal(rng, world, accountId, spec);
      const c: CallContext = { rng, assets, region, principal, reserved: world.reserved, timeMs };
      return JSON.stringify(ordinaryRecord(c, spec, denyRate));
    },
  };
}

function pickPrincipal(rng: Rng, world: World, accountId: string, spec: EventSpec): Principal {
  const pools = world.principals.get(accountId)!;
  let x = rng.float();
  for (const [kind, weight] of KIND_WEIGHTS) {
    x -= weight;
    if (x < 0 && spec.callers.includes(kind)) return rng.pick(pools[kind]);
  }
  return rng.pick(pools[spec.callers[0]!]);
}

function ordinaryRecord(
  c: CallContext,
  spec: EventSpec,
  denyRate: number,
): Record<string, unknown> {
  const { principal, rng } = c;
  const isService = principal.kind === 'aws-service';
  const signIn = spec.name === 'ConsoleLogin';
  const denied = !isService && !signIn && rng.chance(denyRate);
  const userAgent =
    spec.source === 's3.amazonaws.com' && !isService
      ? `[${principal.userAgent}]`
      : principal.userAgent;
  return assembleRecord(
    {
      identity: signIn ? withoutKey(principal.identity) : principal.identity,
      timeMs: c.timeMs,
      source: spec.source,
      name: spec.name,
      region: c.region,
      sourceIp: principal.sourceIp,
      userAgent,
      ...(denied ? { error: deniedError(spec.source, spec.name, principal.arn) } : {}),
      body: spec.build(c),
      readOnly: spec.readOnly,
      category: spec.category,
      ...(signIn ? { eventType: 'AwsConsoleSignIn' } : {}),
      ...(spec.apiVersion ? { apiVersion: spec.apiVersion } : {}),
      recipientAccountId: c.assets.accountId,
      eventId: rng.uuid(),
      tls: !isService && !signIn,
    },
    rng,
  );
}

function withoutKey(identity: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { accessKeyId: _drop, ...rest } = identity;
  return rest;
}
