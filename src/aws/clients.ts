/**
 * Construction of the SDK clients from Keysnare's `aws` config. Everything the SDK reads itself
 * (credentials chain, `AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_IAM`,
 * `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SQS`,
 * `AWS_ENDPOINT_URL_CLOUDTRAIL`, …) is left to the SDK; Keysnare only adds what its config says.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { AppError, describeError } from '../core/index.js';

/** Keysnare's AWS settings (from keysnare.yaml `aws`), plus test overrides. */
export interface AwsSettings {
  readonly region?: string;
  readonly profile?: string;
  /** Explicit endpoint (tests); normally AWS_ENDPOINT_URL_* via the SDK. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  /** Attempts per call including the first; throttling and 5xx are retried with backoff. */
  readonly maxAttempts?: number;
}

/** Keysnare's suffix in the user agent, so its own calls can be told apart in CloudTrail. */
export const KEYSNARE_APP_ID = 'keysnare';

function common(s: AwsSettings, fallbackRegion: string) {
  return {
    region: s.region ?? fallbackRegion,
    maxAttempts: s.maxAttempts ?? 5,
    retryMode: 'standard' as const,
    customUserAgent: KEYSNARE_APP_ID,
    ...(s.profile ? { profile: s.profile } : {}),
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
  };
}

/** An IAM client (IAM is global: region defaults to us-east-1 unless configured). */
export function createIamClient(s: AwsSettings, envRegion?: string): IAMClient {
  try {
    return new IAMClient(common(s, envRegion ?? 'us-east-1'));
  } catch (err) {
    throw new AppError(
      'KS_AWS',
      { operation: 'client setup', reason: describeError(err) },
      { cause: err },
    );
  }
}

/** An STS client. */
export function createStsClient(s: AwsSettings, envRegion?: string): STSClient {
  try {
    return new STSClient(common(s, envRegion ?? 'us-east-1'));
  } catch (err) {
    throw new AppError(
      'KS_AWS',
      { operation: 'client setup', reason: describeError(err) },
      { cause: err },
    );
  }
}

function construct<T>(make: () => T): T {
  try {
    return make();
  } catch (err) {
    throw new AppError(
      'KS_AWS',
      { operation: 'client setup', reason: describeError(err) },
      { cause: err },
    );
  }
}

/**
 * An S3 client for the bucket's region (default us-east-1; requests redirected to another region
 * are followed). Path-style addressing when an endpoint is configured, or when `forcePathStyle`
 * says so (app.ts sets it when `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` is set): local
 * stand-ins for S3 rarely resolve `bucket.host` names.
 */
export function createS3Client(
  s: AwsSettings,
  region?: string,
  opts: { readonly forcePathStyle?: boolean } = {},
): S3Client {
  return construct(
    () =>
      new S3Client({
        ...common(s, region ?? 'us-east-1'),
        ...(region ? { region } : {}),
        forcePathStyle: opts.forcePathStyle ?? s.endpoint !== undefined,
        followRegionRedirects: true,
      }),
  );
}

/** An SQS client for the queue's region (the SDK sends each call to the queue URL's host). */
export function createSqsClient(s: AwsSettings, region?: string): SQSClient {
  return construct(
    () => new SQSClient({ ...common(s, region ?? 'us-east-1'), ...(region ? { region } : {}) }),
  );
}

/** A CloudTrail client for one region (LookupEvents is per region). */
export function createCloudTrailClient(s: AwsSettings, region: string): CloudTrailClient {
  return construct(() => new CloudTrailClient({ ...common(s, region), region }));
}

/** Turn an SDK error into an AppError with `details.awsCode`. */
export function awsError(operation: string, err: unknown): AppError {
  const e = err as {
    name?: string;
    Code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const awsCode = (e.Code ?? e.name ?? 'Unknown').replace(/Exception$/, '');
  const status = e.$metadata?.httpStatusCode;
  const reason = `${awsCode}${status ? ` (HTTP ${status})` : ''}: ${describeError(err)}`;
  const code =
    awsCode === 'AccessDenied' || awsCode === 'AccessDeniedException'
      ? 'KS_AWS_ACCESS_DENIED'
      : 'KS_AWS';
  return new AppError(
    code,
    { operation, reason, awsCode, ...(status ? { httpStatus: status } : {}) },
    { cause: err },
  );
}

/** True when an AppError from {@link awsError} carries this AWS code. */
export function hasAwsCode(err: unknown, awsCode: string): boolean {
  return err instanceof AppError && err.details['awsCode'] === awsCode;
}
