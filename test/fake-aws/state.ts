/**
 * In-memory state of the fake AWS account: IAM users, groups, access keys, STS sessions, the
 * credential report, the controllable clock and failure injection.
 */
import { generateAccessKeyId, generateSecret, generateUniqueId } from './ids.js';

/** A tag as IAM stores it. */
export interface FakeTag {
  key: string;
  value: string;
}

/** When a key last signed a request, as GetAccessKeyLastUsed reports it. */
export interface FakeKeyUse {
  date: Date;
  service: string;
  region: string;
}

/** An IAM access key (long-term, `AKIA…`). */
export interface FakeAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  status: 'Active' | 'Inactive' | 'Expired';
  createDate: Date;
  /** Creation order, for credential-report slots. */
  seq: number;
  lastUsed?: FakeKeyUse;
}

/** An IAM user. */
export interface FakeUser {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: Date;
  tags: FakeTag[];
  /** Inline policies by name, documents as given (URL-decoded JSON text). */
  inlinePolicies: Map<string, string>;
  /** Attached managed policy ARNs, in attach order. */
  attachedPolicies: string[];
  /** Group names. */
  groups: string[];
  loginProfile?: { createDate: Date };
}

/** An IAM group. */
export interface FakeGroup {
  groupName: string;
  groupId: string;
  path: string;
  arn: string;
  createDate: Date;
}

/** Temporary credentials from GetSessionToken. */
export interface FakeSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  userName: string;
  parentAccessKeyId: string;
  createDate: Date;
  expiration: Date;
}

/** The credential report and its generation task. */
export interface FakeReportState {
  report?: { csv: string; generatedTime: Date };
  generation?: { startedAt: Date; polls: number };
  /** Polls (Generate/Get calls) after which a started generation is ready. */
  readyAfterPolls: number;
  /** Or: fake-clock milliseconds after which it is ready. */
  readyAfterMs?: number;
}

/** A queued injected failure. */
export interface FakeFailure {
  code: string;
  status: number;
  message: string;
  remaining: number;
}

/** The fake's clock: real time unless frozen by a test. */
export interface FakeClock {
  now(): Date;
  set(date: Date | undefined): void;
}

/** Everything the fake knows. Keys of `users`/`groups` are lower-case names (IAM names are case-insensitive). */
export interface FakeState {
  readonly accountId: string;
  readonly createdAt: Date;
  readonly clock: FakeClock;
  readonly users: Map<string, FakeUser>;
  readonly groups: Map<string, FakeGroup>;
  readonly keys: Map<string, FakeAccessKey>;
  readonly sessions: Map<string, FakeSession>;
  readonly report: FakeReportState;
  readonly failures: Map<string, FakeFailure[]>;
  nextSeq: number;
}

/** A clock that returns real time until `set` freezes it. */
export function createClock(): FakeClock {
  let frozen: Date | undefined;
  return {
    now: () => new Date(frozen?.getTime() ?? Date.now()),
    set: (date) => {
      frozen = date === undefined ? undefined : new Date(date.getTime());
    },
  };
}

/** Fresh, empty account state. */
export function createState(accountId: string): FakeState {
  const clock = createClock();
  return {
    accountId,
    createdAt: clock.now(),
    clock,
    users: new Map(),
    groups: new Map(),
    keys: new Map(),
    sessions: new Map(),
    report: { readyAfterPolls: 1 },
    failures: new Map(),
    nextSeq: 1,
  };
}

/** The ARN of an IAM user or group: `arn:aws:iam::<acct>:user/<path-without-leading-slash><name>`. */
export function iamArn(
  state: FakeState,
  kind: 'user' | 'group',
  path: string,
  name: string,
): string {
  return `arn:aws:iam::${state.accountId}:${kind}${path}${name}`;
}

/** Add a user (no validation; callers validate). */
export function addUser(
  state: FakeState,
  input: { userName: string; path?: string; tags?: FakeTag[] },
): FakeUser {
  const path = input.path ?? '/';
  const user: FakeUser = {
    userName: input.userName,
    userId: generateUniqueId('AIDA'),
    path,
    arn: iamArn(state, 'user', path, input.userName),
    createDate: state.clock.now(),
    tags: input.tags ?? [],
    inlinePolicies: new Map(),
    attachedPolicies: [],
    groups: [],
  };
  state.users.set(input.userName.toLowerCase(), user);
  return user;
}

/** Add an active access key for `userName` (no quota check; callers check). */
export function addAccessKey(state: FakeState, userName: string): FakeAccessKey {
  const key: FakeAccessKey = {
    accessKeyId: generateAccessKeyId('AKIA', state.accountId),
    secretAccessKey: generateSecret(),
    userName,
    status: 'Active',
    createDate: state.clock.now(),
    seq: state.nextSeq++,
  };
  state.keys.set(key.accessKeyId, key);
  return key;
}

/** The user's access keys in creation order. */
export function keysOfUser(state: FakeState, userName: string): FakeAccessKey[] {
  return [...state.keys.values()]
    .filter((k) => k.userName === userName)
    .sort((a, b) => a.seq - b.seq);
}

/** The user with this name (case-insensitive), if any. */
export function findUser(state: FakeState, userName: string): FakeUser | undefined {
  return state.users.get(userName.toLowerCase());
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

/**
 * Record that a key signed a request, the way IAM does: a use within 15 minutes after the recorded
 * one is ignored (the first use in a 15-minute span is kept), and so is an older use.
 */
export function noteKeyUse(state: FakeState, accessKeyId: string, use: FakeKeyUse): boolean {
  const key = state.keys.get(accessKeyId);
  if (!key) return false;
  const prev = key.lastUsed;
  if (prev && use.date.getTime() - prev.date.getTime() < FIFTEEN_MINUTES) return false;
  key.lastUsed = { date: new Date(use.date.getTime()), service: use.service, region: use.region };
  return true;
}

/** Take the next injected failure for `action`, if one is queued. */
export function takeFailure(state: FakeState, action: string): FakeFailure | undefined {
  const queue = state.failures.get(action);
  const head = queue?.[0];
  if (!queue || !head) return undefined;
  head.remaining -= 1;
  if (head.remaining <= 0) queue.shift();
  return head;
}
