/**
 * Builders for the project's own CloudTrail fixtures (composed here, never copied).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cloudTrailRecord, keyIdForAccount } from '../../src/core/index.js';

export const ACCOUNT = '111122223333';

/** A deterministic key id for the test account. */
export function testKey(prefix: 'AKIA' | 'ASIA', n: number, account = ACCOUNT): string {
  return keyIdForAccount(
    prefix,
    account,
    new Uint8Array([n & 255, (n >> 8) & 255, 17, 42, n % 251]),
  );
}

let seq = 0;

/** A CloudTrail record with sensible defaults (built by the one record builder in core). */
export function ctRecord(o: {
  eventName?: string;
  eventSource?: string;
  time?: string;
  identity: Record<string, unknown>;
  ip?: string;
  ua?: string;
  region?: string;
  errorCode?: string;
  /** With `errorCode`; default 'denied'. */
  errorMessage?: string;
  /** Default true (the record builder's default); write calls set false. */
  readOnly?: boolean;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: Record<string, unknown> | null;
  eventID?: string;
}): Record<string, unknown> {
  seq += 1;
  return cloudTrailRecord({
    userIdentity: o.identity,
    eventTime: o.time ?? '2025-03-01T10:00:00Z',
    eventSource: o.eventSource ?? 'sts.amazonaws.com',
    eventName: o.eventName ?? 'GetCallerIdentity',
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: o.ip ?? '203.0.113.45',
    userAgent: o.ua ?? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0',
    ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: o.errorMessage ?? 'denied' } : {}),
    ...(o.readOnly === undefined ? {} : { readOnly: o.readOnly }),
    requestParameters: o.requestParameters ?? null,
    responseElements: o.responseElements ?? null,
    requestID: `r-${seq}`,
    eventID: o.eventID ?? `e${String(seq).padStart(7, '0')}-0000-4000-8000-000000000000`,
    recipientAccountId: ACCOUNT,
  });
}

/** userIdentity of an IAM user. */
export function iamUser(
  name: string,
  accessKeyId: string,
  principalId: string,
  account = ACCOUNT,
): Record<string, unknown> {
  return {
    type: 'IAMUser',
    principalId,
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    accessKeyId,
    userName: name,
  };
}

/** Write an S3-delivery-shaped gz file under dir/AWSLogs/…; returns its path. */
export function writeDelivery(
  dir: string,
  stamp: string,
  records: readonly unknown[],
  region = 'us-east-1',
): string {
  const day = join(
    dir,
    'AWSLogs',
    ACCOUNT,
    'CloudTrail',
    region,
    stamp.slice(0, 4),
    stamp.slice(4, 6),
    stamp.slice(6, 8),
  );
  mkdirSync(day, { recursive: true });
  const file = join(day, `${ACCOUNT}_CloudTrail_${region}_${stamp}Z_AbCdEfGhIjKlMnOp.json.gz`);
  writeFileSync(file, gzipSync(JSON.stringify({ Records: records })));
  return file;
}

/** `base` plus `minutes` (fractions allowed), as CloudTrail writes times (no milliseconds). */
export function minutesAfter(base: string, minutes: number): string {
  return new Date(Date.parse(base) + Math.round(minutes * 60_000))
    .toISOString()
    .replace('.000Z', 'Z');
}

/**
 * Write records as CloudTrail delivers them: one file per region and `bucketMinutes` of event
 * time, stamped with the end of its bucket. Returns the files, keyed `region@stamp`.
 */
export function writeDeliveries(
  dir: string,
  records: readonly Record<string, unknown>[],
  bucketMinutes = 5,
): Map<string, string> {
  const bucketMs = bucketMinutes * 60_000;
  const groups = new Map<string, { region: string; stamp: string; records: unknown[] }>();
  for (const r of records) {
    const end = Math.floor(Date.parse(String(r['eventTime'])) / bucketMs) * bucketMs + bucketMs;
    const stamp = new Date(end).toISOString().slice(0, 16).replace(/[-:]/g, '');
    const region = String(r['awsRegion']);
    const key = `${region}@${stamp}`;
    const g = groups.get(key) ?? { region, stamp, records: [] };
    g.records.push(r);
    groups.set(key, g);
  }
  return new Map(
    [...groups].map(([key, g]) => [key, writeDelivery(dir, g.stamp, g.records, g.region)]),
  );
}
