/**
 * The simulated organisation behind the benchmark trail: accounts, their resources, the ordinary
 * principals that make the everyday traffic, and the canary IAM users. Canary identifiers are
 * reserved first so no ordinary principal can ever collide with one.
 */
import { sourceIpFor, userAgentFor, type ClientKind } from './agents.js';
import { encodeKeyId, encodeUniqueId } from './key-ids.js';
import type { Rng } from './prng.js';

/** Resources of one account that events refer to. */
export interface AccountAssets {
  readonly accountId: string;
  readonly buckets: readonly string[];
  readonly kmsKeys: readonly string[];
  readonly functions: readonly string[];
  readonly secrets: readonly string[];
  readonly roles: readonly string[];
}

/** What kind of ordinary principal makes a call. */
export type PrincipalKind = 'iam-user' | 'assumed-role' | 'aws-service';

/** An ordinary (non-canary) caller. */
export interface Principal {
  readonly kind: PrincipalKind;
  readonly accountId: string;
  /** `userIdentity` exactly as logged. */
  readonly identity: Readonly<Record<string, unknown>>;
  /** The ARN shown in access-denied messages. */
  readonly arn: string;
  readonly client: ClientKind | 'aws-service';
  readonly sourceIp: string;
  readonly userAgent: string;
}

/** A canary IAM user and its one access key, as written to tokens.json (plus its principalId). */
export interface CanaryUser {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly userArn: string;
  readonly accountId: string;
  readonly principalId: string;
  readonly label: string;
  readonly placement: { readonly host: string; readonly path: string; readonly owner: string };
}

/** Everything the record generators draw from. */
export interface World {
  readonly accounts: readonly AccountAssets[];
  readonly canaries: readonly CanaryUser[];
  readonly canariesByAccount: ReadonlyMap<string, readonly CanaryUser[]>;
  readonly principals: ReadonlyMap<string, Readonly<Record<PrincipalKind, readonly Principal[]>>>;
  /** Every identifier and name that belongs to a canary or its sessions. */
  readonly reserved: Set<string>;
  /** Key ids and principal ids of the ordinary principals (canary sessions must avoid them). */
  readonly ordinaryIds: ReadonlySet<string>;
}

const CANARY_WORDS = [
  'backup',
  'deploy',
  'billing',
  'reporting',
  'etl',
  'legacy',
  'ledger',
  'vault',
];
const CANARY_ROLES = ['sync', 'runner', 'svc', 'bot', 'export', 'agent', 'admin', 'reader'];
const CANARY_PATHS = ['/', '/svc/', '/ci/', '/ops/backup/'];
const HOSTS = ['build-7', 'jenkins-02', 'bastion-eu', 'laptop-mk', 'gitlab-runner-3', 'web-prod-4'];
const BAIT_PATHS = ['~/.aws/credentials', '.env', 'terraform.tfvars', 'config/settings.py'];
const OWNERS = ['platform-team', 'secops', 'data-eng', 'it-ops'];
const HUMANS = [
  'alice.martin',
  'bob.nguyen',
  'carol.smith',
  'dan.ito',
  'erin.kowalski',
  'femi.ade',
];
const SERVICE_USERS = [
  'svc-datadog',
  'svc-github-ci',
  'svc-snowflake',
  'svc-grafana',
  'svc-s3-replicator',
];
const ROLE_NAMES = [
  'app-backend-role',
  'eks-node-role',
  'lambda-exec-ingest',
  'github-actions-deploy',
  'AWSReservedSSO_Admin_3f2a9c1d7e6b5a40',
  'AWSReservedSSO_ReadOnly_91ab0c4d2e3f',
  'datadog-integration',
  'batch-worker-role',
];
const SERVICES = [
  'lambda.amazonaws.com',
  'ec2.amazonaws.com',
  'cloudtrail.amazonaws.com',
  's3.amazonaws.com',
  'config.amazonaws.com',
];

/** Build the world for `canaries` canary users spread over three accounts. */
export function createWorld(rng: Rng, canaries: number): World {
  const reserved = new Set<string>();
  const accounts = [0, 1, 2].map(() => createAssets(rng, rng.chars('0123456789', 12)));
  const canaryList: CanaryUser[] = [];
  const names = new Set<string>();
  for (let i = 0; i < canaries; i++) {
    const canary = createCanary(rng, accounts[i % accounts.length]!.accountId, names, reserved);
    canaryList.push(canary);
  }
  const canariesByAccount = new Map<string, CanaryUser[]>();
  for (const c of canaryList) {
    canariesByAccount.set(c.accountId, [...(canariesByAccount.get(c.accountId) ?? []), c]);
  }
  const principals = new Map(
    accounts.map((a) => [a.accountId, createPrincipals(rng, a, reserved)] as const),
  );
  const ordinaryIds = new Set<string>();
  for (const pools of principals.values()) {
    for (const p of [...pools['iam-user'], ...pools['assumed-role']]) {
      ordinaryIds.add(String(p.identity['accessKeyId']));
      ordinaryIds.add(String(p.identity['principalId']).split(':')[0] ?? '');
    }
  }
  return { accounts, canaries: canaryList, canariesByAccount, principals, reserved, ordinaryIds };
}

function createAssets(rng: Rng, accountId: string): AccountAssets {
  const word = (): string => rng.pick(['data', 'logs', 'media', 'exports', 'artifacts', 'backups']);
  return {
    accountId,
    buckets: [0, 1, 2, 3, 4].map((i) => `acme-${word()}-${accountId.slice(-4)}-${i}`),
    kmsKeys: [0, 1, 2].map(() => rng.uuid()),
    functions: ['ingest-events', 'thumbnailer', 'nightly-report', 'webhook-relay'],
    secrets: [0, 1, 2].map(
      (i) => `prod/app-${i}/db-credentials-${rng.chars('abcdefghijklmnop', 6)}`,
    ),
    roles: ROLE_NAMES,
  };
}

