import type { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import { stablePrincipal } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { accountOf, clip, isAwsServiceCall } from './lib/actor.js';
import {
  firstSeenOptions,
  firstSeenSignal,
  settleFirstSeen,
  splitFirstSeenKey,
} from './lib/first-seen.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

const options = firstSeenOptions;
type Options = z.infer<typeof options>;

/**
 * State: under each principal, the APIs it called. The earliest sighting is when the principal was
 * first seen; how many principals of an account called an API is counted when describing.
 */

/** The API as one value: service and operation. */
function apiOf(e: CloudEvent): string {
  return `${e.eventSource} ${e.eventName}`;
}

const DEV = sampleUserIdentity('dev-maria', 'AKIAQEXAMPLEMARIA001');
const T0 = '2025-05-01T08:00:00Z';
/** `days` days and `minutes` minutes after T0. */
const at = (days: number, minutes = 0): string => sampleTime(T0, days * 24 * 60 + minutes);
const call = (eventName: string, eventSource: string, time: string, id?: string) =>
  sampleRecord({
    userIdentity: DEV,
    eventName,
    eventSource,
    eventTime: time,
    sourceIPAddress: '203.0.113.40',
    ...(id ? { eventID: id } : {}),
  });
/** Nine days of the developer's routine: the same three calls every day. */
const routine = Array.from({ length: 9 }, (_, d) => [
  call('DescribeInstances', 'ec2.amazonaws.com', at(d, 0)),
  call('ListBuckets', 's3.amazonaws.com', at(d, 5)),
  call('GetCallerIdentity', 'sts.amazonaws.com', at(d, 9)),
]).flat();

/** A principal calls an API it had not called before, once past its learning period. */
export const anomalyFirstSeenApi = defineRule<Options>({
  id: 'anomaly.first-seen-api',
  title: 'Principal calls an API for the first time',
  severity: 'low',
  description:
    'A principal (IAM user, role — all its sessions as one —, federated user) calls an API, service and operation, that it had not called in the `lookbackDays` (default 30) before, on an earlier UTC day, once Keysnare has seen the principal for at least `learningDays` (default 7). Failed calls count: an attacker trying a stolen key calls what its owner never does (GetSendQuota, ListUsers, GetCallerIdentity from a key that only ever wrote to S3). details.callers says how many principals of the account called that API in the state Keysnare keeps, so a rare API stands out. Only the earliest call of the day counts, whatever order the delivery files came in. Low severity on its own: it says "new", not "bad"; a source IP that also touched a canary raises it. Benign look-alikes: a developer trying a new service, a deploy that adds a resource type, a new version of a tool; principals still in their learning period, AWS services acting for the account and Keysnare\'s management principals are never reported. Allow-list automation that keeps calling new APIs under rules."anomaly.first-seen-api".allow.',
  runbook: [
    'Read details.api and details.callers: an API only this principal calls in the account (callers 1), or one attackers use to size up a key (GetCallerIdentity, ListUsers, GetSendQuota, ListAttachedUserPolicies), deserves a look; a routine service call by a developer does not.',
    "Check the source IP and user agent of the finding against the principal's usual ones (its other findings, CloudTrail lookups by access key): a new network or an offensive tool with a new API is a stolen key until shown otherwise.",
    'Ask the owner of the principal whether they made the call; if not, deactivate the key and follow the stolen-key steps (save evidence, list everything the key did, rotate what lived beside it).',
    'If the call is expected (new deployment, new tool), nothing to do: the API is now known for this principal. Allow-list automation that keeps raising this.',
  ],
  attack: ['T1078.004', 'T1087.004'],
  source: 'cloudtrail',
  selector: { earliestPer: 'api' },
  stateful: true,
  options: { schema: options },
  admit(event) {
    return event.timeMs !== undefined && !isAwsServiceCall(event);
  },
  match(event, ctx) {
    // A role, not each of its sessions: a new session is not a new principal.
    const principal = stablePrincipal(event.identity);
    const account = accountOf(event) ?? 'unknown';
    const api = apiOf(event);
    return firstSeenSignal(event, ctx, principal, api, { api: clip(api), account });
  },
  settle(hits, ctx) {
    return settleFirstSeen(hits, ctx.state, ctx.options);
  },
  describe(hits, ctx) {
    return describeFirstSeen(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a developer key checks the SES send quota after nine days of routine',
        events: [...routine, call('GetSendQuota', 'ses.amazonaws.com', at(9, 30), 'first-quota')],
        expect: { findings: 1, eventIds: ['first-quota'] },
      },
      {
        name: 'the new call three times, files read newest first (the earliest is the finding)',
        events: [
          ...routine,
          call('ListUsers', 'iam.amazonaws.com', at(9, 50), 'users-3'),
          call('ListUsers', 'iam.amazonaws.com', at(9, 40), 'users-2'),
          call('ListUsers', 'iam.amazonaws.com', at(9, 30), 'users-1'),
        ],
        expect: { findings: 1, eventIds: ['users-1'] },
      },
      {
        name: 'a denied call of a new API counts too',
        events: [
          ...routine,
          sampleRecord({
            userIdentity: DEV,
            eventSource: 'iam.amazonaws.com',
            eventName: 'CreateUser',
            eventTime: at(9, 31),
            errorCode: 'AccessDenied',
            eventID: 'denied-create',
          }),
        ],
        expect: { findings: 1, eventIds: ['denied-create'] },
      },
    ],
    nonMatch: [
      {
        name: 'the developer routine itself, nine days running',
        events: routine,
      },
      {
        name: 'a new API inside the learning period (principal seen for two days)',
        events: [...routine.slice(0, 6), call('GetSendQuota', 'ses.amazonaws.com', at(1, 30))],
      },
      {
        name: 'an API called once before, 20 days earlier (within the lookback)',
        events: [
          call('GetSendQuota', 'ses.amazonaws.com', at(0, 1)),
          ...Array.from({ length: 21 }, (_, d) => call('ListBuckets', 's3.amazonaws.com', at(d))),
          call('GetSendQuota', 'ses.amazonaws.com', at(20, 30)),
        ],
      },
      {
        name: 'an AWS service acting for the account (CloudFormation for a role)',
        events: [
          ...routine,
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity('deploy', 'cfn-session'),
              invokedBy: 'cloudformation.amazonaws.com',
            },
            eventSource: 'lambda.amazonaws.com',
            eventName: 'CreateFunction20150331',
            eventTime: at(9, 30),
            sourceIPAddress: 'cloudformation.amazonaws.com',
          }),
        ],
      },
    ],
  },
});

function describeFirstSeen(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const { principal } = splitFirstSeenKey(first.groupKey);
  const api = String(first.note?.['api'] ?? `${first.eventSource} ${first.eventName}`);
  const account = String(first.note?.['account'] ?? first.accountId ?? 'unknown');
  // Principals are ARNs, which name their account (a bare key id counts for none).
  const callers = ctx.state.keysWith(api, `:${account}:`);
  const since = ctx.state.firstSeen(principal);
  return {
    title: `${clip(principal, 200)} called ${first.eventName} (${first.eventSource}) for the first time`,
    details: {
      api,
      principal,
      account,
      callers,
      rare: callers <= 1,
      principalSeenSince: since === undefined ? null : new Date(since).toISOString(),
      lookbackDays: ctx.options.lookbackDays,
      failed: first.errorCode !== undefined,
      errorCode: first.errorCode ?? null,
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
    },
  };
}
