/**
 * A benign week of CloudTrail for one account, composed here (never copied). This file has the
 * people: CI polling with one key around the clock, developers behind the office NAT on SSO role
 * sessions, and a user rotating their own key from the console; benign-automation.ts has
 * Terraform and the AWS services. Times and call mixes vary by a fixed hash, so the week is the
 * same on every run.
 */
import { ACCOUNT, ctRecord, iamUser, minutesAfter, testKey } from './cloudtrail.js';

type Rec = Record<string, unknown>;
type Spec = Parameters<typeof ctRecord>[0];

/** Monday 00:00 UTC of the week. */
export const WEEK_START = '2025-03-03T00:00:00Z';
const OFFICE_NAT = '203.0.113.10';
/** The CI runners' NAT address. */
export const CI_RUNNER = '192.0.2.40';
/** The account's main region. */
export const HOME = 'eu-west-1';
/** Day `d` of the week (0 = Monday) at `minutes` past midnight UTC. */
export const day = (d: number, minutes: number): string =>
  minutesAfter(WEEK_START, d * 1440 + minutes);

/** A fixed hash of the parts (FNV-1a), for variation that is the same on every run. */
function hash(...parts: (string | number)[]): number {
  let x = 2166136261;
  for (const c of parts.join('|')) x = Math.imul(x ^ c.charCodeAt(0), 16777619);
  return x >>> 0;
}

/** The people's week: the CI key, the developers, the key rotation. */
export function officeWeek(): Rec[] {
  return [...ciPolling(), ...developers(), ...keyRotation()];
}

/** A CI key checks who it is and pushes an image every five minutes, all week. */
function ciPolling(): Rec[] {
  const ci = iamUser('ci-artifacts', testKey('AKIA', 800), 'AIDAQCIARTIFACTS0001');
  const ua =
    'aws-cli/2.15.17 Python/3.11.6 Linux/6.5.0-1015-azure exe/x86_64.ubuntu.22 prompt/off command/';
  const call = (o: Omit<Spec, 'identity'>, command: string) =>
    ctRecord({ identity: ci, ip: CI_RUNNER, ua: ua + command, ...o });
  const out: Rec[] = [];
  for (let m = 0; m < 7 * 1440; m += 5) {
    const t = (s: number) => minutesAfter(WEEK_START, m + s / 60);
    out.push(call({ time: t(3) }, 'sts.get-caller-identity'));
    out.push(
      call(
        {
          eventSource: 'ecr.amazonaws.com',
          eventName: 'GetAuthorizationToken',
          region: HOME,
          time: t(5),
        },
        'ecr.get-login-password',
      ),
    );
    out.push(
      call(
        {
          eventSource: 's3.amazonaws.com',
          eventName: 'GetBucketLocation',
          region: HOME,
          time: t(20),
          requestParameters: { bucketName: 'acme-build-artifacts', location: '' },
        },
        's3.cp',
      ),
    );
    if (m % 30 === 0)
      out.push(
        ctRecord({
          identity: ci,
          ip: CI_RUNNER,
          ua: 'docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.5.0-1015-azure os/linux arch/amd64',
          eventSource: 'ecr.amazonaws.com',
          eventName: 'PutImage',
          region: HOME,
          time: t(40),
          readOnly: false,
          requestParameters: { repositoryName: 'api', imageTag: `build-${m}` },
        }),
      );
  }
  return out;
}

