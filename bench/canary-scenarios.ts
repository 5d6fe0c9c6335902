/**
 * Canary use, as it happens: rare, bursty, from an attacker's host. Three kinds of burst — plain
 * calls with the canary AKIA key, a GetSessionToken followed by calls with the new ASIA key (still
 * logged as the IAM user), and a GetFederationToken followed by FederatedUser calls whose
 * sessionIssuer is the canary user. Every event here is one a correct canary detector must find.
 */
import { AppError } from '../src/core/errors.js';
import { kaliUserAgent, publicIpv4, publicIpv6 } from './agents.js';
import { deniedError, sessionToken, stsExpiration, type EventBody } from './shapes.js';
import { encodeKeyId } from './key-ids.js';
import type { FilePlan } from './layout.js';
import type { Rng } from './prng.js';
import { assembleRecord, eventTime } from './records.js';
import type { CanaryUser, World } from './world.js';

/** Canary events to mix into delivery files. */
export interface CanaryPlan {
  /** Compact JSON records by file index. */
  readonly byFile: ReadonlyMap<number, readonly string[]>;
  /** eventIDs of every canary event, sorted. */
  readonly eventIds: readonly string[];
  /** Events whose userIdentity.accessKeyId is a canary AKIA key (what a key-id lookup finds). */
  readonly keyIdHits: number;
}

type BurstKind = 'plain' | 'session' | 'federation';

interface Probe {
  readonly source: string;
  readonly name: string;
  readonly denied: boolean;
  /** IAM calls: logged in us-east-1 only, and refused to session/federated credentials. */
  readonly iam?: boolean;
  readonly requestParameters: Record<string, unknown> | null;
}

const PROBES: readonly Probe[] = [
  {
    source: 'sts.amazonaws.com',
    name: 'GetCallerIdentity',
    denied: false,
    requestParameters: null,
  },
  {
    source: 's3.amazonaws.com',
    name: 'ListBuckets',
    denied: true,
    requestParameters: { Host: 's3.amazonaws.com' },
  },
  {
    source: 'iam.amazonaws.com',
    name: 'ListUsers',
    denied: true,
    iam: true,
    requestParameters: null,
  },
  {
    source: 'iam.amazonaws.com',
    name: 'ListAttachedUserPolicies',
    denied: true,
    iam: true,
    requestParameters: null,
  },
  {
    source: 'ec2.amazonaws.com',
    name: 'DescribeInstances',
    denied: true,
    requestParameters: { instancesSet: {}, filterSet: {} },
  },
  {
    source: 'secretsmanager.amazonaws.com',
    name: 'ListSecrets',
    denied: true,
    requestParameters: null,
  },
  {
    source: 'lambda.amazonaws.com',
    name: 'ListFunctions20150331',
    denied: true,
    requestParameters: null,
  },
];

/** The attacker behind one burst. */
interface Burst {
  readonly rng: Rng;
  readonly world: World;
  readonly canary: CanaryUser;
  readonly file: FilePlan;
  readonly sourceIp: string;
  readonly userAgent: string;
  timeMs: number;
  readonly out: string[];
  readonly eventIds: string[];
}

/**
 * How canary events are spread over the delivery files: `concentrated` puts them in a few files
 * (about one file per ten events, as a real canary hit looks), `spread` round-robins them over every
 * file of the canary accounts (what a pre-filter meets when real rules look at every event).
 */
export type CanaryLayout = 'concentrated' | 'spread';

/** Every {@link CanaryLayout}, in the order the bench runs them. */
export const CANARY_LAYOUTS: readonly CanaryLayout[] = ['concentrated', 'spread'];

/**
 * Plan `total` canary events over the files as `layout` says, in bursts of 2–8 events by one
 * canary. Throws KS_USAGE when the files cannot hold them.
 */
export function planCanaryEvents(
  rng: Rng,
  world: World,
  files: readonly FilePlan[],
  total: number,
  layout: CanaryLayout = 'concentrated',
): CanaryPlan {
  const bursts = burstSizes(rng, total);
  const want = layout === 'spread' ? files.length : Math.max(1, Math.ceil(total / 10));
  const chosen = chooseFiles(rng, world, files, want);
  const byFile = new Map<number, string[]>();
  const eventIds: string[] = [];
  let keyIdHits = 0;
  bursts.forEach(([kind, size], i) => {
    const file = placeBurst(chosen, byFile, i, size);
    const out = byFile.get(file.index) ?? [];
    byFile.set(file.index, out);
    const canary = rng.pick(world.canariesByAccount.get(file.accountId)!);
    const burst: Burst = { rng, world, canary, file, out, eventIds, ...attacker(rng, file) };
    keyIdHits += runBurst(burst, kind, size);
  });
  return { byFile, eventIds: [...eventIds].sort(), keyIdHits };
}

