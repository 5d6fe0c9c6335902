/**
 * A wire-level fake of the AWS IAM and STS Query APIs, S3 (path style), SQS (JSON) and CloudTrail
 * LookupEvents on 127.0.0.1, for driving the real AWS SDK v3 in tests. No real AWS is ever called.
 *
 * @example
 * const fake = await startFakeAws();
 * const iam = new IAMClient(fakeSdkConfig(fake));
 * await iam.send(new CreateUserCommand({ UserName: 'backup-sync' }));
 * await fake.close();
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildCallRecord,
  createCloudTrailLog,
  writeCloudTrailFile,
  type CloudTrailLog,
  type CloudTrailRecord,
} from './cloudtrail.js';
import { AppError } from '../../src/core/errors.js';
import { createLookupControl, type FakeLookupControl } from './cloudtrail-lookup.js';
import { createDataPlaneState } from './data-plane.js';
import { STATUS_BY_CODE } from './fault.js';
import { attachPolicy } from './iam-policies.js';
import { existingUser } from './operation.js';
import { createS3Control, type FakeS3Control } from './s3.js';
import { createFakeServer, type FakeCall } from './server.js';
import { addAccessKey, addUser, createState, noteKeyUse, type FakeState } from './state.js';
import { snapshotUsers, type FakeUserSnapshot } from './snapshot.js';
import { createSqsControl, type FakeSqsControl } from './sqs.js';

export type { FakeCall } from './server.js';
export type { CloudTrailRecord } from './cloudtrail.js';
export type { FakeUserSnapshot, FakeKeySnapshot } from './snapshot.js';
export type { FakeS3Control, KeyFailOptions } from './s3.js';
export type { FakeSqsControl, FakeSqsMessageSnapshot } from './sqs.js';
export type { FakeLookupControl } from './cloudtrail-lookup.js';

/** Name of the pre-created administrator the fake's `admin` credentials belong to. */
export const FAKE_ADMIN_USER = 'keysnare-admin';
/** The account id used when none is given. */
export const DEFAULT_FAKE_ACCOUNT = '123456789012';

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions {
  /** 12-digit account id (default {@link DEFAULT_FAKE_ACCOUNT}). */
  readonly accountId?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
}

/** Options of {@link FakeControl.failNext}. */
export interface FailOptions {
  /** HTTP status (default: AWS's status for the code, else 400). */
  readonly status?: number;
  /** How many consecutive calls fail (default 1). */
  readonly times?: number;
  readonly message?: string;
}

/** Test controls: clock, last-used data, failure injection and inspection. */
export interface FakeControl {
  /** Freeze the fake's clock at `date`; `undefined` returns to real time. */
  setNow(date: Date | undefined): void;
  /** The fake's current time. */
  now(): Date;
  /** Move a frozen (or real) clock forward by `ms` and freeze it there. */
  advance(ms: number): void;
  /** Record a use of an access key the way IAM does (15-minute rule); false when ignored. */
  recordKeyUse(accessKeyId: string, use: { date: Date; service: string; region: string }): boolean;
  /** Make the next `times` calls of `action` fail with `code`. */
  failNext(action: string, code: string, opts?: FailOptions): void;
  /** Make the next `times` calls of `action` fail with `Throttling` (HTTP 400, 'Rate exceeded'). */
  throttle(action: string, times: number): void;
  /** Polls (Generate/Get calls) after which a credential report being generated is ready (default 1). */
  reportReadyAfterPolls: number;
  /** Or: fake-clock milliseconds after which it is ready (default: unset). */
  reportReadyAfterMs: number | undefined;
  /** Every request seen, oldest first. */
  readonly calls: readonly FakeCall[];
  /** A deep snapshot of IAM users with their keys, policies, groups and tags. */
  users(): FakeUserSnapshot[];
  /** Attach a managed policy as AWS itself does (e.g. the compromised-key quarantine policy). */
  attachPolicyAsAws(userName: string, policyArn: string): void;
}

/** A running fake. */
export interface FakeAws {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  readonly accountId: string;
  /** Credentials of the pre-created administrator ({@link FAKE_ADMIN_USER}). */
  readonly admin: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly control: FakeControl;
  /** S3: buckets and objects, a failure for one key. */
  readonly s3: FakeS3Control;
  /** SQS: queues and messages. */
  readonly sqs: FakeSqsControl;
  /** CloudTrail Event history (LookupEvents) per region, and its rate limit. */
  readonly lookup: FakeLookupControl;
  /** Copies of every CloudTrail record emitted so far, oldest first. */
  cloudTrailRecords(): CloudTrailRecord[];
  /**
   * Write the records not yet written to an S3-delivery-shaped `.json.gz` under `dir`
   * (`AWSLogs/<acct>/CloudTrail/us-east-1/YYYY/MM/DD/…`), named by the fake's clock; returns its path.
   */
  writeCloudTrailFile(dir: string): Promise<string>;
  close(): Promise<void>;
}

