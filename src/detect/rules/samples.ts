/**
 * Builders for rule samples: small composed CloudTrail records (never copied from elsewhere).
 */
import type { Token } from '../../core/index.js';

/** The canary token most samples register. */
export const CANARY_SAMPLE_TOKEN: Token = {
  id: 'tok_sample0000001',
  accessKeyId: 'AKIAQEXAMPLECANARY01',
  userName: 'svc-billing-prod',
  userArn: 'arn:aws:iam::111122223333:user/svc-billing-prod',
  principalId: 'AIDAQEXAMPLECANARY001',
  accountId: '111122223333',
  label: 'build-7 credentials',
  placement: { host: 'build-7', path: '~/.aws/credentials', owner: 'platform-team' },
  status: 'active',
  origin: 'registered',
  createdAt: '2025-01-01T00:00:00.000Z',
};

let counter = 0;

/** Options for {@link sampleRecord}. */
export interface SampleOptions {
  readonly eventName?: string;
  readonly eventSource?: string;
  readonly eventTime?: string;
  readonly accessKeyId?: string;
  readonly errorCode?: string;
  readonly sourceIPAddress?: string;
  readonly userAgent?: string;
  readonly awsRegion?: string;
  readonly userIdentity?: Record<string, unknown>;
  readonly requestParameters?: Record<string, unknown> | null;
  readonly responseElements?: Record<string, unknown> | null;
  readonly eventID?: string;
}

/** A CloudTrail record made by the sample canary user unless `userIdentity` says otherwise. */
export function sampleRecord(o: SampleOptions): Record<string, unknown> {
  counter += 1;
  const t = CANARY_SAMPLE_TOKEN;
  return {
    eventVersion: '1.09',
    userIdentity: o.userIdentity ?? {
      type: 'IAMUser',
      principalId: t.principalId,
      arn: t.userArn,
      accountId: t.accountId,
      accessKeyId: o.accessKeyId ?? t.accessKeyId,
      userName: t.userName,
    },
    eventTime: o.eventTime ?? '2025-01-01T10:05:07Z',
    eventSource: o.eventSource ?? 'sts.amazonaws.com',
    eventName: o.eventName ?? 'GetCallerIdentity',
    awsRegion: o.awsRegion ?? 'us-east-1',
    sourceIPAddress: o.sourceIPAddress ?? '203.0.113.45',
    userAgent: o.userAgent ?? 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22',
    ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: 'Access Denied' } : {}),
    requestParameters: o.requestParameters ?? null,
    responseElements: o.responseElements ?? null,
    requestID: `req-${counter}`,
    eventID: o.eventID ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: t.accountId,
    eventCategory: 'Management',
  };
}
