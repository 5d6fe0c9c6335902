import { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import {
  actorOf,
  clip,
  isAwsServiceCall,
  isManagement,
  noted,
  seenWithin,
  lookbackDaysOption,
} from './lib/actor.js';
import {
  CANARY_SAMPLE_TOKEN as T,
  sampleRecord,
  sampleRoleIdentity,
  sampleTime,
  sampleUserIdentity,
} from './samples.js';

const options = z.object({
  quietWithMfa: z
    .boolean()
    .default(true)
    .describe(
      'stay quiet for a successful GetSessionToken that passed an MFA code (serialNumber): the owner with their device',
    ),
  lookbackDays: lookbackDaysOption,
});
type Options = z.infer<typeof options>;

const T0 = '2025-04-02T01:25:00Z';
const ATTACKER = '198.51.100.14';
const POWER = sampleUserIdentity('dev-ravi', 'AKIAQEXAMPLERAVI0001');
const sts = (o: Parameters<typeof sampleRecord>[0]) =>
  sampleRecord({ userIdentity: POWER, eventTime: T0, sourceIPAddress: ATTACKER, ...o });

/** A long-term key (AKIA) of an IAM user or root, the only callers GetSessionToken serves. */
function isLongTermUserKey(e: CloudEvent): boolean {
  const type = e.identity.type;
  return (
    (type === 'IAMUser' || type === 'Root') && e.identity.accessKeyId?.startsWith('AKIA') === true
  );
}

/** An IAM user's long-term key turned into temporary credentials. */
export const credentialsSessionTokenFromUser = defineRule<Options>({
  id: 'credentials.session-token-from-user',
  title: 'IAM user key turned into temporary credentials',
  severity: 'medium',
  description:
    "GetSessionToken or GetFederationToken called with an IAM user's (or root's) long-term access key (AKIA…), failed calls included. Attackers do this with a stolen key: GetSessionToken cannot be denied by any policy and its session keys (ASIA…) are not the key defenders look for, and credentials from GetFederationToken keep working after the original key is deleted (only a deny on the user stops them). details.firstTimeInLookback says whether this principal had no such finding in the `lookbackDays` (default 30) before; a user who does it every day is likely a tool such as aws-vault. Benign look-alikes it stays quiet for: a successful GetSessionToken that passed an MFA code (requestParameters.serialNumber, with `quietWithMfa`, default true: a human with their device), role sessions and federated users (they cannot call these), AWS services acting for the account, Keysnare's management principals, and canary keys (honeytoken.used already raises a critical finding for them, so a second one would be noise).",
  runbook: [
    'If details.firstTimeInLookback is false and the user agent is a developer tool (aws-vault, the AWS CLI), this is likely routine: confirm with the owner and allow-list the principal or user agent.',
    'Otherwise treat the user key (details.accessKeyIds) as stolen: deactivate it, and for GetFederationToken attach a deny-all inline policy to the user too, since federation credentials survive key deletion and cannot be revoked one by one.',
    "Search CloudTrail for calls by the session keys or federated user created (details.federatedUsers, the principal's ASIA… keys) after details.firstTime.",
    'Find how the key leaked (where it was stored, who had it) and rotate what lived beside it.',
  ],
  attack: ['T1550.001', 'T1078.004'],
  source: 'cloudtrail',
  selector: {
    eventSources: ['sts.amazonaws.com'],
    eventNames: ['GetSessionToken', 'GetFederationToken'],
  },
  options: { schema: options },
  match(event, ctx) {
    if (!isLongTermUserKey(event) || isAwsServiceCall(event)) return undefined;
    if (isManagement(event, ctx.managementPrincipals) || ctx.canaries.match(event))
      return undefined;
    const params = event.requestParameters;
    const mfa = typeof params?.['serialNumber'] === 'string';
    if (mfa && ctx.options.quietWithMfa && event.errorCode === undefined) return undefined;
    const note: Record<string, string | number | boolean> = { principal: actorOf(event), mfa };
    const name = params?.['name'];
    if (typeof name === 'string') note['federatedUser'] = clip(name, 64);
    if (typeof params?.['policy'] === 'string') note['sessionPolicy'] = true;
    const duration = params?.['durationSeconds'];
    if (typeof duration === 'number') note['durationSeconds'] = duration;
    return { groupKey: String(note['principal']), note };
  },
  describe(hits, ctx) {
    return describeSessionToken(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a leaked power-user key asks for a federation token with an allow-all policy, then a session token',
        events: [
          sts({
            eventID: 'sts-2',
            eventName: 'GetSessionToken',
            eventTime: sampleTime(T0, 6),
            responseElements: { credentials: { accessKeyId: 'ASIAQEXAMPLESESSION9' } },
          }),
          sts({
            eventID: 'sts-1',
            eventName: 'GetFederationToken',
            userAgent: 'aws-sdk-go-v2/1.32.3 os/linux lang/go#1.23.1 \u001b[8m<iframe>',
            requestParameters: {
              name: 'support',
              policy:
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
              durationSeconds: 129600,
            },
          }),
        ],
        expect: { findings: 1, eventIds: ['sts-1', 'sts-2'] },
      },
      {
        name: 'a denied GetFederationToken (the key has no sts:GetFederationToken)',
        events: [sts({ eventName: 'GetFederationToken', errorCode: 'AccessDenied' })],
        expect: { findings: 1 },
      },
      {
        name: 'a GetSessionToken with a wrong MFA code still counts',
        events: [
          sts({
            eventName: 'GetSessionToken',
            errorCode: 'AccessDenied',
            requestParameters: {
              durationSeconds: 900,
              serialNumber: 'arn:aws:iam::111122223333:mfa/dev-ravi',
            },
          }),
        ],
      },
    ],
    nonMatch: [
      {
        name: 'a developer gets an MFA session for the CLI',
        events: [
          sts({
            eventName: 'GetSessionToken',
            sourceIPAddress: '192.0.2.15',
            requestParameters: {
              serialNumber: 'arn:aws:iam::111122223333:mfa/dev-ravi',
              tokenCode: '***',
            },
          }),
        ],
      },
      {
        name: 'the canary key calls GetSessionToken (honeytoken.used reports it)',
        tokens: [T],
        events: [sampleRecord({ eventName: 'GetSessionToken', eventTime: T0 })],
      },
      {
        name: 'a role session calling GetSessionToken (not an IAM user key)',
        events: [
          sts({
            eventName: 'GetSessionToken',
            userIdentity: sampleRoleIdentity('ci-deploy', 'gha-1'),
            errorCode: 'AccessDenied',
          }),
        ],
      },
      {
        name: 'a session key (ASIA) of the user asking again',
        events: [
          sts({
            eventName: 'GetSessionToken',
            userIdentity: { ...POWER, accessKeyId: 'ASIAQEXAMPLESESSION9' },
          }),
        ],
      },
    ],
  },
});