function burstSizes(rng: Rng, total: number): (readonly [BurstKind, number])[] {
  const bursts: (readonly [BurstKind, number])[] = [];
  const first: readonly BurstKind[] = ['session', 'federation'];
  for (let remaining = total; remaining > 0;) {
    const size = Math.min(remaining, rng.int(2, 8));
    const kind =
      first[bursts.length] ?? rng.pick<BurstKind>(['plain', 'plain', 'session', 'federation']);
    bursts.push([size < 2 ? 'plain' : kind, size]);
    remaining -= size;
  }
  return bursts;
}

/** Files that may hold canary bursts: `primary` (us-east-1 first) and `spare` for overflow. */
interface ChosenFiles {
  readonly primary: readonly FilePlan[];
  readonly spare: readonly FilePlan[];
}

function chooseFiles(
  rng: Rng,
  world: World,
  files: readonly FilePlan[],
  want: number,
): ChosenFiles {
  const eligible = files.filter((f) => world.canariesByAccount.has(f.accountId) && f.count > 0);
  const shuffled = eligible.map((f) => [rng.u32(), f] as const).sort((a, b) => a[0] - b[0]);
  const ordered = [
    ...shuffled.filter(([, f]) => f.region === 'us-east-1'),
    ...shuffled.filter(([, f]) => f.region !== 'us-east-1'),
  ].map(([, f]) => f);
  return { primary: ordered.slice(0, want), spare: ordered.slice(want) };
}

/** The file for burst `i`: round-robin over the primary files, spilling over when full. */
function placeBurst(
  chosen: ChosenFiles,
  byFile: ReadonlyMap<number, readonly string[]>,
  i: number,
  size: number,
): FilePlan {
  const room = (f: FilePlan): boolean => f.count - (byFile.get(f.index)?.length ?? 0) >= size;
  const { primary, spare } = chosen;
  for (let step = 0; step < primary.length; step++) {
    const f = primary[(i + step) % primary.length]!;
    if (room(f)) return f;
  }
  const f = spare.find(room);
  if (!f)
    throw new AppError('KS_USAGE', {
      reason: `the delivery files of the canary accounts cannot hold ${size} more canary events; use more records`,
    });
  return f;
}

function attacker(
  rng: Rng,
  file: FilePlan,
): { sourceIp: string; userAgent: string; timeMs: number } {
  return {
    sourceIp: rng.chance(0.15) ? publicIpv6(rng) : publicIpv4(rng),
    userAgent: rng.chance(0.5) ? kaliUserAgent(rng) : rng.pick(ATTACKER_AGENTS),
    timeMs: file.deliveryMs - rng.int(4, 12) * 60_000,
  };
}

const ATTACKER_AGENTS = [
  'TruffleHog',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.3 Botocore/1.34.69',
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.8.0-40-generic exe/x86_64.ubuntu.24 prompt/off',
];

/** Emit one burst; returns how many of its events carry the canary AKIA key. */
function runBurst(b: Burst, kind: BurstKind, size: number): number {
  const akia = akiaIdentity(b.canary);
  switch (kind) {
    case 'plain':
      for (let i = 0; i < size; i++) {
        emitProbe(b, akia, b.canary.userArn, i === 0 ? PROBES[0]! : pickProbe(b, false));
      }
      return size;
    case 'session':
      sessionBurst(b, akia, size);
      return 1;
    case 'federation':
      federationBurst(b, akia, size);
      return 1;
  }
}

/** GetSessionToken with the canary key, then calls with the new ASIA key (logged as the user). */
function sessionBurst(b: Burst, akia: Record<string, unknown>, size: number): void {
  const asia = newCanaryKey(b);
  const call = sts('GetSessionToken', { durationSeconds: 129600 }, credentials(b, asia));
  const issued = emit(b, akia, call);
  const attributes = { creationDate: eventTime(issued), mfaAuthenticated: 'false' };
  const identity = { ...akia, accessKeyId: asia, sessionContext: { attributes } };
  for (let i = 1; i < size; i++) emitProbe(b, identity, b.canary.userArn, pickProbe(b, true));
}