function createCanary(
  rng: Rng,
  accountId: string,
  names: Set<string>,
  reserved: Set<string>,
): CanaryUser {
  let userName = `${rng.pick(CANARY_WORDS)}-${rng.pick(CANARY_ROLES)}`;
  for (let n = 2; names.has(userName); n++) userName = `${userName.replace(/-\d+$/, '')}-${n}`;
  names.add(userName);
  const path = rng.pick(CANARY_PATHS);
  const accessKeyId = uniqueId(() => encodeKeyId('AKIA', accountId, rng), reserved);
  const principalId = uniqueId(() => encodeUniqueId('AIDA', accountId, rng), reserved);
  reserved.add(userName);
  const placement = { host: rng.pick(HOSTS), path: rng.pick(BAIT_PATHS), owner: rng.pick(OWNERS) };
  return {
    accessKeyId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user${path}${userName}`,
    accountId,
    principalId,
    label: `${userName} on ${placement.host}`,
    placement,
  };
}

/** Draw ids until one is not reserved, then reserve it. */
export function uniqueId(draw: () => string, reserved: Set<string>): string {
  let id = draw();
  while (reserved.has(id)) id = draw();
  reserved.add(id);
  return id;
}

/** Draw an id that is not reserved, without reserving it (ordinary, possibly repeated, ids). */
export function freeId(draw: () => string, reserved: ReadonlySet<string>): string {
  let id = draw();
  while (reserved.has(id)) id = draw();
  return id;
}

function createPrincipals(
  rng: Rng,
  assets: AccountAssets,
  reserved: ReadonlySet<string>,
): Record<PrincipalKind, Principal[]> {
  const users = [...HUMANS, ...SERVICE_USERS, 'pentest-contractor']
    .filter((name) => !reserved.has(name))
    .map((name) => createUser(rng, assets.accountId, name, reserved));
  const sessions: Principal[] = [];
  for (const role of assets.roles) {
    for (let s = 0; s < 6; s++) sessions.push(createSession(rng, assets.accountId, role, reserved));
  }
  const services = SERVICES.map((invokedBy) => ({
    kind: 'aws-service' as const,
    accountId: assets.accountId,
    identity: { type: 'AWSService', invokedBy },
    arn: invokedBy,
    client: 'aws-service' as const,
    sourceIp: invokedBy,
    userAgent: invokedBy,
  }));
  return { 'iam-user': users, 'assumed-role': sessions, 'aws-service': services };
}

function createUser(
  rng: Rng,
  accountId: string,
  userName: string,
  reserved: ReadonlySet<string>,
): Principal {
  const client: ClientKind =
    userName === 'pentest-contractor'
      ? 'kali'
      : userName.startsWith('svc-')
        ? rng.pick<ClientKind>(['boto3', 'sdk-go', 'terraform', 'sdk-java'])
        : rng.pick<ClientKind>(['aws-cli', 'console', 'terraform', 'aws-cli']);
  const arn = `arn:aws:iam::${accountId}:user/${userName}`;
  const identity = {
    type: 'IAMUser',
    principalId: freeId(() => encodeUniqueId('AIDA', accountId, rng), reserved),
    arn,
    accountId,
    accessKeyId: freeId(() => encodeKeyId('AKIA', accountId, rng), reserved),
    userName,
  };
  const userAgent = userAgentFor(client, rng);
  return {
    kind: 'iam-user',
    accountId,
    identity,
    arn,
    client,
    sourceIp: sourceIpFor(client, rng),
    userAgent,
  };
}

function workloadSessionName(rng: Rng): string {
  return rng.pick([
    `i-0${rng.chars('0123456789abcdef', 16)}`,
    `botocore-session-${rng.int(1.7e9, 1.75e9)}`,
    `GitHubActions-${rng.int(1e9, 9e9)}`,
  ]);
}

function createSession(
  rng: Rng,
  accountId: string,
  role: string,
  reserved: ReadonlySet<string>,
): Principal {
  const sso = role.startsWith('AWSReservedSSO');
  const client: ClientKind = sso
    ? rng.pick<ClientKind>(['console', 'aws-cli'])
    : rng.pick<ClientKind>(['boto3', 'sdk-js', 'sdk-java', 'sdk-go', 'terraform']);
  const sessionName = sso ? `${rng.pick(HUMANS)}@acme.example` : workloadSessionName(rng);
  const roleId = freeId(() => encodeUniqueId('AROA', accountId, rng), reserved);
  const roleArn = `arn:aws:iam::${accountId}:role/${sso ? 'aws-reserved/sso.amazonaws.com/' : ''}${role}`;
  const arn = `arn:aws:sts::${accountId}:assumed-role/${role}/${sessionName}`;
  const identity = {
    type: 'AssumedRole',
    principalId: `${roleId}:${sessionName}`,
    arn,
    accountId,
    accessKeyId: freeId(() => encodeKeyId('ASIA', accountId, rng), reserved),
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: roleId, arn: roleArn, accountId, userName: role },
      webIdFederationData: {},
      attributes: { creationDate: '2025-03-02T22:12:41Z', mfaAuthenticated: String(sso) },
    },
  };
  const userAgent = userAgentFor(client, rng);
  return {
    kind: 'assumed-role',
    accountId,
    identity,
    arn,
    client,
    sourceIp: sourceIpFor(client, rng),
    userAgent,
  };
}
