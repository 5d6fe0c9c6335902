import { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import type { HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import type { RuleState, WindowEntry } from '../state/state.js';
import { denseWindowEntries } from '../state/windows.js';
import { distinct } from '../grouping.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

/** SES v1 and v2 calls that read sending capacity, identities and account state. */
const RECON = [
  'GetSendQuota', 'GetSendStatistics', 'GetAccountSendingEnabled', 'GetAccount', 'ListIdentities',
  'ListEmailIdentities', 'GetIdentityVerificationAttributes', 'ListVerifiedEmailAddresses',
  'GetEmailIdentity',
]; // prettier-ignore
/** Calls that get an account ready to send: enabling sending, asking out of the sandbox, new senders. */
const SETUP = [
  'UpdateAccountSendingEnabled', 'PutAccountSendingAttributes', 'PutAccountDetails',
  'CreateEmailIdentity', 'VerifyEmailIdentity', 'VerifyEmailAddress', 'VerifyDomainIdentity',
]; // prettier-ignore
/** Sending (data events: logged only when the trail records SES data events). */
const SENDS = [
  'SendEmail', 'SendRawEmail', 'SendTemplatedEmail', 'SendBulkEmail', 'SendBulkTemplatedEmail',
]; // prettier-ignore
const SEND_NAMES: ReadonlySet<string> = new Set(SENDS);
/** Clients a person uses to look at SES: their calls count towards regions only. */
const CONSOLE_CLASSES: ReadonlySet<string> = new Set(['console', 'browser']);

const options = z.object({
  minCalls: z
    .number()
    .int()
    .min(2)
    .max(30)
    .default(4)
    .describe('distinct SES calls (all sends count as one) by one principal that make a finding'),
  minRegions: z
    .number()
    .int()
    .min(2)
    .max(40)
    .default(3)
    .describe('distinct regions of SES reconnaissance by one principal that make a finding'),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(30)
    .describe('how close together the calls must be'),
});
type Options = z.infer<typeof options>;

function principalOf(e: CloudEvent): string | undefined {
  return e.principalArn ?? e.identity.accessKeyId;
}

/**
 * Whether a send enters the rule's state: a long-term key's sends and failed sends do; an
 * application's role sessions sending their mail never touch it (and cost nothing).
 */
function countsSend(e: CloudEvent): boolean {
  return e.errorCode !== undefined || e.identity.accessKeyId?.startsWith('AKIA') === true;
}

/** The distinct entries of both lists, by time then eventID. */
function union(a: readonly WindowEntry[], b: readonly WindowEntry[]): WindowEntry[] {
  const all = new Map<string, WindowEntry>();
  for (const e of [...a, ...b]) all.set(e.eventId, e);
  return [...all.values()].sort((x, y) =>
    x.timeMs !== y.timeMs ? x.timeMs - y.timeMs : x.eventId < y.eventId ? -1 : 1,
  );
}

/** The window entries that make a finding with this event: enough calls, or enough regions. */
function signalEntries(event: CloudEvent, who: string, o: Options, state: RuleState) {
  const at = event.timeMs!;
  const windowMs = o.windowMinutes * 60_000;
  const send = SEND_NAMES.has(event.eventName);
  let calls: WindowEntry[] = [];
  if (!CONSOLE_CLASSES.has(event.userAgentClass) && (!send || countsSend(event))) {
    const seen = state.window(`calls|${who}`, send ? 'send' : event.eventName, windowMs);
    calls = denseWindowEntries(seen, at, windowMs, o.minCalls);
  }
  let regions: WindowEntry[] = [];
  if (!send && event.regionKnown) {
    const seen = state.window(`regions|${who}`, event.region, windowMs);
    regions = denseWindowEntries(seen, at, windowMs, o.minRegions);
  }
  return union(calls, regions);
}

const T0 = '2025-03-04T09:00:00Z';
const HOSTING = '198.51.100.23';
const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const WORKING = sampleUserIdentity('svc-3', 'AKIAQEXAMPLESTOLEN03');
const APP = sampleRoleIdentity('mailer-task', 'ecs-7f3a');
const CONSOLE_USER = sampleRoleIdentity(
  'AWSReservedSSO_Admin_0123456789abcdef',
  'jane@example.com',
);
const PY = 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 lang/python#3.12.2';

function ses(o: {
  id?: string;
  who?: Record<string, unknown>;
  name: string;
  region?: string;
  ip?: string;
  ua?: string;
  code?: string;
  at: number;
}): Record<string, unknown> {
  return sampleRecord({
    ...(o.id ? { eventID: o.id } : {}),
    userIdentity: o.who ?? WORKING,
    eventSource: 'ses.amazonaws.com',
    eventName: o.name,
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: o.ip ?? HOSTING,
    userAgent: o.ua ?? KALI,
    eventTime: sampleTime(T0, o.at),
    ...(o.code ? { errorCode: o.code } : {}),
  });
}

/** SES reconnaissance and sending set-up by one principal, in one region or across several. */
export const reconSesEnumeration = defineRule<Options>({
  id: 'recon.ses-enumeration',
  title: 'SES reconnaissance or take-over',
  severity: 'high',
  description: `One principal looked over or prepared SES (v1 and v2 both log as ses.amazonaws.com) within \`windowMinutes\` (default 30): at least \`minCalls\` (default 4) distinct calls of ${[...RECON, ...SETUP].join(', ')} and sending (${SENDS.join(', ')}, which count as one call), or reconnaissance calls in at least \`minRegions\` (default 3) regions. Attackers with stolen keys check the send quota and verified identities, often region after region, then enable sending, ask out of the sandbox and send phishing or spam. details.regions says how many regions; more is stronger. Sends are data events (logged only when the trail records them); they enter the count when made with a long-term key or when they fail. Calls from the console and browsers count towards regions only, so a person opening the SES console page in one region stays quiet, while one clicking through three regions is reported. Calls AWS services make for the account (a service name as source, invokedBy set) are not counted. Benign look-alikes it stays quiet for: an application sending its normal mail with its own role (its sends never enter the count), an application checking its quota and sending with an IAM user's key (two calls), a person on the SES console page in one region, AWS services sending for the account (Cognito, for example). An engineer setting SES up by hand from the CLI can make four distinct calls; a sanctioned auditing scanner listing identities in every region looks like reconnaissance — allow-list its role or CIDR.`,
  runbook: [
    'Identify the principal (details.principal) and its key (details.accessKeys); an unfamiliar source (details.sourceIps) or a long-term key used from a hosting provider means the key is stolen.',
    'Deactivate the key after saving the evidence, and check SES in every region of details.regionNames: sending enabled, verified identities that are not yours (delete them), a production-access request (PutAccountDetails) you did not make.',
    'If details.sends is above 0, mail went out: read the SES sending statistics and suppression list, and warn the domain owners whose identities were used.',
    'Search CloudTrail for the key and source IP for the rest of the intrusion (identity probes, new IAM users or keys, support cases asking for higher sending limits).',
  ],
  attack: ['T1580', 'T1526', 'T1566'],
  source: 'cloudtrail',
  selector: { eventSources: ['ses.amazonaws.com'], eventNames: [...RECON, ...SETUP, ...SENDS] },
  options: { schema: options },
  stateful: true,
  match(event, ctx) {
    if (event.sourceKind !== 'ipv4' && event.sourceKind !== 'ipv6') return undefined;
    const id = event.identity;
    if (id.invokedBy !== undefined || id.type === 'AWSService') return undefined;
    const who = principalOf(event);
    if (who === undefined || event.timeMs === undefined) return undefined;
    const events = signalEntries(event, who, ctx.options, ctx.state);
    return events.length === 0 ? undefined : { groupKey: who, events };
  },
  describe(hits) {
    return describeSes(hits);
  },
  samples: {
    match: [
      {
        name: 'a Kali CLI tries seven stolen keys with GetCallerIdentity from a hosting provider, then checks the SES send quota in four regions',
        events: [
          ...[1, 2, 3, 4, 5, 6, 7].map((i) =>
            sampleRecord({
              userIdentity: sampleUserIdentity(`svc-${i}`, `AKIAQEXAMPLESTOLEN0${i}`),
              sourceIPAddress: HOSTING,
              userAgent: KALI,
              eventTime: sampleTime(T0, i),
            }),
          ),
          ...['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'].map((region, i) =>
            ses({ id: `quota-${i}`, name: 'GetSendQuota', region, at: 10 + i }),
          ),
        ],
        expect: { findings: 1, eventIds: ['quota-0', 'quota-1', 'quota-2', 'quota-3'] },
      },
      {
        name: 'SES enumeration in one region (sending enabled, quota, identities, verification), logged out of order',
        events: [
          'GetIdentityVerificationAttributes',
          'ListIdentities',
          'GetSendQuota',
          'GetAccountSendingEnabled',
        ].map((name, i) => ses({ id: `enum-${i}`, name, ua: PY, at: 8 - i * 2 })),
        expect: { findings: 1, eventIds: ['enum-0', 'enum-1', 'enum-2', 'enum-3'] },
      },
      {
        name: 'an SESv2 take-over: account, identities, a new sender and a production-access request',
        events: [
          'GetAccount',
          'ListEmailIdentities',
          'CreateEmailIdentity',
          'PutAccountDetails',
        ].map((name, i) =>
          ses({
            name,
            region: 'eu-west-1',
            ua: 'aws-sdk-js/3.540.0 \u001b[2K<iframe src="//evil.example">',
            at: i * 3,
          }),
        ),
        expect: { findings: 1 },
      },
      {
        name: 'quota and identity checks with a stolen key, then a burst of SendRawEmail',
        events: [
          ses({ id: 'r-0', name: 'GetSendQuota', at: 0 }),
          ses({ id: 'r-1', name: 'ListIdentities', at: 1 }),
          ses({ id: 'r-2', name: 'UpdateAccountSendingEnabled', at: 2 }),
          ...Array.from({ length: 20 }, (_, i) =>
            ses({ id: `send-${i}`, name: 'SendRawEmail', ua: PY, at: 3 + i / 10 }),
          ),
        ],
        expect: {
          findings: 1,
          eventIds: ['r-0', 'r-1', 'r-2', ...Array.from({ length: 20 }, (_, i) => `send-${i}`)],
        },
      },
      {
        name: 'a console session looks at SES in three regions',
        events: ['us-east-1', 'eu-west-1', 'ap-south-1'].map((region, i) =>
          ses({
            who: CONSOLE_USER,
            name: 'GetSendQuota',
            region,
            ip: '203.0.113.50',
            ua: 'console.amazonaws.com',
            at: i * 4,
          }),
        ),
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'an application sending its normal mail through SES with its own role',
        events: Array.from({ length: 60 }, (_, i) =>
          ses({
            who: APP,
            name: i % 20 === 0 ? 'GetSendQuota' : 'SendRawEmail',
            region: 'eu-west-1',
            ip: '203.0.113.80',
            ua: PY,
            at: i,
          }),
        ),
      },
      {
        name: "an application checking its quota and sending with an IAM user's key",
        events: Array.from({ length: 30 }, (_, i) =>
          ses({
            who: sampleUserIdentity('smtp-app', 'AKIAQEXAMPLESMTPAPP1'),
            name: i % 10 === 0 ? 'GetSendQuota' : 'SendEmail',
            ip: '203.0.113.81',
            ua: PY,
            at: i,
          }),
        ),
      },
      {
        name: 'a person opening the SES console page in one region',
        events: [
          'GetAccount',
          'GetSendQuota',
          'ListEmailIdentities',
          'GetAccountSendingEnabled',
          'GetSendStatistics',
        ].map((name, i) =>
          ses({
            who: CONSOLE_USER,
            name,
            ip: '203.0.113.50',
            ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15',
            at: i / 4,
          }),
        ),
      },
      {
        name: 'AWS services sending and checking SES for the account',
        events: ['GetSendQuota', 'GetAccount', 'ListIdentities', 'SendEmail'].flatMap((name, i) => [
          ses({ name, ip: 'cognito-idp.amazonaws.com', ua: 'cognito-idp.amazonaws.com', at: i }),
          ses({
            who: { ...APP, invokedBy: 'cloudformation.amazonaws.com' },
            name,
            region: ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'][i]!,
            ip: '203.0.113.90',
            ua: 'cloudformation.amazonaws.com',
            at: i,
          }),
        ]),
      },
      {
        name: 'a developer checking quota, identities and sending in one region',
        events: ['GetSendQuota', 'ListIdentities', 'GetAccountSendingEnabled'].map((name, i) =>
          ses({ name, ua: PY, ip: '203.0.113.10', at: i }),
        ),
      },
    ],
  },
});

function describeSes(hits: readonly HitSummary[]) {
  const first = hits[0]!;
  const who = first.principalArn ?? first.accessKeyId ?? 'an unknown principal';
  const regions = distinct(hits.map((h) => h.region));
  const sends = hits.filter((h) => SEND_NAMES.has(h.eventName));
  const calls = distinct(hits.filter((h) => !SEND_NAMES.has(h.eventName)).map((h) => h.eventName));
  const where = regions.length > 1 ? `across ${regions.length} regions` : `in ${regions[0] ?? '?'}`;
  const consoleOnly = hits.every((h) => CONSOLE_CLASSES.has(h.userAgentClass ?? ''));
  return {
    title: `SES ${sends.length > 0 ? 'reconnaissance and sending' : 'reconnaissance'} by ${who} ${where}`,
    details: {
      principal: who,
      accessKeys: distinct(hits.map((h) => h.accessKeyId)),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      regions: regions.length,
      regionNames: regions,
      calls,
      setUp: calls.filter((c) => SETUP.includes(c)),
      sends: sends.length,
      failedSends: sends.filter((h) => h.errorCode !== undefined).length,
      deniedOrFailed: hits.filter((h) => h.errorCode !== undefined).length,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      console: consoleOnly,
      userAgents: distinct(hits.map((h) => h.userAgent)),
    },
  };
}