function createAdmin(state: FakeState): { accessKeyId: string; secretAccessKey: string } {
  const user = addUser(state, { userName: FAKE_ADMIN_USER });
  attachPolicy(user, 'arn:aws:iam::aws:policy/AdministratorAccess');
  const key = addAccessKey(state, user.userName);
  return { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
}

function queueFailure(state: FakeState, action: string, code: string, opts: FailOptions): void {
  if ((opts.times ?? 1) <= 0) return;
  const queue = state.failures.get(action) ?? [];
  queue.push({
    code,
    status: opts.status ?? STATUS_BY_CODE[code] ?? 400,
    message: opts.message ?? `Injected ${code}`,
    remaining: opts.times ?? 1,
  });
  state.failures.set(action, queue);
}

function createControl(
  state: FakeState,
  calls: readonly FakeCall[],
  onAwsAttach: (userName: string, arn: string) => void,
): FakeControl {
  return {
    setNow: (date) => state.clock.set(date),
    now: () => state.clock.now(),
    advance: (ms) => state.clock.set(new Date(state.clock.now().getTime() + ms)),
    recordKeyUse: (accessKeyId, use) => noteKeyUse(state, accessKeyId, use),
    failNext: (action, code, opts = {}) => queueFailure(state, action, code, opts),
    throttle: (action, times) =>
      queueFailure(state, action, 'Throttling', { status: 400, times, message: 'Rate exceeded' }),
    get reportReadyAfterPolls() {
      return state.report.readyAfterPolls;
    },
    set reportReadyAfterPolls(n: number) {
      state.report.readyAfterPolls = n;
    },
    get reportReadyAfterMs() {
      return state.report.readyAfterMs;
    },
    set reportReadyAfterMs(ms: number | undefined) {
      if (ms === undefined) delete state.report.readyAfterMs;
      else state.report.readyAfterMs = ms;
    },
    get calls() {
      return [...calls];
    },
    users: () => snapshotUsers(state),
    attachPolicyAsAws: onAwsAttach,
  };
}

function awsAttach(state: FakeState, trail: CloudTrailLog): FakeControl['attachPolicyAsAws'] {
  return (userName: string, policyArn: string): void => {
    const user = existingUser(state, userName);
    attachPolicy(user, policyArn);
    // AWS acting on the account: no caller key, AWS-internal identity and source.
    trail.append(
      buildCallRecord({
        accountId: state.accountId,
        service: 'iam',
        action: 'AttachUserPolicy',
        readOnly: false,
        time: state.clock.now(),
        userAgent: 'AWS Internal',
        sourceIp: 'AWS Internal',
        requestId: randomUUID(),
        requestParameters: { userName: user.userName, policyArn },
        responseElements: null,
      }),
    );
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Start a fake IAM/STS endpoint on 127.0.0.1 with a pre-created administrator. */
export async function startFakeAws(opts: FakeAwsOptions = {}): Promise<FakeAws> {
  const accountId = opts.accountId ?? DEFAULT_FAKE_ACCOUNT;
  if (!/^\d{12}$/.test(accountId)) {
    throw new AppError('KS_USAGE', {
      reason: `fake AWS account id must be 12 digits: ${accountId}`,
    });
  }
  const state = createState(accountId);
  const trail = createCloudTrailLog();
  const calls: FakeCall[] = [];
  const admin = createAdmin(state);
  const data = createDataPlaneState();
  const server = createFakeServer({ state, trail, calls, data });
  const port = await listen(server, opts.port ?? 0);
  const endpoint = `http://127.0.0.1:${port}`;
  const now = (): Date => state.clock.now();
  return {
    endpoint,
    accountId,
    admin,
    control: createControl(state, calls, awsAttach(state, trail)),
    s3: createS3Control(data.s3, now),
    sqs: createSqsControl(data.sqs, { endpoint: () => endpoint, accountId, now }),
    lookup: createLookupControl(data.lookup),
    cloudTrailRecords: () => trail.all(),
    writeCloudTrailFile: (dir) =>
      writeCloudTrailFile(dir, accountId, state.clock.now(), trail.takeUndelivered()),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
