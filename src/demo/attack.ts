/**
 * A composed attack for `keysnare demo`: an attacker finds a canary key on a build host, checks it,
 * turns it into session keys, and probes around; a second canary is tried by a secret scanner.
 * Around it, ordinary traffic from real users. All records are composed here (fake accounts/IPs).
 */
import type { Placement } from '../core/index.js';
import { cloudTrailRecord, keyIdForAccount } from '../core/index.js';

/** Demo canary account (documentation-style number). */
export const DEMO_ACCOUNT = '111122223333';

const key = (prefix: 'AKIA' | 'ASIA', n: number): string =>
  keyIdForAccount(
    prefix,
    DEMO_ACCOUNT,
    new Uint8Array([n, n * 7, n * 13, n * 29, n * 31].map((x) => x & 255)),
  );

/** A demo canary (input for token registration). */
export interface DemoCanary {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly userArn: string;
  readonly principalId: string;
  readonly label: string;
  readonly placement: Placement;
}

const canary = (n: number, userName: string, label: string, placement: Placement): DemoCanary => ({
  accessKeyId: key('AKIA', n),
  userName,
  userArn: `arn:aws:iam::${DEMO_ACCOUNT}:user/${userName}`,
  principalId: `AIDA${key('AKIA', n + 50).slice(4, 21)}`,
  label,
  placement,
});

/** The demo canaries. */
export const DEMO_CANARIES: readonly DemoCanary[] = [
  canary(1, 'svc-billing-prod', 'build-7 credentials', {
    host: 'build-7',
    path: '~/.aws/credentials',
    owner: 'platform-team',
  }),
  canary(2, 'ci-deploy-web-frontend', 'web-frontend CI variables', {
    host: 'github.com/acme/web-frontend',
    path: 'Actions secrets',
    owner: 'web-team',
  }),
  canary(3, 'backup-ledger', 'ledger .env', {
    host: 'ledger-db-1',
    path: '/srv/ledger/.env',
    owner: 'data-team',
  }),
];

let seq = 0;
function record(
  at: string,
  identity: Record<string, unknown>,
  e: Record<string, unknown> & { eventSource: string; eventName: string },
): Record<string, unknown> {
  seq += 1;
  return cloudTrailRecord({
    userIdentity: identity,
    eventTime: at,
    requestID: `demo-req-${seq}`,
    eventID: `d3m0${String(seq).padStart(4, '0')}-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    recipientAccountId: DEMO_ACCOUNT,
    ...e,
  });
}

function userIdentity(c: DemoCanary, accessKeyId = c.accessKeyId): Record<string, unknown> {
  return {
    type: 'IAMUser',
    principalId: c.principalId,
    arn: c.userArn,
    accountId: DEMO_ACCOUNT,
    accessKeyId,
    userName: c.userName,
  };
}

const KALI =
  'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/distrib#kali.2024 md/prompt#off md/command#sts.get-caller-identity';

/** The attack on canary 1 (with session keys) and a scanner check of canary 2. */
export function attackRecords(): Record<string, unknown>[] {
  const [c1, c2] = DEMO_CANARIES as [DemoCanary, DemoCanary, DemoCanary];
  const ip = '198.51.100.23';
  const session = key('ASIA', 9);
  const base = { sourceIPAddress: ip, userAgent: KALI };
  return [
    record('2026-11-20T03:12:09Z', userIdentity(c1), {
      ...base,
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
    }),
    record('2026-11-20T03:12:31Z', userIdentity(c1), {
      ...base,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      errorCode: 'AccessDenied',
      errorMessage: 'Access Denied',
    }),
    record('2026-11-20T03:13:02Z', userIdentity(c1), {
      ...base,
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetSessionToken',
      readOnly: false,
      responseElements: {
        credentials: {
          accessKeyId: session,
          sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE',
          expiration: 'Nov 20, 2026, 3:13:02 PM',
        },
      },
    }),
    record('2026-11-20T03:14:40Z', userIdentity(c1, session), {
      ...base,
      eventSource: 'iam.amazonaws.com',
      eventName: 'ListUsers',
      errorCode: 'AccessDenied',
      errorMessage: `User: ${c1.userArn} is not authorized to perform: iam:ListUsers`,
    }),
    ...['eu-west-1', 'ap-southeast-2', 'sa-east-1'].map((region, i) =>
      record(`2026-11-20T03:1${5 + i}:05Z`, userIdentity(c1, session), {
        ...base,
        awsRegion: region,
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        errorCode: 'Client.UnauthorizedOperation',
        errorMessage: 'You are not authorized to perform this operation.',
      }),
    ),
    record('2026-11-20T09:40:11Z', userIdentity(c2), {
      sourceIPAddress: '2001:db8:8:4::2',
      userAgent: 'TruffleHog',
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetCallerIdentity',
    }),
  ];
}

/** Ordinary traffic of real users (no canary involved). */
export function backgroundRecords(count: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const users = ['alice', 'deploy-bot', 'reporting'];
  for (let i = 0; i < count; i++) {
    const u = users[i % users.length] ?? 'alice';
    const identity = {
      type: 'IAMUser',
      principalId: `AIDA${key('AKIA', 100 + (i % 3)).slice(4, 21)}`,
      arn: `arn:aws:iam::${DEMO_ACCOUNT}:user/${u}`,
      accountId: DEMO_ACCOUNT,
      accessKeyId: key('AKIA', 100 + (i % 3)),
      userName: u,
    };
    const minute = String(i % 60).padStart(2, '0');
    out.push(
      record(`2026-11-20T0${i % 10}:${minute}:00Z`, identity, {
        sourceIPAddress: '192.0.2.10',
        userAgent: 'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#5.10 lang/python#3.12.1',
        eventSource: i % 2 ? 's3.amazonaws.com' : 'ec2.amazonaws.com',
        eventName: i % 2 ? 'GetBucketLocation' : 'DescribeVolumes',
      }),
    );
  }
  return out;
}
