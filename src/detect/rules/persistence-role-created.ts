import { z } from 'zod';
import { defineRule } from '../rule.js';
import { isCanaryBusiness, isManagement } from './lib/actor.js';
import { describeTrust, trustOptionFields, trustSignal } from './lib/trust-policy.js';
import {
  SAMPLE_ADMIN_IDENTITY as ADMIN,
  sampleIamCall,
  sampleRoleIdentity,
  sampleTime,
} from './samples.js';

const options = z.object(trustOptionFields);
type Options = z.infer<typeof options>;

const T0 = '2025-05-12T02:40:00Z';
const ATTACKER = '198.51.100.61';
const OUTSIDE = '999988887777';
const HOSTILE_UA = 'aws-cli/2.15.0 \u001b[31m<img src=x onerror=alert(1)>\u001b[0m';
const policy = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const trust = (principal: unknown, extra: object = {}) => ({
  Effect: 'Allow',
  Principal: principal,
  Action: 'sts:AssumeRole',
  ...extra,
});
const createRole = (roleName: string, doc: string, more: Record<string, unknown> = {}) =>
  sampleIamCall({
    eventName: 'CreateRole',
    eventTime: T0,
    sourceIPAddress: ATTACKER,
    requestParameters: { roleName, assumeRolePolicyDocument: doc },
    ...more,
  });