const DEV_ROLE = 'AWSReservedSSO_Developer_5b2a0c8e1f3d4a6b';
const ADMIN_ROLE = 'AWSReservedSSO_PlatformAdmin_9c1e7d3b2a4f6e80';
const DEVS: readonly { email: string; role: string; ua: string }[] = [
  { email: 'jane@example.com', role: DEV_ROLE, ua: cli('2.17.32', 'macos#23.6.0', 'arm64') },
  { email: 'li@example.com', role: DEV_ROLE, ua: 'AWS-Toolkit-For-VSCode/3.8.0 Visual-Studio-Code/1.88.1 ClientId/5b6f0e3c aws-sdk-js/3.540.0 ua/2.1 os/darwin#23.4.0 lang/js md/nodejs#18.18.2' },
  { email: 'ana@example.com', role: DEV_ROLE, ua: cli('2.15.30', 'linux#6.5.0-26-generic', 'x86_64') },
  { email: 'kofi@example.com', role: DEV_ROLE, ua: 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/macos#23.4.0 md/arch#arm64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69' },
  { email: 'sam@example.com', role: ADMIN_ROLE, ua: cli('2.17.32', 'linux#6.8.0-31-generic', 'x86_64') },
]; // prettier-ignore

function cli(version: string, os: string, arch: string): string {
  return `aws-cli/${version} md/awscrt#0.21.2 ua/2.0 os/${os} md/arch#${arch} lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off`;
}

/** An IAM Identity Center role session, as CloudTrail logs it. */
function ssoSession(email: string, role: string, key: string, start: string): Rec {
  const roleId = role === DEV_ROLE ? 'AROAQDEVELOPERROLE01' : 'AROAQPLATFORMADMIN01';
  return {
    type: 'AssumedRole',
    principalId: `${roleId}:${email}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${email}`,
    accountId: ACCOUNT,
    accessKeyId: key,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${HOME}/${role}`,
        accountId: ACCOUNT,
        userName: role,
      },
      webIdFederationData: {},
      attributes: { creationDate: start, mfaAuthenticated: 'false' },
    },
  };
}

/** What developers call day to day: [eventSource, eventName, region, errorCode?]. */
const DEV_CALLS: readonly (readonly [string, string, string, string?])[] = [
  ['ec2.amazonaws.com', 'DescribeInstances', HOME],
  ['logs.amazonaws.com', 'FilterLogEvents', HOME],
  ['s3.amazonaws.com', 'ListBuckets', 'us-east-1'],
  ['ssm.amazonaws.com', 'GetParameter', HOME],
  ['lambda.amazonaws.com', 'ListFunctions20150331', HOME],
  ['monitoring.amazonaws.com', 'GetMetricData', HOME],
  ['ecr.amazonaws.com', 'DescribeImages', HOME],
  ['ecs.amazonaws.com', 'DescribeServices', HOME],
  ['ec2.amazonaws.com', 'DescribeInstances', 'us-east-1'],
  ['sts.amazonaws.com', 'GetCallerIdentity', 'us-east-1'],
  ['secretsmanager.amazonaws.com', 'GetSecretValue', HOME, 'AccessDeniedException'],
  ['kms.amazonaws.com', 'Decrypt', HOME, 'AccessDeniedException'],
];

/**
 * Five developers on weekdays: each signs in between 08:30 and 09:45 (a new session key every
 * day), checks who they are, then works in bursts of a few calls until about 17:30.
 */
function developers(): Rec[] {
  const out: Rec[] = [];
  DEVS.forEach((dev, n) => {
    for (let d = 0; d < 5; d++) {
      const start = 510 + (hash(dev.email, d) % 75);
      const key = testKey('ASIA', 900 + n * 10 + d);
      const identity = ssoSession(dev.email, dev.role, key, day(d, start));
      const call = (c: readonly [string, string, string, string?], at: number) =>
        ctRecord({
          identity,
          ip: OFFICE_NAT,
          ua: dev.ua,
          eventSource: c[0],
          eventName: c[1],
          region: c[2],
          time: day(d, at),
          ...(c[3] ? { errorCode: c[3], errorMessage: deniedMessage(identity, c) } : {}),
        });
      out.push(call(DEV_CALLS[9]!, start + 1));
      for (let at = start + 20; at < 1050; at += 25 + (hash(dev.email, d, at) % 30)) {
        const calls = 2 + (hash(at, dev.email) % 4);
        for (let i = 0; i < calls; i++) {
          const c = DEV_CALLS[hash(dev.email, d, at, i) % DEV_CALLS.length]!;
          out.push(call(c, at + i * 0.4));
        }
      }
    }
  });
  out.push(...consoleVisit());
  return out;
}

function deniedMessage(identity: Rec, c: readonly [string, string, string, string?]): string {
  const service = c[0].split('.')[0];
  return `User: ${String(identity['arn'])} is not authorized to perform: ${service}:${c[1]} on resource: arn:aws:${service}:${HOME}:${ACCOUNT}:prod/payments because no identity-based policy allows the ${service}:${c[1]} action`;
}

/** Jane opens the console on Wednesday afternoon; two pages she may not see are denied. */
function consoleVisit(): Rec[] {
  const identity = ssoSession('jane@example.com', DEV_ROLE, testKey('ASIA', 990), day(2, 840));
  const ua =
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
  const pages: readonly (readonly [string, string, string?])[] = [
    ['ec2.amazonaws.com', 'DescribeInstances'],
    ['ec2.amazonaws.com', 'DescribeSecurityGroups'],
    ['iam.amazonaws.com', 'ListRoles', 'AccessDenied'],
    ['cloudtrail.amazonaws.com', 'LookupEvents'],
    ['guardduty.amazonaws.com', 'ListDetectors', 'AccessDeniedException'],
    ['monitoring.amazonaws.com', 'DescribeAlarms'],
  ];
  return pages.map(([eventSource, eventName, errorCode], i) =>
    ctRecord({
      identity,
      ip: OFFICE_NAT,
      ua,
      eventSource,
      eventName,
      region: eventSource.startsWith('iam') ? 'us-east-1' : HOME,
      time: day(2, 841 + i),
      ...(errorCode ? { errorCode } : {}),
    }),
  );
}

const OMAR_OLD = testKey('AKIA', 850);
const OMAR_NEW = testKey('AKIA', 851);
const OMAR = iamUser('dev-omar', OMAR_OLD, 'AIDAQOMARDEVELOPER01');
const OMAR_CLI = cli('2.15.30', 'linux#6.5.0-26-generic', 'x86_64');

/**
 * Omar works with his own IAM user's key from the office; on Tuesday he creates a new key in the
 * console, checks it with the CLI and deactivates the old one; on Thursday he deletes it there.
 */
function keyRotation(): Rec[] {
  // The old key until the new one is made on Tuesday at 10:41, the new one after.
  const keyAt = (d: number, at: number) => (d === 0 || (d === 1 && at < 641) ? OMAR_OLD : OMAR_NEW);
  const out: Rec[] = [];
  for (let d = 0; d < 5; d++) {
    for (let at = 560 + (hash('omar', d) % 40); at < 1040; at += 45 + (hash('omar', d, at) % 40)) {
      const c = DEV_CALLS[hash('omar', d, at) % 9]!;
      out.push(
        ctRecord({
          identity: { ...OMAR, accessKeyId: keyAt(d, at) },
          ip: OFFICE_NAT,
          ua: OMAR_CLI,
          eventSource: c[0],
          eventName: c[1],
          region: c[2],
          time: day(d, at),
        }),
      );
    }
  }
  return [...out, ...consoleRotation()];
}

/** The rotation's console steps, with the CLI check of the new key between them. */
function consoleRotation(): Rec[] {
  const session = (n: number, start: string): Rec => ({
    ...OMAR,
    accessKeyId: testKey('ASIA', n),
    sessionContext: { attributes: { creationDate: start, mfaAuthenticated: 'true' } },
  });
  const iam = (identity: Rec, at: string, eventName: string, params: Rec = {}) =>
    ctRecord({
      identity,
      ip: OFFICE_NAT,
      ua: 'AWS Internal',
      eventSource: 'iam.amazonaws.com',
      eventName,
      time: at,
      readOnly: /^(?:Get|List)/.test(eventName),
      requestParameters: { userName: 'dev-omar', ...params },
      ...(eventName === 'CreateAccessKey' ? { responseElements: created() } : {}),
    });
  const tuesday = session(852, day(1, 638));
  const thursday = session(853, day(3, 978));
  return [
    iam(tuesday, day(1, 639), 'GetUser'),
    iam(tuesday, day(1, 639.2), 'ListAccessKeys'),
    iam(tuesday, day(1, 641.2), 'CreateAccessKey'),
    ctRecord({
      identity: { ...OMAR, accessKeyId: OMAR_NEW },
      ip: OFFICE_NAT,
      ua: OMAR_CLI,
      time: day(1, 644),
    }),
    iam(tuesday, day(1, 646), 'UpdateAccessKey', { accessKeyId: OMAR_OLD, status: 'Inactive' }),
    iam(thursday, day(3, 979), 'ListAccessKeys'),
    iam(thursday, day(3, 980), 'DeleteAccessKey', { accessKeyId: OMAR_OLD }),
  ];
}

function created(): Rec {
  return {
    accessKey: {
      userName: 'dev-omar',
      accessKeyId: OMAR_NEW,
      status: 'Active',
      createDate: 'Mar 4, 2025, 10:41:12 AM',
    },
  };
}
