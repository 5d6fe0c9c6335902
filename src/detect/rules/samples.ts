/**
 * Builders for rule samples: small composed CloudTrail records (never copied from elsewhere).
 */
import type { IpContext, Token } from '../../core/index.js';
import { cloudTrailRecord } from '../../core/index.js';

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
  const { accessKeyId, userIdentity, ...rest } = o;
  return cloudTrailRecord({
    userIdentity: userIdentity ?? {
      type: 'IAMUser',
      principalId: t.principalId,
      arn: t.userArn,
      accountId: t.accountId,
      accessKeyId: accessKeyId ?? t.accessKeyId,
      userName: t.userName,
    },
    eventTime: '2025-01-01T10:05:07Z',
    eventSource: 'sts.amazonaws.com',
    eventName: 'GetCallerIdentity',
    requestID: `req-${counter}`,
    eventID: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    recipientAccountId: t.accountId ?? '',
    ...definedOnly(rest),
  });
}

/** The options given, without the ones left undefined (so they do not replace defaults). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** An administrator of the sample account who is neither a canary nor a management principal. */
export const SAMPLE_ADMIN_IDENTITY: Readonly<Record<string, unknown>> = {
  type: 'IAMUser',
  principalId: 'AIDAQEXAMPLEADMIN0001',
  arn: 'arn:aws:iam::111122223333:user/alice',
  accountId: '111122223333',
  accessKeyId: 'AKIAQEXAMPLEADMIN001',
  userName: 'alice',
};

/** Options for {@link sampleIamCall}. */
export interface IamCallOptions extends Omit<SampleOptions, 'eventSource' | 'userIdentity'> {
  /** Who calls: 'canary' for the sample canary user, else a userIdentity (default: the admin). */
  readonly actor?: 'canary' | Readonly<Record<string, unknown>>;
  /** Logged `readOnly` (default false, as CloudTrail logs IAM changes). */
  readonly readOnly?: boolean;
  /** Logged `errorMessage` (default 'Access Denied' when `errorCode` is set). */
  readonly errorMessage?: string;
}

/** An IAM CloudTrail record (default AttachUserPolicy, by {@link SAMPLE_ADMIN_IDENTITY}). */
export function sampleIamCall(o: IamCallOptions): Record<string, unknown> {
  const { actor, readOnly, errorMessage, ...rest } = o;
  const base = sampleRecord({
    eventName: 'AttachUserPolicy',
    ...rest,
    eventSource: 'iam.amazonaws.com',
    ...(actor === 'canary' ? {} : { userIdentity: { ...(actor ?? SAMPLE_ADMIN_IDENTITY) } }),
  });
  return { ...base, readOnly: readOnly ?? false, ...(errorMessage ? { errorMessage } : {}) };
}

/** The errorMessage IAM logs when `callerArn` is denied `action` on the user `userName`. */
export function sampleDeniedMessage(callerArn: string, action: string, userName: string): string {
  return `User: ${callerArn} is not authorized to perform: iam:${action} on resource: user ${userName} because no identity-based policy allows the iam:${action} action`;
}

/** A role session of the sample account, with its role as session issuer. */
export function sampleRoleIdentity(roleName: string, sessionName: string): Record<string, unknown> {
  const account = CANARY_SAMPLE_TOKEN.accountId ?? '';
  return {
    type: 'AssumedRole',
    principalId: `AROAQEXAMPLEROLE00001:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId: 'ASIAQEXAMPLEROLE0001',
    sessionContext: {
      sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${account}:role/${roleName}` },
    },
  };
}

/** An IAM user of the sample account (not a canary) with its own access key. */
export function sampleUserIdentity(userName: string, accessKeyId: string): Record<string, unknown> {
  const account = CANARY_SAMPLE_TOKEN.accountId ?? '';
  return {
    type: 'IAMUser',
    principalId: `AIDAQ${userName
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, '')
      .padEnd(16, '0')
      .slice(0, 16)}`,
    arn: `arn:aws:iam::${account}:user/${userName}`,
    accountId: account,
    accessKeyId,
    userName,
  };
}

/** `base` plus `minutes` minutes, as CloudTrail writes times. */
export function sampleTime(base: string, minutes: number): string {
  return new Date(Date.parse(base) + minutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Offline IP context for samples, over the documentation ranges (RFC 5737) and private-use AS
 * numbers (RFC 6996): composed, not real data. The rules test hands it to every sample's engine.
 */
export const SAMPLE_IP_CONTEXT = (ip: string): IpContext | undefined => {
  if (ip.startsWith('198.51.100.'))
    return { country: 'US', asn: 64496, asOrg: 'Example Home Broadband' };
  if (ip.startsWith('203.0.113.'))
    return { country: 'NL', asn: 64511, asOrg: 'Example Hosting B.V.', provider: 'hosting' };
  if (ip.startsWith('192.0.2.'))
    return { country: 'US', asn: 64500, asOrg: 'Example Office Network' };
  return /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? {} : undefined;
};