/** A role created whose trust policy admits another account, anyone, or an IAM user. */
export const persistenceRoleCreated = defineRule<Options>({
  id: 'persistence.role-created',
  title: 'Role created that outsiders can assume',
  severity: 'high',
  description:
    "A successful CreateRole whose trust policy (requestParameters.assumeRolePolicyDocument, plain or URL-encoded JSON; else the one in the response) lets someone beyond the account's own control assume the role: an account other than the recipient account (a 12-digit id or any ARN of it, identity providers included), any principal (`*`, a wildcard, or Allow with NotPrincipal), an IAM user named directly (same account too, unless `sameAccountUsers` is false), or a principal it cannot resolve. A backdoor role trusting the attacker's own account survives every key rotation. Conditions are listed (details.admits[].conditions) but not trusted: a `*` narrowed by aws:PrincipalOrgID is still reported. A successful CreateRole whose policy cannot be read (bad JSON, cut by the size caps, missing) is reported too, with details.trustPolicy saying so: AWS rejects malformed policies, so such a record was padded or forged. Denied CreateRole calls are not (IAM logs them without the policy; the access-denied rules see them). Benign look-alikes it stays quiet for: service roles (Principal.Service such as ec2.amazonaws.com or lambda.amazonaws.com), roles trusting the same account, IAM Identity Center's AWSReservedSSO roles (trusting the account's own SAML provider), Deny statements, accounts listed in `trustedAccounts` (organization management, security tooling, vendors), and Keysnare's own management principals.",
  runbook: [
    'Read details.admits: the accounts and principals that can now assume the role. Anything that is not one of your accounts or a known vendor is the attacker.',
    'Check who created it (details.actor, details.sourceIps, details.userAgents): a CLI key from an unknown network creating a role for an outside account is a backdoor.',
    'Delete the role, or first remove the outside principals from its trust policy (aws iam update-assume-role-policy), and detach its policies.',
    "Search CloudTrail for AssumeRole on the role's ARN (in this account, and sharedEventID copies) to see whether the outside principal already used it.",
    "Treat the creating credential as stolen: deactivate it and hunt for the actor's other calls; if the account is yours, add it to trustedAccounts.",
  ],
  attack: ['T1098.003', 'T1078.004'],
  source: 'cloudtrail',
  selector: { eventSources: ['iam.amazonaws.com'], eventNames: ['CreateRole'] },
  options: { schema: options },
  match(event, ctx) {
    if (event.errorCode !== undefined || isManagement(event, ctx.managementPrincipals))
      return undefined;
    if (isCanaryBusiness(event, ctx.canaries)) return undefined;
    return trustSignal(event, 'assumeRolePolicyDocument', ctx.options);
  },
  describe(hits) {
    const { summary, details } = describeTrust(hits);
    const roles = details['roles'] as string[];
    const what = roles.length === 1 ? `Role ${roles[0]}` : `${roles.length || hits.length} roles`;
    return { title: `${what} created by ${String(details['actor'])} ${summary}`, details };
  },
  samples: {
    match: [
      {
        name: "a stolen key creates a role that trusts the attacker's account root",
        events: [
          createRole('ops-support-access', policy(trust({ AWS: `arn:aws:iam::${OUTSIDE}:root` })), {
            eventID: 'role-1',
          }),
        ],
        expect: { findings: 1, eventIds: ['role-1'] },
      },
      {
        name: 'two backdoor roles in a row, one trusting any principal (logged URL-encoded in the response only), one an IAM user, with a hostile user agent',
        events: [
          sampleIamCall({
            eventID: 'role-2',
            eventName: 'CreateRole',
            eventTime: sampleTime(T0, 3),
            sourceIPAddress: ATTACKER,
            userAgent: HOSTILE_UA,
            requestParameters: { roleName: 'backup-reader' },
            responseElements: {
              role: {
                roleName: 'backup-reader',
                assumeRolePolicyDocument: encodeURIComponent(policy(trust({ AWS: '*' }))),
              },
            },
          }),
          createRole(
            'deploy-helper',
            policy(trust({ AWS: [`arn:aws:iam::${OUTSIDE}:user/mallory`] })),
            { eventID: 'role-3', eventTime: sampleTime(T0, 1), userAgent: HOSTILE_UA },
          ),
        ],
        expect: { findings: 1, eventIds: ['role-2', 'role-3'] },
      },
      {
        name: 'a role whose trust policy cannot be parsed is still reported',
        events: [createRole('odd-role', '{"Version":"2012-10-17","Statement":[{"Effect":')],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform creates a Lambda service role',
        events: [
          createRole('api-handler', policy(trust({ Service: 'lambda.amazonaws.com' })), {
            actor: sampleRoleIdentity('ci-deploy', 'gha-1234'),
            sourceIPAddress: '192.0.2.40',
            userAgent:
              'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0',
          }),
        ],
      },
      {
        name: 'an administrator creates a role for the same account (root and a role of it)',
        events: [
          createRole(
            'breakglass',
            policy(
              trust({ AWS: ['arn:aws:iam::111122223333:root', '111122223333'] }),
              trust({ AWS: 'arn:aws:iam::111122223333:role/admin' }),
            ),
            { actor: ADMIN },
          ),
        ],
      },
      {
        name: "IAM Identity Center creates an AWSReservedSSO role trusting the account's SAML provider",
        events: [
          createRole(
            'AWSReservedSSO_ReadOnly_0123456789abcdef',
            policy(
              trust(
                {
                  Federated:
                    'arn:aws:iam::111122223333:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE',
                },
                { Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession'] },
              ),
            ),
            {
              actor: { type: 'AWSService', invokedBy: 'sso.amazonaws.com' },
              sourceIPAddress: 'sso.amazonaws.com',
              userAgent: 'sso.amazonaws.com',
            },
          ),
        ],
      },
      {
        name: 'an outside account named only in a Deny statement',
        events: [
          createRole(
            'app',
            policy(trust({ Service: 'ec2.amazonaws.com' }), {
              ...trust({ AWS: `arn:aws:iam::${OUTSIDE}:root` }),
              Effect: 'Deny',
            }),
          ),
        ],
      },
      {
        name: 'a denied CreateRole (logged without its policy)',
        events: [
          sampleIamCall({
            eventName: 'CreateRole',
            errorCode: 'AccessDenied',
            errorMessage:
              'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::111122223333:role/x',
          }),
        ],
      },
    ],
  },
});
