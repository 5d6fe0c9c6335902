import type { CloudEvent } from '../../core/index.js';
import { OFFENSIVE_OSES } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

const LOOKBACK_MS = 14 * 24 * 3_600_000;
const DEV = sampleUserIdentity('dev-jane', 'AKIAQEXAMPLEJANE0001');
const KALI_CLI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const T0 = '2025-03-04T09:00:00Z';
/** Escapes and markup in the user agent are the attacker's data: carried, never interpreted. */
const HOSTILE_KALI =
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 \u001b[2J\u001b[31m<img src=x onerror=alert(1)>';

/** Who made the call, as one string: the identity ARN, else the issuer, else the key id. */
function principalOf(e: { identity: CloudEvent['identity'] }): string {
  const id = e.identity;
  return id.arn ?? id.issuerArn ?? id.accessKeyId ?? id.principalId ?? 'unknown';
}

/** How each CLI and SDK writes the OS, one composed user agent per form (all match). */
const FORMS: readonly (readonly [string, string])[] = [
  ['the AWS CLI v2 on Kali (`exe/x86_64.kali.2024`)', KALI_CLI],
  [
    'the AWS CLI v2 on Kali, `ua/2.0` form (`md/distrib#kali.2024`)',
    'aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/linux#6.6.15-amd64 md/arch#x86_64 lang/python#3.11.9 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#kali.2024 md/prompt#off md/command#sts.get-caller-identity',
  ],
  [
    'boto3 on Kali, kernel in `Linux/…`',
    'Boto3/1.26.0 Python/3.11.2 Linux/5.15.0-kali3-amd64 Botocore/1.29.0',
  ],
  [
    'the AWS CLI v1 on Parrot',
    'aws-cli/1.19.1 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 botocore/1.29.58',
  ],
  [
    'boto3 `ua/2.0` on Parrot (`os/linux#…parrot…`)',
    'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.5.0-13parrot1-amd64 lang/python#3.11.2',
  ],
  [
    'the JS v3 SDK on Parrot',
    'aws-sdk-js/3.540.0 ua/2.1 os/linux#6.5.0-13parrot1-amd64 lang/js md/nodejs#20.11.1',
  ],
  [
    'the Java v2 SDK on Kali (`os/Linux#…`)',
    'aws-sdk-java/2.25.0 ua/2.0 os/Linux#6.1.0+kali-amd64 lang/java#17.0.9',
  ],
  [
    'the PHP SDK on Kali (`OS/Linux/…`)',
    'aws-sdk-php/3.300.0 OS/Linux/6.5.0-kali3-amd64 lang/php#8.2.12',
  ],
  [
    'the AWS CLI v2 installed from source on Kali (`source/x86_64.kali.2023`)',
    'aws-cli/2.9.19 Python/3.11.2 Linux/6.6.9-amd64 source/x86_64.kali.2023 prompt/off',
  ],
  [
    'the AWS CLI v2 on Kali rolling',
    'aws-cli/2.17.0 ua/2.0 os/linux#6.6.15-amd64 md/distrib#kali-rolling',
  ],
  ['the C++ SDK on a Pentoo kernel', 'aws-sdk-cpp/1.11.200 Linux/6.6.30-pentoo x86_64 GCC/13.2.1'],
  [
    'the AWS CLI v2 on BlackArch',
    'aws-cli/2.17.0 ua/2.0 os/linux#6.8.11-arch1-1 md/distrib#blackarch.2024',
  ],
];

/** A call whose user agent names a penetration-testing OS: Kali, Parrot, Pentoo, BlackArch. */
export const useragentOffensiveOs = defineRule({
  id: 'useragent.offensive-os',
  title: 'AWS call from a penetration-testing OS',
  severity: 'high',
  description:
    'The user agent of a call names a penetration-testing distribution (Kali, Parrot, Pentoo, BlackArch) in a field where AWS CLIs and SDKs write the operating system: the kernel release of botocore, the AWS CLI v1, Java v1 and C++ (`Linux/5.15.0-kali3-amd64`, `Linux/6.0.0-2parrot1-amd64`, `Linux/6.6.30-pentoo`), the `ua/2.0` form of boto3, the JS v3 and Java v2 SDKs (`os/linux#6.5.0-13parrot1-amd64`), PHP and .NET (`OS/Linux/…`, `OS/Linux_…_Kali_…`), and the AWS CLI v2 distribution (`exe/x86_64.kali.2024`, `source/x86_64.kali.2023`, `md/distrib#kali.2024`, `distrib/pentoo`, `kali-rolling`, `+kali`). Attackers who steal keys try them from such machines; almost no production workload runs on one. details.seenBefore says whether the principal used that OS in the 14 days before. Benign look-alikes: a sanctioned penetration test or red-team exercise (allow-list its source CIDRs or principals under rules."useragent.offensive-os".allow); a product, app id or tool named like a distro outside the OS field (`ParrotSecurityScanner/2.1`, `parrot-notify/1.4`, `app/kali-dashboard`), and a word that merely contains the name (`kalimba`), neither of which matches. A user agent rewritten to hide the OS (Pacu does this on Kali, Parrot and Pentoo) is not seen here.',
  runbook: [
    'Check whether a penetration test or red-team exercise was scheduled for this principal and source IP (details.sourceIps); if so, allow-list it and close.',
    'If details.seenBefore is false, this principal has not used that OS in 14 days: treat its key as stolen. Deactivate it (aws iam update-access-key --status Inactive) after saving the evidence.',
    'List everything the key and source IP did around the finding (`keysnare findings list`, CloudTrail lookups by access key) — identity probes, SES quota checks and instance launches are the usual next steps.',
    'Find where the key was stored and how it leaked (repository history, CI variables, workstation), and rotate every credential that lived beside it.',
  ],
  attack: ['T1078.004', 'T1552.001'],
  source: 'cloudtrail',
  selector: { userAgentContains: OFFENSIVE_OSES },
  match(event) {
    const os = event.userAgentOs;
    if (os === undefined) return undefined;
    return { groupKey: `${principalOf(event)}|${os}`, note: { os } };
  },
  describe(hits, ctx) {
    return describeOffensiveOs(hits, ctx);
  },
  samples: {
    match: [
      ...FORMS.map(([form, userAgent]) => ({
        name: `${form} calls GetCallerIdentity with a developer key`,
        events: [sampleRecord({ userIdentity: DEV, userAgent, eventTime: T0 })],
        expect: { findings: 1 },
      })),
      {
        name: 'boto3 on Parrot lists buckets three times, logged out of order (one finding)',
        events: [5, 0, 2].map((m) =>
          sampleRecord({
            eventID: `parrot-${m}`,
            userIdentity: DEV,
            eventSource: 's3.amazonaws.com',
            eventName: 'ListBuckets',
            eventTime: sampleTime(T0, m),
            userAgent: '[Boto3/1.26.45 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 Botocore/1.29.45]',
          }),
        ),
        expect: { findings: 1, eventIds: ['parrot-0', 'parrot-2', 'parrot-5'] },
      },
      {
        name: 'TruffleHog on a Pentoo box (the tool decides the class, the OS still counts)',
        events: [
          sampleRecord({
            userIdentity: DEV,
            eventTime: T0,
            userAgent: 'TruffleHog aws-sdk-go/1.55.5 (go1.22.5; linux; amd64) distrib/pentoo',
          }),
        ],
        expect: { findings: 1 },
      },
      {
        name: 'a Kali agent carrying terminal escapes and markup (kept as data)',
        events: [
          sampleRecord({
            userIdentity: DEV,
            eventTime: T0,
            userAgent: HOSTILE_KALI,
          }),
        ],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'the AWS CLI on Ubuntu (routine developer use)',
        events: [sampleRecord({ userIdentity: DEV, eventTime: T0 })],
      },
      {
        name: 'Terraform applying from a CI role',
        events: [
          sampleRecord({
            userIdentity: sampleRoleIdentity('ci-deploy', 'gha-1234'),
            eventSource: 'ec2.amazonaws.com',
            eventName: 'DescribeInstances',
            eventTime: T0,
            userAgent:
              'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0 aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5',
          }),
        ],
      },
      {
        name: 'a user agent with a word that merely contains "kali"',
        events: [
          sampleRecord({
            userIdentity: DEV,
            eventTime: T0,
            userAgent: 'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 app/kalimba',
          }),
        ],
      },
      {
        name: 'products and app ids named like a distro, outside the OS field',
        events: [
          'ParrotSecurityScanner/2.1 aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5',
          'parrot-notify/1.4 Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.8.0-1012-aws',
          'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 app/kali-dashboard',
        ].map((userAgent, i) =>
          sampleRecord({ userIdentity: DEV, userAgent, eventTime: sampleTime(T0, i) }),
        ),
      },
    ],
  },
});

function describeOffensiveOs(hits: readonly HitSummary[], ctx: DescribeContext) {
  const first = hits[0]!;
  const os = String(first.note?.['os'] ?? hits.find((h) => h.note?.['os'])?.note?.['os'] ?? '');
  const principal = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  // An earlier finding of the same principal and OS within 14 days means it was used before.
  const prev = ctx.previous?.timeMs;
  const before =
    prev !== undefined && first.timeMs !== undefined && first.timeMs - prev <= LOOKBACK_MS
      ? prev
      : undefined;
  const ips = distinct(hits.map((h) => h.sourceIp));
  const name = os.charAt(0).toUpperCase() + os.slice(1);
  return {
    title: `${name} used by ${principal}${first.sourceIp ? ` from ${first.sourceIp}` : ''}`,
    details: {
      os,
      principal,
      sourceIps: ips,
      userAgents: distinct(hits.map((h) => h.userAgent)),
      calls: hits.length,
      deniedCalls: hits.filter((h) => h.errorCode !== undefined).length,
      seenBefore: before !== undefined,
      lastSeenBefore: before === undefined ? null : new Date(before).toISOString(),
      firstTimeIn14Days: before === undefined,
    },
  };
}
