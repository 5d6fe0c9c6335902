import type { CloudEvent } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

/** What a tool is and how bad its use of a key is ('high': stolen-key tooling). */
interface ToolProfile {
  readonly label: string;
  readonly kind: string;
  readonly risk: 'high' | 'medium';
}

/**
 * The tools this rule reports, by the name the user-agent classifier gives them
 * (CloudEvent.userAgentName); a test keeps this table and the classifier's list in step.
 */
const TOOLS: ReadonlyMap<string, ToolProfile> = new Map([
  ['trufflehog', { label: 'TruffleHog', kind: 'secret scanner verifying a found key', risk: 'high' }],
  ['pacu', { label: 'Pacu', kind: 'AWS exploitation framework', risk: 'high' }],
  ['cloudfox', { label: 'CloudFox', kind: 'attack-path enumeration tool', risk: 'high' }],
  ['aws_consoler', { label: 'aws_consoler', kind: 'keys-to-console-session tool', risk: 'high' }],
  ['weirdaal', { label: 'WeirdAAL', kind: 'AWS attack library', risk: 'high' }],
  ['enumerate-iam', { label: 'enumerate-iam', kind: 'permission brute-forcer', risk: 'high' }],
  ['s3scanner', { label: 'S3Scanner', kind: 'bucket scanner and dumper', risk: 'high' }],
  ['nimbostratus', { label: 'Nimbostratus', kind: 'credential dumper', risk: 'high' }],
  ['stratus-red-team', { label: 'Stratus Red Team', kind: 'adversary emulation', risk: 'medium' }],
  ['grimoire', { label: 'Grimoire', kind: 'adversary emulation', risk: 'medium' }],
  ['prowler', { label: 'Prowler', kind: 'compliance scanner', risk: 'medium' }],
  ['scoutsuite', { label: 'ScoutSuite', kind: 'auditing scanner', risk: 'medium' }],
  ['cloudsplaining', { label: 'Cloudsplaining', kind: 'IAM policy assessment', risk: 'medium' }],
  ['pmapper', { label: 'PMapper', kind: 'IAM privilege graph', risk: 'medium' }],
  ['cloudmapper', { label: 'CloudMapper', kind: 'account auditing tool', risk: 'medium' }],
  ['s3-browser', { label: 'S3 Browser', kind: 'S3 desktop client', risk: 'medium' }],
]); // prettier-ignore

/** Strings one of which every user agent naming a tool above contains (the selector). */
const TOOL_WORDS = [
  'trufflehog', 'pacu', 'cloudfox', 'aws_consoler', 'aws-consoler', 'weirdaal', 'enumerate-iam',
  'enumerate_iam', 's3scanner', 'nimbostratus', 'stratus-red-team', 'exec-env/grimoire',
  'prowler', 'apn_1826889', 'scoutsuite', 'scout suite', 'scout-suite', 'cloudsplaining',
  'pmapper', 'principalmapper', 'cloudmapper', 's3 browser',
]; // prettier-ignore

const LOOKBACK_MS = 14 * 24 * 3_600_000;
const T0 = '2025-03-04T09:00:00Z';
const HOSTING = '198.51.100.77';
const DEV = sampleUserIdentity('dev-jane', 'AKIAQEXAMPLEJANE0001');
const LEAKED = sampleUserIdentity('svc-reports', 'AKIAQEXAMPLELEAKED01');
const PACU = 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 Pacu-Session-3f2a9c1e-77d0';
const SCOUT_ON_PARROT =
  'Scout Suite/5.12.0 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 Scout Suite/5.12.0';

function principalOf(e: { identity: CloudEvent['identity'] }): string {
  const id = e.identity;
  return id.arn ?? id.issuerArn ?? id.accessKeyId ?? id.principalId ?? 'unknown';
}