function describeSessionToken(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const principal = noted(hits, 'principal')[0] ?? first.principalArn ?? 'unknown';
  const before = seenWithin(first, ctx.previous, ctx.options.lookbackDays);
  const calls = distinct(hits.map((h) => h.eventName));
  const failed = hits.filter((h) => h.errorCode !== undefined).length;
  const durations = hits.flatMap((h) => {
    const d = h.note?.['durationSeconds'];
    return typeof d === 'number' ? [d] : [];
  });
  const firstTime = before === undefined ? ` (first time in ${ctx.options.lookbackDays} days)` : '';
  return {
    title: `${calls.join(' and ')} by ${principal}${first.sourceIp ? ` from ${first.sourceIp}` : ''}${firstTime}`,
    details: {
      principal,
      accessKeyIds: distinct(hits.map((h) => h.accessKeyId)),
      calls,
      callCount: hits.length,
      succeeded: failed < hits.length,
      failedCalls: failed,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      federatedUsers: noted(hits, 'federatedUser'),
      sessionPolicy: hits.some((h) => h.note?.['sessionPolicy'] === true),
      maxDurationSeconds: durations.length > 0 ? Math.max(...durations) : null,
      withMfa: hits.some((h) => h.note?.['mfa'] === true),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      firstTime: first.time ?? null,
      firstTimeInLookback: before === undefined,
      lastSeenBefore: before === undefined ? null : new Date(before).toISOString(),
    },
  };
}
