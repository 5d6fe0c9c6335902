import { z } from 'zod';
import { USER_AGENT_CLASSES } from '../../core/index.js';
import type { DescribeContext, HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import {
  actorOf,
  clip,
  isAwsServiceCall,
  isCanaryBusiness,
  isManagement,
  noted,
  seenWithin,
  lookbackDaysOption,
} from './lib/actor.js';
import {
  sampleDeniedMessage,
  sampleIamCall,
  sampleRoleIdentity,
  sampleTime,
  sampleUserIdentity,
} from './samples.js';

const CALLS = ['CreateUser', 'CreateLoginProfile', 'UpdateLoginProfile'];

const options = z.object({
  quietUserAgentClasses: z
    .array(z.enum(USER_AGENT_CLASSES))
    .default(['terraform', 'console', 'aws-service', 'aws-internal'])
    .describe(
      'user-agent classes treated as the usual way users are made (infrastructure code, the console); remove console to watch stolen console sessions too',
    ),
  lookbackDays: lookbackDaysOption,
});
type Options = z.infer<typeof options>;

const T0 = '2025-04-02T01:20:00Z';
const ATTACKER = '198.51.100.14';
const POWER = sampleUserIdentity('dev-ravi', 'AKIAQEXAMPLERAVI0001');
const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';

/** A new IAM user or console password made (or tried) from outside the usual tooling. */
export const persistenceUserOrLoginCreated = defineRule<Options>({
  id: 'persistence.user-or-login-created',
  title: 'IAM user or console password created from an unusual source',
  severity: 'medium',
  description: `${CALLS.join(', ')} made from outside the usual ways users are provisioned, failed calls included (a denied CreateUser is an attacker finding out what a stolen key may do; details.succeeded says which). "Usual" is what CloudTrail itself shows: Keysnare's management principals, AWS services acting for the account (CloudFormation, Control Tower, Identity Center: an \`invokedBy\` service, or a service name or \`AWS Internal\` as source), and user agents of a class in \`quietUserAgentClasses\` (default terraform, console, aws-service, aws-internal). Everything else (the AWS CLI or an SDK on a laptop, curl, Kali, a scanner) is reported. A new user with a password or keys, or a password put on an existing user (CreateLoginProfile, UpdateLoginProfile on someone else), gives the attacker a way back in after the stolen key is revoked. details.firstTimeInLookback says whether this principal had no such finding in the \`lookbackDays\` (default 30) before; details.passwordResetRequired false means the attacker kept the password they set. Benign look-alikes it stays quiet for: Terraform applies, CloudFormation stacks, administrators using the console, Identity Center and Control Tower provisioning, and calls on canary users (honeytoken.tampered reports those). An administrator who provisions users with the CLI is reported: allow-list that principal. User agents can be forged: an attacker who sends a Terraform user agent is not reported by this rule.`,
  runbook: [
    'Check who acted (details.principal, details.sourceIps, details.userAgents) and whether a ticket or change explains it; details.firstTimeInLookback true means this principal has not done it recently.',
    'For a created user (details.targetUsers), list its keys, login profile, groups and policies; delete the user or its credentials if nobody asked for it.',
    'For CreateLoginProfile / UpdateLoginProfile, the attacker now knows a console password: delete the login profile or reset it, and check console sign-ins (ConsoleLogin) of that user since.',
    "If the calls failed (details.succeeded false), the credential is being probed: treat the caller's key as stolen and deactivate it.",
  ],
  attack: ['T1136.003', 'T1098.001'],
  source: 'cloudtrail',
  selector: { eventSources: ['iam.amazonaws.com'], eventNames: CALLS },
  options: { schema: options },
  match(event, ctx) {
    if (isManagement(event, ctx.managementPrincipals) || isAwsServiceCall(event)) return undefined;
    if (ctx.options.quietUserAgentClasses.includes(event.userAgentClass)) return undefined;
    if (isCanaryBusiness(event, ctx.canaries)) return undefined;
    const note: Record<string, string | boolean> = { principal: actorOf(event) };
    if (event.targetUser) note['targetUser'] = clip(event.targetUser.name, 128);
    const reset = event.requestParameters?.['passwordResetRequired'];
    if (typeof reset === 'boolean') note['passwordResetRequired'] = reset;
    return { groupKey: String(note['principal']), note };
  },
  describe(hits, ctx) {
    return describeCreated(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a leaked power-user key from Kali is denied CreateUser, then gives an existing user a password',
        events: [
          sampleIamCall({
            eventID: 'usr-1',
            actor: POWER,
            eventName: 'CreateUser',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            userAgent: KALI,
            errorCode: 'AccessDenied',
            errorMessage: sampleDeniedMessage(String(POWER['arn']), 'CreateUser', 'support-sync'),
          }),
          sampleIamCall({
            eventID: 'usr-2',
            actor: POWER,
            eventName: 'CreateLoginProfile',
            eventTime: sampleTime(T0, 4),
            sourceIPAddress: ATTACKER,
            userAgent: KALI,
            requestParameters: { userName: 'ops-admin', passwordResetRequired: false },
          }),
        ],
        expect: { findings: 1, eventIds: ['usr-1', 'usr-2'] },
      },
      {
        name: 'boto3 with a markup-laden user agent creates a user and resets a password',
        events: [
          sampleIamCall({
            actor: POWER,
            eventName: 'UpdateLoginProfile',
            eventTime: sampleTime(T0, 9),
            sourceIPAddress: ATTACKER,
            userAgent: 'Boto3/1.34.69 <script>alert(1)</script>\u001b[2J',
            requestParameters: { userName: 'alice' },
          }),
          sampleIamCall({
            actor: POWER,
            eventName: 'CreateUser',
            eventTime: sampleTime(T0, 8),
            sourceIPAddress: ATTACKER,
            userAgent: 'Boto3/1.34.69 <script>alert(1)</script>\u001b[2J',
            requestParameters: { userName: 'svc-backup2', path: '/' },
          }),
        ],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform creates a service user from a CI role',
        events: [
          sampleIamCall({
            actor: sampleRoleIdentity('ci-deploy', 'gha-1234'),
            eventName: 'CreateUser',
            eventTime: T0,
            sourceIPAddress: '192.0.2.40',
            userAgent:
              'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0',
            requestParameters: { userName: 'svc-reports' },
          }),
        ],
      },
      {
        name: 'a CloudFormation stack creates a user (invokedBy the service)',
        events: [
          sampleIamCall({
            actor: {
              ...sampleRoleIdentity('cfn-exec', 'AWSCloudFormation'),
              invokedBy: 'cloudformation.amazonaws.com',
            },
            eventName: 'CreateUser',
            eventTime: T0,
            sourceIPAddress: 'cloudformation.amazonaws.com',
            userAgent: 'cloudformation.amazonaws.com',
            requestParameters: { userName: 'app-smtp' },
          }),
        ],
      },
      {
        name: 'an administrator sets a new password for a user from the console',
        events: [
          sampleIamCall({
            eventName: 'UpdateLoginProfile',
            eventTime: T0,
            sourceIPAddress: '192.0.2.77',
            userAgent: 'AWS Internal',
            requestParameters: { userName: 'omar', passwordResetRequired: true },
          }),
        ],
      },
    ],
  },
});