/** A call made by a named cloud-attack or cloud-audit tool. */
export const useragentOffensiveTool = defineRule({
  id: 'useragent.offensive-tool',
  title: 'AWS call from a cloud-attack or audit tool',
  severity: 'high',
  description: `The user agent names a tool that attacks or audits AWS accounts, in the form the tool writes it: TruffleHog verifying a found key (\`TruffleHog\`, with sts:GetCallerIdentity), Pacu (\`Pacu-Session-<uuid>\` from its set_ua_suffix), ScoutSuite (\`Scout Suite/5.12.0\`, \`Scout-Suite/5.14.0 … (https://github.com/nccgroup/ScoutSuite)\`), Prowler (\`APN_1826889\`, its AWS Partner id, or \`prowler\`), S3 Browser (\`S3 Browser/12.2.9 https://s3browser.com\`), Stratus Red Team and Grimoire, and CloudFox, enumerate-iam, WeirdAAL, aws_consoler, S3Scanner, Nimbostratus, Cloudsplaining, PMapper and CloudMapper when the tool or its operator puts the name in the user agent. Most of these sign with a plain SDK agent (Pacu even swaps in a random one on Kali), so a match is strong evidence and a miss proves nothing — their bursts are what recon.access-denied-burst and recon.key-enumeration catch. details.risk is 'high' for stolen-key and exploitation tools (TruffleHog, Pacu, CloudFox, enumerate-iam, WeirdAAL, aws_consoler, S3Scanner, Nimbostratus) and 'medium' for auditing tools, emulation and S3 Browser; the finding's severity is the rule's (high), which rules."useragent.offensive-tool".severity overrides. details.seenBefore says whether the principal ran the same tool in the 14 days before (a scheduled audit does). Benign look-alikes: the security team's own Prowler or ScoutSuite runs and detection tests with Stratus Red Team — allow-list that scanner's role or CIDR (rules."useragent.offensive-tool".allow.principals / cidrs) or its user agent; an administrator's S3 Browser; and words that merely contain a tool name (\`pacuare\`, \`prowlers\`), which do not match.`,
  runbook: [
    "Read details.tool and details.risk. If it is a sanctioned scanner (Prowler, ScoutSuite, Stratus Red Team) run by the security team's role or CIDR, allow-list that principal or CIDR for this rule and close.",
    'For TruffleHog with details.keyVerified, someone found the key in code, a build log or an image and checked it works: the key has leaked. Deactivate it (aws iam update-access-key --status Inactive) after saving the evidence, and find where TruffleHog could have seen it.',
    'For Pacu, CloudFox, enumerate-iam, WeirdAAL, aws_consoler and the other high-risk tools, treat the key (details.accessKeys) as stolen: deactivate it, revoke its sessions, and list everything the key and details.sourceIps did (new users or keys, console sign-ins via GetFederationToken, SES, instance launches).',
    'For S3 Browser from an unknown source, check for CreateUser, CreateAccessKey, CreateLoginProfile and bulk GetObject by the same key — the usual intruder use.',
  ],
  attack: ['T1078.004', 'T1087.004', 'T1580'],
  source: 'cloudtrail',
  selector: { userAgentContains: TOOL_WORDS },
  match(event) {
    const name = event.userAgentName;
    if (name === undefined || !TOOLS.has(name)) return undefined;
    const os = event.userAgentOs;
    return {
      groupKey: `${principalOf(event)}|${name}`,
      note: os === undefined ? { tool: name } : { tool: name, os },
    };
  },
  describe(hits, ctx) {
    return describeTool(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'TruffleHog verifies a leaked key with GetCallerIdentity from a hosting provider',
        events: [
          sampleRecord({
            eventID: 'thog-1',
            userIdentity: LEAKED,
            sourceIPAddress: HOSTING,
            userAgent: 'TruffleHog',
            eventTime: T0,
          }),
        ],
        expect: { findings: 1, eventIds: ['thog-1'] },
      },
      {
        name: 'a Pacu session (UA suffix) enumerates IAM with a stolen key, logged out of order',
        events: ['ListUsers', 'GetAccountAuthorizationDetails', 'ListRoles'].map((eventName, i) =>
          sampleRecord({
            eventID: `pacu-${i}`,
            userIdentity: LEAKED,
            eventSource: 'iam.amazonaws.com',
            eventName,
            sourceIPAddress: HOSTING,
            userAgent: PACU,
            eventTime: sampleTime(T0, 3 - i),
          }),
        ),
        expect: { findings: 1, eventIds: ['pacu-0', 'pacu-1', 'pacu-2'] },
      },
      {
        name: 'ScoutSuite from a Parrot box lists regions and buckets with a developer key',
        events: (
          [
            ['ec2.amazonaws.com', 'DescribeRegions'],
            ['s3.amazonaws.com', 'ListBuckets'],
          ] as const
        ).map(([eventSource, eventName], i) =>
          sampleRecord({
            userIdentity: DEV,
            eventSource,
            eventName,
            sourceIPAddress: HOSTING,
            userAgent: SCOUT_ON_PARROT,
            eventTime: sampleTime(T0, i),
          }),
        ),
        expect: { findings: 1 },
      },
      {
        name: 'Prowler (APN_1826889) run with a key nobody scheduled it for',
        events: [
          sampleRecord({
            userIdentity: DEV,
            eventSource: 'iam.amazonaws.com',
            eventName: 'GetAccountPasswordPolicy',
            sourceIPAddress: HOSTING,
            userAgent:
              'Boto3/1.35.36 md/Botocore#1.35.36 ua/2.0 os/linux#6.8.0-1015-aws md/arch#x86_64 lang/python#3.12.7 cfg/retry-mode#standard Botocore/1.35.36 APN_1826889',
            eventTime: T0,
          }),
        ],
        expect: { findings: 1 },
      },
      {
        name: 'S3 Browser creates an IAM user and an access key for it',
        events: ['CreateUser', 'CreateAccessKey'].map((eventName, i) =>
          sampleRecord({
            userIdentity: LEAKED,
            eventSource: 'iam.amazonaws.com',
            eventName,
            sourceIPAddress: HOSTING,
            userAgent: 'S3 Browser/12.2.9 https://s3browser.com',
            eventTime: sampleTime(T0, i),
            requestParameters: { userName: 'backup-sync' },
          }),
        ),
        expect: { findings: 1 },
      },
      {
        name: 'TruffleHog named in an agent carrying escapes and markup (kept as data)',
        events: [
          sampleRecord({
            userIdentity: LEAKED,
            sourceIPAddress: HOSTING,
            userAgent: 'TruffleHog\u001b[8m <a href="https://evil.example/">x</a>',
            eventTime: T0,
          }),
        ],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'user agents with words that merely contain a tool name',
        events: [
          'aws-sdk-js/3.540.0 ua/2.1 os/linux#6.8.0 lang/js app/pacuare-tours',
          'Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.8.0 app/prowlers-den',
        ].map((userAgent, i) =>
          sampleRecord({ userIdentity: DEV, userAgent, eventTime: sampleTime(T0, i) }),
        ),
      },
      {
        name: 'CI uploading a TruffleHog report to S3 with the ordinary CLI',
        events: [
          sampleRecord({
            userIdentity: sampleRoleIdentity('ci-runner', 'gha-991'),
            eventSource: 's3.amazonaws.com',
            eventName: 'PutObject',
            eventTime: T0,
            userAgent: '[aws-cli/2.17.32 ua/2.0 os/linux#6.8.0-1015-aws md/command#s3.cp]',
            requestParameters: { bucketName: 'ci-reports', key: 'trufflehog/report.json' },
          }),
        ],
      },
    ],
  },
});