/** GetFederationToken with the canary key, then FederatedUser calls issued by the canary user. */
function federationBurst(b: Burst, akia: Record<string, unknown>, size: number): void {
  const asia = newCanaryKey(b);
  const name = b.rng.pick(['admin', 'ops', 'backup', 'temp']);
  const { accountId } = b.canary;
  const arn = `arn:aws:sts::${accountId}:federated-user/${name}`;
  const response = {
    ...credentials(b, asia),
    federatedUser: { federatedUserId: `${accountId}:${name}`, arn },
    packedPolicySize: 7,
  };
  const request = { name, policy: ALLOW_ALL, durationSeconds: 129600 };
  const issued = emit(b, akia, sts('GetFederationToken', request, response));
  const identity = federatedIdentity(b.canary, name, arn, asia, eventTime(issued));
  for (let i = 1; i < size; i++) emitProbe(b, identity, arn, pickProbe(b, true));
}

const ALLOW_ALL =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

interface StsCall {
  readonly name: string;
  readonly body: EventBody;
}

function sts(
  name: string,
  requestParameters: Record<string, unknown>,
  responseElements: Record<string, unknown>,
): StsCall {
  return { name, body: { requestParameters, responseElements } };
}

function credentials(b: Burst, accessKeyId: string): Record<string, unknown> {
  const expiration = stsExpiration(b.timeMs + 129_600_000);
  return { credentials: { accessKeyId, sessionToken: sessionToken(b.rng), expiration } };
}

function akiaIdentity(c: CanaryUser): Record<string, unknown> {
  const { principalId, userArn: arn, accountId, accessKeyId, userName } = c;
  return { type: 'IAMUser', principalId, arn, accountId, accessKeyId, userName };
}

function federatedIdentity(
  c: CanaryUser,
  name: string,
  arn: string,
  accessKeyId: string,
  creationDate: string,
): Record<string, unknown> {
  const issuer = {
    type: 'IAMUser',
    principalId: c.principalId,
    arn: c.userArn,
    accountId: c.accountId,
    userName: c.userName,
  };
  return {
    type: 'FederatedUser',
    principalId: `${c.accountId}:${name}`,
    arn,
    accountId: c.accountId,
    accessKeyId,
    sessionContext: {
      sessionIssuer: issuer,
      webIdFederationData: {},
      attributes: { creationDate, mfaAuthenticated: 'false' },
    },
  };
}

/** A fresh ASIA key for a canary session, never used by anyone else. */
function newCanaryKey(b: Burst): string {
  const { reserved, ordinaryIds } = b.world;
  let key = encodeKeyId('ASIA', b.canary.accountId, b.rng);
  while (reserved.has(key) || ordinaryIds.has(key))
    key = encodeKeyId('ASIA', b.canary.accountId, b.rng);
  reserved.add(key);
  return key;
}

function pickProbe(b: Burst, temporary: boolean): Probe {
  const global = b.file.region === 'us-east-1';
  return b.rng.pick(PROBES.filter((p) => !p.iam || (global && !temporary)));
}

function emitProbe(b: Burst, identity: Record<string, unknown>, arn: string, probe: Probe): void {
  const requestParameters =
    probe.name === 'ListAttachedUserPolicies'
      ? { userName: b.canary.userName }
      : probe.requestParameters;
  const call = { name: probe.name, body: { requestParameters } };
  emit(
    b,
    identity,
    call,
    probe.source,
    probe.denied ? deniedError(probe.source, probe.name, arn) : undefined,
  );
}

/** Append one record to the burst; returns its event time. */
function emit(
  b: Burst,
  identity: Record<string, unknown>,
  call: StsCall,
  source = 'sts.amazonaws.com',
  error?: { code: string; message: string },
): number {
  const timeMs = b.timeMs;
  b.timeMs += b.rng.int(1, 20) * 1000;
  const eventId = b.rng.uuid();
  const s3 = source === 's3.amazonaws.com';
  const record = assembleRecord(
    {
      identity,
      timeMs,
      source,
      name: call.name,
      region: b.file.region,
      sourceIp: b.sourceIp,
      userAgent: s3 ? `[${b.userAgent}]` : b.userAgent,
      ...(error ? { error } : {}),
      body: call.body,
      readOnly: true,
      category: 'Management',
      recipientAccountId: b.canary.accountId,
      eventId,
      tls: true,
    },
    b.rng,
  );
  b.out.push(JSON.stringify(record));
  b.eventIds.push(eventId);
  return timeMs;
}