function describeCreated(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const first = hits[0]!;
  const principal = noted(hits, 'principal')[0] ?? first.principalArn ?? 'unknown';
  const before = seenWithin(first, ctx.previous, ctx.options.lookbackDays);
  const failed = hits.filter((h) => h.errorCode !== undefined).length;
  const actions = distinct(hits.map((h) => h.eventName));
  const users = noted(hits, 'targetUser');
  const resets = hits.map((h) => h.note?.['passwordResetRequired']).filter((v) => v !== undefined);
  const denied = failed === hits.length ? 'Denied ' : '';
  return {
    title: `${denied}${actions.join(', ')} by ${principal}${users.length ? ` for ${users.slice(0, 3).join(', ')}` : ''}${first.sourceIp ? ` from ${first.sourceIp}` : ''}`,
    details: {
      principal,
      accessKeyIds: distinct(hits.map((h) => h.accessKeyId)),
      actions,
      targetUsers: users,
      calls: hits.length,
      succeeded: failed < hits.length,
      failedCalls: failed,
      errorCodes: distinct(hits.map((h) => h.errorCode)),
      passwordResetRequired: resets.length === 0 ? null : resets.every((v) => v === true),
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      firstTimeInLookback: before === undefined,
      lastSeenBefore: before === undefined ? null : new Date(before).toISOString(),
    },
  };
}