function describeTool(hits: readonly HitSummary[], ctx: DescribeContext) {
  const first = hits[0]!;
  const name = String(hits.find((h) => h.note?.['tool'])?.note?.['tool'] ?? '');
  const tool = TOOLS.get(name) ?? { label: name, kind: 'tool', risk: 'medium' as const };
  const principal = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  const prev = ctx.previous?.timeMs;
  const before =
    prev !== undefined && first.timeMs !== undefined && first.timeMs - prev <= LOOKBACK_MS
      ? prev
      : undefined;
  const verified = hits.some((h) => h.eventName === 'GetCallerIdentity' && !h.errorCode);
  const keyVerified = name === 'trufflehog' && verified;
  const from = first.sourceIp ? ` from ${first.sourceIp}` : '';
  const title = keyVerified
    ? `TruffleHog verified ${first.accessKeyId ?? 'a key'} of ${principal}${from}: the key has leaked`
    : `${tool.label} (${tool.kind}) used by ${principal}${from}`;
  return {
    title,
    details: {
      tool: name,
      label: tool.label,
      kind: tool.kind,
      risk: tool.risk,
      keyVerified,
      principal,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      os: distinct(hits.map((h) => h.note?.['os'] as string | undefined)),
      regions: distinct(hits.map((h) => h.region)),
      eventNames: distinct(hits.map((h) => h.eventName)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      calls: hits.length,
      deniedCalls: hits.filter((h) => h.errorCode !== undefined).length,
      seenBefore: before !== undefined,
      lastSeenBefore: before === undefined ? null : new Date(before).toISOString(),
    },
  };
}
