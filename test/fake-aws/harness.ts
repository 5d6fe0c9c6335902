/**
 * Test harness: a fresh fake per test and SDK clients pointed at it.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { afterEach, beforeEach } from 'vitest';
import { startFakeAws, type FakeAws } from './index.js';
import { fakeSdkConfig } from './sdk.js';

/** Credentials a client signs with. */
export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Access to the current test's fake and clients. */
export interface FakeHarness {
  readonly fake: FakeAws;
  /** IAM client as the admin, or as `credentials`. */
  iam(credentials?: TestCredentials, maxAttempts?: number): IAMClient;
  /** STS client as the admin, or as `credentials`. */
  sts(credentials?: TestCredentials, maxAttempts?: number): STSClient;
  /** S3 client (path style) as the admin, or as `credentials`. */
  s3(credentials?: TestCredentials): S3Client;
  /** SQS client as the admin, or as `credentials`. */
  sqs(credentials?: TestCredentials): SQSClient;
  /** CloudTrail client for `region` (default us-east-1) as the admin, or as `credentials`. */
  cloudTrail(region?: string, credentials?: TestCredentials): CloudTrailClient;
}

/** Start a fake before each test of the calling suite and close it after. */
export function useFakeAws(opts: { accountId?: string } = {}): FakeHarness {
  let current: FakeAws | undefined;
  beforeEach(async () => {
    current = await startFakeAws(opts);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const fake = (): FakeAws => {
    if (!current) throw new Error('the fake is only available inside a test');
    return current;
  };
  const config = (credentials?: TestCredentials, maxAttempts?: number) =>
    fakeSdkConfig(fake(), {
      ...(credentials ? { credentials } : {}),
      ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    });
  return {
    get fake() {
      return fake();
    },
    iam: (credentials, maxAttempts) => new IAMClient(config(credentials, maxAttempts)),
    sts: (credentials, maxAttempts) => new STSClient(config(credentials, maxAttempts)),
    s3: (credentials) => new S3Client({ ...config(credentials), forcePathStyle: true }),
    sqs: (credentials) => new SQSClient(config(credentials)),
    cloudTrail: (region = 'us-east-1', credentials) =>
      new CloudTrailClient({ ...config(credentials), region }),
  };
}

/** An error the SDK threw, with the response metadata tests assert on. */
export interface RejectedCall extends Error {
  readonly $metadata: { httpStatusCode?: number; attempts?: number; requestId?: string };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<RejectedCall> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err as RejectedCall;
    throw new Error('the call rejected with a non-Error value', { cause: err });
  }
  throw new Error('expected the call to fail, but it succeeded');
}
