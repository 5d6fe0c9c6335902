import { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import { USER_AGENT_CLASSES } from '../../core/index.js';
import type { HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import type { WindowEntry } from '../state/state.js';
import { distinct } from '../grouping.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

/** Error codes AWS services log for an authorization failure (aws.md §1.3). */
const DENIED = [
  'AccessDenied', 'AccessDeniedException', 'Client.UnauthorizedOperation', 'UnauthorizedOperation',
  'UnauthorizedAccess', 'UnauthorizedException', 'AuthorizationError', 'AuthorizationErrorException',
  'Forbidden', 'ForbiddenException',
]; // prettier-ignore

/** Services whose calls are logged in us-east-1 wherever the caller is: their region says nothing. */
const GLOBAL_SERVICES: ReadonlySet<string> = new Set(
  ['iam', 'organizations', 'route53', 'route53domains', 'cloudfront', 'globalaccelerator', 'ce',
   'budgets', 'health', 'support', 'account', 'shield', 'waf', 'billingconsole', 'sts',
  ].map((s) => `${s}.amazonaws.com`),
); // prettier-ignore

const options = z.object({
  minCalls: z
    .number()
    .int()
    .min(2)
    .max(2000)
    .default(10)
    .describe(
      'distinct denied calls (service, action and region; a repeat counts once) by one key from one source that make a finding',
    ),
  minServices: z
    .number()
    .int()
    .min(1)
    .max(500)
    .default(3)
    .describe('distinct services the denied calls must span (or minRegions regions)'),
  minRegions: z
    .number()
    .int()
    .min(1)
    .max(50)
    .default(3)
    .describe('distinct regions of regional services the denied calls must span (or minServices)'),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(10)
    .describe('how close together the denied calls must be'),
  errorCodes: z
    .array(z.string().min(1).max(128))
    .default(DENIED)
    .describe('error codes that count as denied (exact, as CloudTrail logs them)'),
  ignoreClients: z
    .array(z.enum(USER_AGENT_CLASSES))
    .default(['console', 'browser'])
    .describe(
      'user-agent classes whose denials are not counted (a person browsing console pages they may not see)',
    ),
});
type Options = z.infer<typeof options>;

const SEP = '\u0000';
const TWELVE_REGIONS = [
  'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1',
  'ap-south-1', 'ap-northeast-1', 'ap-southeast-1', 'sa-east-1', 'ca-central-1',
]; // prettier-ignore

/** Long-term keys count as themselves, session keys once per principal. */
function keyOf(e: CloudEvent): string | undefined {
  const id = e.identity;
  if (id.accessKeyId?.startsWith('ASIA')) return id.arn ?? id.issuerArn ?? id.accessKeyId;
  return id.accessKeyId ?? id.arn;
}

/** Add `d` to `k`'s count (gone at zero); returns the new count. */
function bump(m: Map<string, number>, k: string, d: number): number {
  const n = (m.get(k) ?? 0) + d;
  if (n === 0) m.delete(k);
  else m.set(k, n);
  return n;
}

/**
 * Entries of every window `[s, s + windowMs]` holding `atMs` with at least `minCalls` distinct
 * calls spanning `minServices` services or `minRegions` regions (oldest first): the same answer
 * whatever order the entries arrived in, as state/windows.ts explains. An entry's value is
 * service, region ('' for global services) and action, joined by {@link SEP}.
 */
function burstEntries(list: readonly WindowEntry[], atMs: number, o: Options): WindowEntry[] {
  const windowMs = o.windowMinutes * 60_000;
  const calls = new Map<string, number>();
  const services = new Map<string, number>();
  const regions = new Map<string, number>();
  // Services and regions count distinct calls, so a value is split only when it comes in or goes.
  const count = (e: WindowEntry, d: number): void => {
    const n = bump(calls, e.value, d);
    if (d > 0 ? n !== 1 : n !== 0) return;
    const [service = '', region = ''] = e.value.split(SEP, 2);
    bump(services, service, d);
    if (region !== '') bump(regions, region, d);
  };
  const keep = new Array<boolean>(list.length).fill(false);
  let end = 0;
  for (let start = 0; start < list.length; start++) {
    const s = list[start]!.timeMs;
    if (s > atMs) break;
    while (end < list.length && list[end]!.timeMs <= s + windowMs) count(list[end++]!, 1);
    const wide = services.size >= o.minServices || regions.size >= o.minRegions;
    if (s + windowMs >= atMs && calls.size >= o.minCalls && wide) keep.fill(true, start, end);
    count(list[start]!, -1);
  }
  return list.filter((_, i) => keep[i]);
}

const T0 = '2025-03-04T09:00:00Z';
const ATTACKER = '198.51.100.23';
const STOLEN = sampleUserIdentity('svc-backup', 'AKIAQEXAMPLESTOLEN01');
const CI = sampleRoleIdentity('ci-terraform', 'gha-4411');
const PY = 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 lang/python#3.12.2';
const TERRAFORM =
  'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0 aws-sdk-go-v2/1.30.3';
/** What a Terraform plan of a CI role without read permissions is denied. */
const CI_DENIALS = [
  'GetRole', 'DescribeVpcs', 'GetPolicy', 'DescribeSubnets', 'GetPolicyVersion',
  'DescribeSecurityGroups', 'ListRolePolicies', 'DescribeRouteTables', 'ListAttachedRolePolicies',
  'DescribeNatGateways', 'GetInstanceProfile', 'DescribeInternetGateways',
  'GetOpenIDConnectProvider', 'DescribeVpcEndpoints',
]; // prettier-ignore
/** [eventSource, eventName, errorCode, region] of a first sweep with a stolen key. */
const SWEEP: readonly (readonly [string, string, string, string])[] = [
  ['iam', 'ListUsers', 'AccessDenied', 'us-east-1'],
  ['iam', 'ListRoles', 'AccessDenied', 'us-east-1'],
  ['iam', 'GetAccountAuthorizationDetails', 'AccessDenied', 'us-east-1'],
  ['s3', 'ListBuckets', 'AccessDenied', 'us-east-1'],
  ['ec2', 'DescribeInstances', 'Client.UnauthorizedOperation', 'us-east-1'],
  ['ec2', 'DescribeInstances', 'Client.UnauthorizedOperation', 'eu-west-1'],
  ['lambda', 'ListFunctions20150331', 'AccessDeniedException', 'us-east-1'],
  ['secretsmanager', 'ListSecrets', 'AccessDeniedException', 'us-east-1'],
  ['kms', 'ListKeys', 'AccessDeniedException', 'us-east-1'],
  ['ses', 'GetSendQuota', 'AccessDenied', 'us-east-1'],
  ['sns', 'ListTopics', 'AuthorizationError', 'us-east-1'],
  ['dynamodb', 'ListTables', 'AccessDeniedException', 'us-east-1'],
];

function denied(o: {
  id?: string;
  who?: Record<string, unknown>;
  source: string;
  name: string;
  code?: string;
  region?: string;
  ip?: string;
  ua?: string;
  at: number;
}): Record<string, unknown> {
  return sampleRecord({
    ...(o.id ? { eventID: o.id } : {}),
    userIdentity: o.who ?? STOLEN,
    eventSource: o.source.includes('.') ? o.source : `${o.source}.amazonaws.com`,
    eventName: o.name,
    errorCode: o.code ?? 'AccessDenied',
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: o.ip ?? ATTACKER,
    userAgent: o.ua ?? PY,
    eventTime: sampleTime(T0, o.at),
  });
}

/** Many denied calls across services or regions, by one key from one source, in a short window. */
export const reconAccessDeniedBurst = defineRule<Options>({
  id: 'recon.access-denied-burst',
  title: 'Burst of denied calls across services or regions',
  severity: 'high',
  description: `One access key, from one source IP, was denied at least \`minCalls\` (default 10) distinct calls (service, action and region: a retried call counts once) within \`windowMinutes\` (default 10) spanning at least \`minServices\` (default 3) services or \`minRegions\` (default 3) regions: someone is finding out what a key they hold may do (enumerate-iam, Pacu and WeirdAAL brute-force hundreds of calls; a first manual sweep touches IAM, S3, EC2, Lambda, Secrets Manager). Denied means one of \`errorCodes\` (default ${DENIED.join(', ')}); other errors (throttling, NoSuchEntity, validation) do not count. Regions count only for regional services: IAM, STS, Organizations, Route 53, CloudFront and other global services log in us-east-1 wherever the caller is. Session keys count once per principal. Calls AWS services make for the account (a service name or no address as source, invokedBy set) are not counted, nor denials of the clients in \`ignoreClients\` (default the console and browsers: a person opening console pages they may not see). Benign look-alikes it stays quiet for: a Terraform plan or an application hitting one denied permission over and over (a repeat counts once), a developer's single denied call, a low-privilege user clicking through the console, a CI role whose IAM denials land in us-east-1 beside its regional calls, denials of AWS services acting for the account. A sanctioned scanner (Prowler, ScoutSuite) running with too few permissions looks like this: allow-list its role or CIDR. This rule reads every event that carries an error code.`,
  runbook: [
    'Identify the key (details.accessKeys) and its owner; a key denied across many services from an unfamiliar address (details.sourceIp) is in the wrong hands.',
    'Deactivate the key (aws iam update-access-key --status Inactive) after saving the evidence, and revoke its sessions if it is a role.',
    'Search all CloudTrail for the key and the source IP without an errorCode: the calls that succeeded show what the attacker learned or changed (GetCallerIdentity, SES quota checks, new users or keys).',
    'Find where the key was stored and how it leaked, and rotate every credential kept beside it.',
  ],
  attack: ['T1580', 'T1526', 'T1087.004'],
  source: 'cloudtrail',
  // Only failed events are offered (the pre-filter reads just those records); match then keeps
  // the error codes that mean "denied".
  selector: { failed: true },
  options: { schema: options },
  stateful: true,
  admit: (event, o) =>
    event.errorCode !== undefined &&
    o.errorCodes.includes(event.errorCode) &&
    (event.sourceKind === 'ipv4' || event.sourceKind === 'ipv6') &&
    !o.ignoreClients.includes(event.userAgentClass) &&
    event.identity.invokedBy === undefined &&
    event.identity.type !== 'AWSService' &&
    event.sourceIp !== undefined &&
    event.timeMs !== undefined &&
    keyOf(event) !== undefined,
  match(event, ctx) {
    const o = ctx.options;
    const key = keyOf(event);
    if (key === undefined || event.sourceIp === undefined || event.timeMs === undefined)
      return undefined;
    const regional = event.regionKnown && !GLOBAL_SERVICES.has(event.eventSource);
    const value = [event.eventSource, regional ? event.region : '', event.eventName].join(SEP);
    const group = `${key}|${event.sourceIp}`;
    const seen = ctx.state.window(group, value, o.windowMinutes * 60_000);
    if (seen.length < o.minCalls) return undefined;
    const burst = burstEntries(seen, event.timeMs, o);
    return burst.length === 0 ? undefined : { groupKey: group, events: burst };
  },
  describe(hits) {
    return describeBurst(hits);
  },
  samples: {
    match: [
      {
        name: 'one IP with a stolen key is denied ListUsers, then sweeps S3, EC2, Lambda, KMS, SES (logged out of order)',
        events: SWEEP.map(([source, name, code, region], i) =>
          denied({ id: `sweep-${i}`, source, name, code, region, at: (SWEEP.length - i) * 0.25 }),
        ),
        expect: { findings: 1, eventIds: SWEEP.map((_, i) => `sweep-${i}`) },
      },
      {
        name: 'enumerate-iam brute force: 60 denied calls across 20 services in a minute',
        events: Array.from({ length: 60 }, (_, i) =>
          denied({
            source: `svc${i % 20}`,
            name: `List${i}`,
            code: i % 2 ? 'AccessDeniedException' : 'AccessDenied',
            at: i / 60,
          }),
        ),
        expect: { findings: 1 },
      },
      {
        name: 'a sweep of EC2 across twelve regions, all denied, from a script with a hostile agent',
        events: TWELVE_REGIONS.map((region, i) =>
          denied({
            id: `ec2-${i}`,
            source: 'ec2',
            name: 'DescribeInstances',
            code: 'Client.UnauthorizedOperation',
            region,
            ua: 'python-requests/2.31 \u001b]0;pwned\u0007<script>alert(1)</script>',
            at: i * 0.5,
          }),
        ),
        expect: { findings: 1, eventIds: Array.from({ length: 12 }, (_, i) => `ec2-${i}`) },
      },
    ],
    nonMatch: [
      {
        name: 'a Terraform plan hitting one denied permission over and over',
        events: Array.from({ length: 40 }, (_, i) =>
          denied({
            who: CI,
            source: 's3',
            name: 'GetBucketPolicy',
            region: 'eu-west-1',
            ip: '203.0.113.10',
            ua: TERRAFORM,
            at: i * 0.2,
          }),
        ),
      },
      {
        name: "a developer's single denied call",
        events: [denied({ source: 'iam', name: 'ListUsers', at: 0 })],
      },
      {
        name: 'a CI role denied on IAM (logged in us-east-1) and on EC2 in two European regions',
        events: CI_DENIALS.map((name, i) =>
          denied({
            who: CI,
            source: name.startsWith('Describe') ? 'ec2' : 'iam',
            name,
            code: name.startsWith('Describe') ? 'Client.UnauthorizedOperation' : 'AccessDenied',
            region: name.startsWith('Describe')
              ? i % 2
                ? 'eu-west-1'
                : 'eu-central-1'
              : 'us-east-1',
            ip: '203.0.113.10',
            ua: TERRAFORM,
            at: i * 0.3,
          }),
        ),
      },
      {
        name: 'a low-privilege user clicking through console pages they may not see',
        events: SWEEP.map(([source, name, code, region], i) =>
          denied({
            who: sampleUserIdentity('intern', 'AKIAQEXAMPLEINTERN01'),
            source,
            name,
            code,
            region,
            ip: '203.0.113.61',
            ua: `console.${source}.amazonaws.com`,
            at: i * 0.25,
          }),
        ),
      },
      {
        name: 'AWS services acting for the account are denied across services',
        events: SWEEP.map(([source, name, code, region], i) =>
          denied({
            source,
            name,
            code,
            region,
            ip: 'config.amazonaws.com',
            ua: 'config.amazonaws.com',
            at: i * 0.25,
          }),
        ),
      },
      {
        name: 'throttling and missing-entity errors across many services',
        events: SWEEP.map(([source, name, , region], i) =>
          denied({
            source,
            name,
            region,
            code: i % 2 ? 'ThrottlingException' : 'NoSuchEntity',
            at: i * 0.25,
          }),
        ),
      },
      {
        name: 'twelve denied calls across services, spread over two hours',
        events: SWEEP.map(([source, name, code, region], i) =>
          denied({ source, name, code, region, at: i * 11 }),
        ),
      },
    ],
  },
});

function describeBurst(hits: readonly HitSummary[]) {
  const first = hits[0]!;
  const last = hits[hits.length - 1]!;
  const services = distinct(hits.map((h) => h.eventSource));
  const regions = distinct(hits.map((h) => h.region));
  const who = first.principalArn ?? first.accessKeyId ?? 'one key';
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return {
    title: `${n(hits.length, 'denied call')} across ${n(services.length, 'service')} and ${n(regions.length, 'region')} by ${who} from ${first.sourceIp ?? 'one source'}`,
    details: {
      principal: who,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIp: first.sourceIp ?? null,
      deniedCalls: hits.length,
      distinctCalls: distinct(hits.map((h) => `${h.eventSource} ${h.eventName} ${h.region}`))
        .length,
      services,
      regions,
      eventNames: distinct(hits.map((h) => h.eventName)).slice(0, 50),
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      firstTime: first.time ?? null,
      lastTime: last.time ?? null,
    },
  };
}
