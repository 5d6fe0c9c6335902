/**
 * CloudTrail emission: one management-event record per IAM/STS call (aws.md §1.1–1.3), and
 * S3-delivery-shaped `.json.gz` log files (§2.1–2.2).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { cloudTrailErrorCode } from './fault.js';
import { randomAlnum } from './ids.js';
import type { Caller } from './operation.js';
import { isoSeconds, type FakeService } from './xml.js';

const gzipAsync = promisify(gzip);

/** The region IAM and global STS events are recorded in. */
export const CLOUDTRAIL_REGION = 'us-east-1';

/** A CloudTrail record as delivered (JSON object). */
export type CloudTrailRecord = Record<string, unknown>;

/** Everything needed to log one call. */
export interface CallRecordInput {
  readonly accountId: string;
  readonly service: FakeService;
  readonly action: string;
  readonly readOnly: boolean;
  /** The signer, when known; undefined only for records about AWS itself acting. */
  readonly caller?: Caller;
  readonly time: Date;
  readonly userAgent?: string;
  readonly sourceIp: string;
  readonly requestId: string;
  readonly requestParameters: Record<string, unknown> | null;
  readonly responseElements: Record<string, unknown> | null;
  readonly error?: { readonly code: string; readonly message: string };
}

/** `userIdentity` of a caller: IAMUser for long-term keys and GetSessionToken sessions alike. */
export function userIdentityOf(caller: Caller, accountId: string): Record<string, unknown> {
  const identity: Record<string, unknown> = {
    type: 'IAMUser',
    principalId: caller.user.userId,
    arn: caller.user.arn,
    accountId,
    accessKeyId: caller.accessKeyId,
    userName: caller.user.userName,
  };
  if (caller.session) {
    identity['sessionContext'] = {
      attributes: {
        creationDate: isoSeconds(caller.session.createDate),
        mfaAuthenticated: 'false',
      },
    };
  }
  return identity;
}

const AWS_INTERNAL_IDENTITY = { type: 'AWSService', invokedBy: 'AWS Internal' };

/** Build the record for one call. */
export function buildCallRecord(input: CallRecordInput): CloudTrailRecord {
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: input.caller
      ? userIdentityOf(input.caller, input.accountId)
      : { ...AWS_INTERNAL_IDENTITY, accountId: input.accountId },
    eventTime: isoSeconds(input.time),
    eventSource: `${input.service}.amazonaws.com`,
    eventName: input.action,
    awsRegion: CLOUDTRAIL_REGION,
    sourceIPAddress: input.sourceIp,
  };
  if (input.userAgent !== undefined) record['userAgent'] = input.userAgent.slice(0, 1024);
  if (input.error) {
    record['errorCode'] = cloudTrailErrorCode(input.error.code);
    record['errorMessage'] = input.error.message.slice(0, 1024);
  }
  return {
    ...record,
    requestParameters: input.requestParameters,
    responseElements: input.error ? null : input.responseElements,
    requestID: input.requestId,
    eventID: randomUUID(),
    readOnly: input.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.accountId,
    eventCategory: 'Management',
  };
}

/** The records the fake has emitted, and which have already been written to a file. */
export interface CloudTrailLog {
  append(record: CloudTrailRecord): void;
  /** Deep copies of all records, oldest first. */
  all(): CloudTrailRecord[];
  /** Records not yet written by {@link writeCloudTrailFile}; marks them written. */
  takeUndelivered(): CloudTrailRecord[];
}

/** An empty log. */
export function createCloudTrailLog(): CloudTrailLog {
  const records: CloudTrailRecord[] = [];
  let delivered = 0;
  return {
    append: (record) => {
      records.push(record);
    },
    all: () => records.map((r) => structuredClone(r)),
    takeUndelivered: () => {
      const out = records.slice(delivered).map((r) => structuredClone(r));
      delivered = records.length;
      return out;
    },
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * The S3 key of a log file delivered at `time`:
 * `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<16>.json.gz`.
 */
export function cloudTrailObjectKey(accountId: string, time: Date): string {
  const y = String(time.getUTCFullYear());
  const m = pad(time.getUTCMonth() + 1);
  const d = pad(time.getUTCDate());
  const stamp = `${y}${m}${d}T${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}Z`;
  const name = `${accountId}_CloudTrail_${CLOUDTRAIL_REGION}_${stamp}_${randomAlnum(16)}.json.gz`;
  return ['AWSLogs', accountId, 'CloudTrail', CLOUDTRAIL_REGION, y, m, d, name].join('/');
}

/** Write `{"Records":[…]}` gzipped under `dir` at the S3-shaped key; returns the file path. */
export async function writeCloudTrailFile(
  dir: string,
  accountId: string,
  time: Date,
  records: readonly CloudTrailRecord[],
): Promise<string> {
  const file = path.join(dir, ...cloudTrailObjectKey(accountId, time).split('/'));
  await mkdir(path.dirname(file), { recursive: true });
  const body = await gzipAsync(Buffer.from(JSON.stringify({ Records: records }), 'utf8'));
  await writeFile(file, body);
  return file;
}
