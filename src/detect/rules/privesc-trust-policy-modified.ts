import { z } from 'zod';
import { defineRule } from '../rule.js';
import { isCanaryBusiness, isManagement } from './lib/actor.js';
import { describeTrust, trustOptionFields, trustSignal } from './lib/trust-policy.js';
import { sampleIamCall, sampleRoleIdentity, sampleTime } from './samples.js';

const options = z.object(trustOptionFields);
type Options = z.infer<typeof options>;

const T0 = '2025-05-20T23:10:00Z';
const ATTACKER = '203.0.113.87';
const OUTSIDE = '444455556666';
const KEY_USER = 'arn:aws:iam::111122223333:user/alice';
const policy = (...principals: object[]) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: principals.map((p) => ({ Effect: 'Allow', Principal: p, Action: 'sts:AssumeRole' })),
  });
const update = (roleName: string, doc: string, more: Record<string, unknown> = {}) =>
  sampleIamCall({
    eventName: 'UpdateAssumeRolePolicy',
    eventTime: T0,
    sourceIPAddress: ATTACKER,
    requestParameters: { roleName, policyDocument: doc },
    ...more,
  });

/** A role's trust policy changed, or an attempt made, to admit outsiders. */
export const privescTrustPolicyModified = defineRule<Options>({
  id: 'privesc.trust-policy-modified',
  title: 'Role trust policy changed to admit outsiders',
  severity: 'high',
  description:
    "An UpdateAssumeRolePolicy whose new trust policy (requestParameters.policyDocument) lets someone beyond the account's own control assume an existing role: another account (one not in `trustedAccounts`), any principal (`*`, a wildcard, Allow with NotPrincipal), an IAM user named directly (same account too, unless `sameAccountUsers` is false), or a principal it cannot resolve. Backdooring an existing, already-privileged role gives the attacker its permissions from their own account and survives key rotation. Failed attempts count too: a denied call is logged without the policy, so it is reported whatever it tried (details.succeeded false, details.trustPolicy 'not logged', the role taken from the error message); a failed call whose policy is logged and admits nobody of concern is not. A successful call whose policy cannot be read (bad JSON, cut by the size caps, missing) is reported too (details.trustPolicy 'unparsable' or 'not logged'): AWS rejects malformed policies and always logs the one it accepted, so such a record was padded or forged. Benign look-alikes it stays quiet for: Terraform or CloudFormation setting service principals (ec2.amazonaws.com, lambda.amazonaws.com …), trust within the same account, IAM Identity Center maintaining its AWSReservedSSO roles (trusting the account's own SAML provider), accounts in `trustedAccounts`, and Keysnare's own management principals.",
  runbook: [
    'Read details.roles and details.admits: which role now trusts whom. An account or user you do not recognise is the attacker.',
    "Restore the role's previous trust policy (from your infrastructure code or the previous UpdateAssumeRolePolicy / CreateRole event) with aws iam update-assume-role-policy.",
    "Search CloudTrail for AssumeRole on the role's ARN since the change: calls from the outside principal mean the attacker already used it.",
    'For a failed attempt (details.succeeded false) the caller tried to backdoor a role and was stopped: treat its credential (details.accessKeyIds) as stolen anyway, and look for what else it tried.',
    'If the outside account is one of yours or a vendor, add it to trustedAccounts.',
  ],
  attack: ['T1098.003', 'T1078.004'],
  source: 'cloudtrail',
  selector: { eventSources: ['iam.amazonaws.com'], eventNames: ['UpdateAssumeRolePolicy'] },
  options: { schema: options },
  match(event, ctx) {
    if (isManagement(event, ctx.managementPrincipals) || isCanaryBusiness(event, ctx.canaries))
      return undefined;
    return trustSignal(event, 'policyDocument', ctx.options);
  },
  describe(hits) {
    const { summary, details } = describeTrust(hits);
    const roles = details['roles'] as string[];
    const what = roles.length === 1 ? `role ${roles[0]}` : `${roles.length || 'a'} role(s)`;
    const actor = String(details['actor']);
    const failed = Number(details['failedCalls']);
    const denied = failed > 0 ? ` (${failed} attempt(s) failed)` : '';
    const title = details['succeeded']
      ? `Trust policy of ${what} changed by ${actor} ${summary}${denied}`
      : `Failed attempt to change the trust policy of ${what} by ${actor}`;
    return { title, details };
  },
  samples: {
    match: [
      {
        name: "a leaked key adds the attacker's account to an EC2 role's trust policy",
        events: [
          update(
            'app-server',
            policy({ Service: 'ec2.amazonaws.com' }, { AWS: `arn:aws:iam::${OUTSIDE}:root` }),
            { eventID: 'trust-1' },
          ),
        ],
        expect: { findings: 1, eventIds: ['trust-1'] },
      },
      {
        name: 'denied on one role (logged without parameters), then allowed on another, logged out of order',
        events: [
          update('ci-deployer', policy({ AWS: `${OUTSIDE}` }), {
            eventID: 'trust-3',
            eventTime: sampleTime(T0, 2),
          }),
          sampleIamCall({
            eventID: 'trust-2',
            eventName: 'UpdateAssumeRolePolicy',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            errorCode: 'AccessDenied',
            errorMessage: `User: ${KEY_USER} is not authorized to perform: iam:UpdateAssumeRolePolicy on resource: role OrganizationAccountAccessRole because no identity-based policy allows the iam:UpdateAssumeRolePolicy action`,
          }),
        ],
        expect: { findings: 1, eventIds: ['trust-2', 'trust-3'] },
      },
      {
        name: 'a trust policy opened to any principal with an unrecognized principal beside it',
        events: [update('data-export', policy({ AWS: ['*', 'AIDAQEXAMPLEGONE00001'] }))],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'Terraform sets EC2 and Lambda service principals on a role',
        events: [
          update('worker', policy({ Service: ['ec2.amazonaws.com', 'lambda.amazonaws.com'] }), {
            actor: sampleRoleIdentity('ci-deploy', 'gha-98'),
            sourceIPAddress: '192.0.2.40',
            userAgent:
              'APN/1.0 HashiCorp/1.0 Terraform/1.8.5 (+https://www.terraform.io) terraform-provider-aws/5.60.0',
          }),
        ],
      },
      {
        name: 'IAM Identity Center updates an AWSReservedSSO role',
        events: [
          update(
            'AWSReservedSSO_Admin_0123456789abcdef',
            policy({
              Federated:
                'arn:aws:iam::111122223333:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE',
            }),
            {
              actor: { type: 'AWSService', invokedBy: 'sso.amazonaws.com' },
              sourceIPAddress: 'sso.amazonaws.com',
              userAgent: 'sso.amazonaws.com',
            },
          ),
        ],
      },
      {
        name: 'an administrator lets another role of the same account assume a role',
        events: [update('reports', policy({ AWS: 'arn:aws:iam::111122223333:role/analyst' }))],
      },
    ],
  },
});
