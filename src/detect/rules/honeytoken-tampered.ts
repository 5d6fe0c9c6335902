import type { CloudEvent } from '../../core/index.js';
import { describePlacement } from '../../core/index.js';
import type { DescribeContext, HitSummary, Rule } from '../rule.js';
import { accountOf, canaryUserToken, clip, isManagement, noted } from './lib/actor.js';
import {
  SAMPLE_ADMIN_IDENTITY as ADMIN,
  CANARY_SAMPLE_TOKEN as T,
  sampleDeniedMessage,
  sampleIamCall,
  sampleRoleIdentity,
} from './samples.js';

/** IAM actions on a named user that always count as a change, whatever `readOnly` says. */
export const CANARY_USER_CHANGES: ReadonlySet<string> = new Set([
  'AttachUserPolicy', 'DetachUserPolicy', 'PutUserPolicy', 'DeleteUserPolicy',
  'PutUserPermissionsBoundary', 'DeleteUserPermissionsBoundary',
  'CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey',
  'CreateLoginProfile', 'UpdateLoginProfile', 'DeleteLoginProfile',
  'AddUserToGroup', 'RemoveUserFromGroup', 'TagUser', 'UntagUser', 'UpdateUser', 'DeleteUser',
  'CreateServiceSpecificCredential', 'UpdateServiceSpecificCredential',
  'ResetServiceSpecificCredential', 'DeleteServiceSpecificCredential',
  'UploadSSHPublicKey', 'UpdateSSHPublicKey', 'DeleteSSHPublicKey',
  'UploadSigningCertificate', 'UpdateSigningCertificate', 'DeleteSigningCertificate',
  'EnableMFADevice', 'DeactivateMFADevice', 'ResyncMFADevice',
]); // prettier-ignore

/** Names of IAM calls that only read or report: never a change, unless listed above. */
const READ_ONLY_NAME = /^(?:Get|List|Generate|Simulate)[A-Z]/;
const QUARANTINE_POLICY = /^arn:aws[\w-]*:iam::aws:policy\/AWSCompromisedKeyQuarantine/;
const NOTED_PARAMS = ['policyArn', 'policyName', 'permissionsBoundary', 'groupName', 'accessKeyId'];
const MANAGER = 'arn:aws:iam::111122223333:role/keysnare-manager';
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const CI_ROLE = sampleRoleIdentity('ci-runner', 'i-0abc');

/** Someone other than the canary and Keysnare's management principals changes a canary IAM user. */
export const honeytokenTampered = {
  id: 'honeytoken.tampered',
  title: 'Canary IAM user changed',
  severity: 'high',
  description: `Someone other than the canary itself and other than Keysnare's own management principals (config managementPrincipals) made an IAM call that changes a canary user: arming it as a backdoor (policies, access keys, passwords), disarming it (deleting its key or the user), or probing it. Failed attempts count too: details.succeeded is false and details.errorCodes says why. Counted as a change: ${[...CANARY_USER_CHANGES].join(', ')}, and any other IAM call not logged readOnly whose name does not start with Get, List, Generate or Simulate. The target is requestParameters.userName or, for a denied call (IAM logs those without parameters), the user its error message names; it must be a canary user of the same account. AWS attaching its AWSCompromisedKeyQuarantine policy (AWS saw the key exposed publicly) is reported too, with details.awsQuarantine set.`,
  runbook: [
    'If details.awsQuarantine is true, AWS saw the key in a public place (e.g. a public GitHub repository) and quarantined the user; read its notice email or support case. Unless the placement (details.placementText) was meant to be public, that place leaked. Follow the support case before detaching the policy.',
    "Otherwise identify the actor (details.actor): if it is Keysnare's own tooling under a principal not listed in managementPrincipals, add it there; any other actor is suspect.",
    'Treat an unexpected actor as compromised: hunt for its other calls around the finding time — it may be disarming canaries before using real keys, or giving a canary real power.',
    'Undo the change: detach or delete the policies in details.policyArns / details.policyNames, delete access keys and login profiles that were created, restore group membership and tags.',
    'Run `keysnare token audit` on the canary to confirm it is active, powerless and unchanged.',
  ],
  attack: ['T1098', 'T1098.001', 'T1098.003'],
  source: 'cloudtrail',
  // Only IAM calls: every change to a user goes through iam.amazonaws.com.
  selector: { eventSources: ['iam.amazonaws.com'], canary: true },
  match(event, ctx) {
    if (!isIamChange(event)) return undefined;
    const target = event.targetUser;
    const token =
      target && canaryUserToken(ctx.canaries, target.name, target.account ?? accountOf(event));
    if (!token || ctx.canaries.match(event) || isManagement(event, ctx.managementPrincipals))
      return undefined;
    const id = event.identity;
    const actor = clip(id.arn ?? id.principalId ?? id.invokedBy ?? 'unknown');
    return { groupKey: `${token.id}|${actor}`, tokenId: token.id, note: noteOf(event, actor) };
  },
  describe(hits, ctx) {
    return describeTampering(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'another administrator attaches AdministratorAccess to the canary user',
        tokens: [T],
        events: [
          sampleIamCall({ requestParameters: { userName: T.userName, policyArn: ADMIN_POLICY } }),
        ],
      },
      {
        name: 'a CI role is denied CreateAccessKey on the canary user (logged without parameters)',
        tokens: [T],
        events: [
          sampleIamCall({
            actor: CI_ROLE,
            eventName: 'CreateAccessKey',
            errorCode: 'AccessDenied',
            errorMessage: sampleDeniedMessage(
              String(CI_ROLE['arn']),
              'CreateAccessKey',
              T.userName ?? '',
            ),
          }),
        ],
      },
      {
        name: 'AWS attaches AWSCompromisedKeyQuarantineV2 to the canary user',
        tokens: [T],
        events: [
          sampleIamCall({
            actor: { type: 'AWSService', invokedBy: 'AWS Internal' },
            sourceIPAddress: 'AWS Internal',
            userAgent: 'AWS Internal',
            requestParameters: {
              userName: T.userName,
              policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
            },
          }),
        ],
      },
    ],
    nonMatch: [
      {
        name: "the canary's own denied CreateAccessKey (honeytoken.used reports it)",
        tokens: [T],
        events: [
          sampleIamCall({
            actor: 'canary',
            eventName: 'CreateAccessKey',
            errorCode: 'AccessDenied',
            errorMessage: sampleDeniedMessage(T.userArn ?? '', 'CreateAccessKey', T.userName ?? ''),
          }),
        ],
      },
      {
        name: "AttachUserPolicy on the canary user by Keysnare's management role",
        tokens: [T],
        managementPrincipals: [MANAGER],
        events: [
          sampleIamCall({
            actor: sampleRoleIdentity('keysnare-manager', 'keysnare'),
            requestParameters: { userName: T.userName, policyArn: ADMIN_POLICY },
          }),
        ],
      },
      {
        name: "an administrator lists the canary user's attached policies",
        tokens: [T],
        events: [
          sampleIamCall({
            eventName: 'ListAttachedUserPolicies',
            readOnly: true,
            requestParameters: { userName: T.userName },
          }),
        ],
      },
      {
        name: 'AttachUserPolicy on a user that is not a canary',
        tokens: [T],
        events: [
          sampleIamCall({ requestParameters: { userName: 'deploy', policyArn: ADMIN_POLICY } }),
        ],
      },
      {
        name: 'an administrator changes their own user (no userName in the request)',
        tokens: [T],
        events: [sampleIamCall({ eventName: 'CreateAccessKey', actor: ADMIN })],
      },
    ],
  },
} as const satisfies Rule;

/** A listed change, or an IAM call neither logged readOnly nor named like a read. */
function isIamChange(e: CloudEvent): boolean {
  if (e.eventSource !== 'iam.amazonaws.com') return false;
  return (
    CANARY_USER_CHANGES.has(e.eventName) ||
    (e.readOnly !== true && !READ_ONLY_NAME.test(e.eventName))
  );
}

/** AWS itself attaching its quarantine policy (an attacker attaching it is not labelled). */
function isAwsQuarantine(e: CloudEvent): boolean {
  const policy = e.requestParameters?.['policyArn'];
  const byAws =
    e.identity.type === 'AWSService' ||
    e.identity.invokedBy === 'AWS Internal' ||
    e.sourceIp === 'AWS Internal';
  return (
    e.eventName === 'AttachUserPolicy' &&
    typeof policy === 'string' &&
    QUARANTINE_POLICY.test(policy) &&
    byAws
  );
}

function noteOf(e: CloudEvent, actor: string): Record<string, string | boolean> {
  const note: Record<string, string | boolean> = {
    actor,
    succeeded: e.errorCode === undefined,
    awsQuarantine: isAwsQuarantine(e),
  };
  if (e.identity.type !== undefined) note['actorType'] = clip(e.identity.type);
  for (const key of NOTED_PARAMS) {
    const v = e.requestParameters?.[key];
    if (typeof v === 'string') note[key] = clip(v);
  }
  return note;
}

function describeTampering(hits: readonly HitSummary[], ctx: DescribeContext) {
  const first = hits[0];
  const token = first?.tokenId ? ctx.canaries.token(first.tokenId) : undefined;
  const user = token?.userName ?? 'unknown user';
  const actor = noted(hits.slice(0, 1), 'actor')[0] ?? first?.principalArn ?? 'unknown';
  const actions = [...new Set(hits.map((h) => h.eventName))];
  const failed = hits.filter((h) => h.errorCode !== undefined).length;
  const quarantine = hits.some((h) => h.note?.['awsQuarantine'] === true);
  const policyArns = noted(hits, 'policyArn', 'permissionsBoundary');
  return {
    title: titleOf(user, clip(actor, 200), actions, failed < hits.length, quarantine, policyArns),
    details: {
      canaryUser: token?.userArn ?? user,
      tokenLabel: token?.label ?? null,
      tokenStatus: token?.status ?? null,
      actor,
      actorType: noted(hits.slice(0, 1), 'actorType')[0] ?? null,
      actions,
      calls: hits.length,
      succeeded: failed < hits.length,
      succeededCalls: hits.length - failed,
      failedCalls: failed,
      errorCodes: [...new Set(hits.flatMap((h) => (h.errorCode ? [h.errorCode] : [])))],
      policyArns,
      policyNames: noted(hits, 'policyName'),
      groups: noted(hits, 'groupName'),
      targetKeyIds: noted(hits, 'accessKeyId'),
      awsQuarantine: quarantine,
      placement: token?.placement ?? null,
      placementText: `user ${user} (key ${token?.accessKeyId ?? 'unknown'}) ${describePlacement(token?.placement)}`,
      lastTime: hits[hits.length - 1]?.time ?? null,
    },
  };
}

function titleOf(
  user: string,
  actor: string,
  actions: readonly string[],
  succeeded: boolean,
  quarantine: boolean,
  policyArns: readonly string[],
): string {
  if (quarantine) {
    const policy = policyArns
      .find((p) => QUARANTINE_POLICY.test(p))
      ?.split('/')
      .pop();
    return `AWS quarantined canary user ${user} (${policy ?? 'AWSCompromisedKeyQuarantine'}): AWS saw its key exposed publicly`;
  }
  const shown = actions.slice(0, 3).map((a) => clip(a, 64));
  const list =
    actions.length > 3 ? `${shown.join(', ')}, +${actions.length - 3} more` : shown.join(', ');
  return succeeded
    ? `Canary user ${user} changed by ${actor} (${list})`
    : `Failed attempt to change canary user ${user} by ${actor} (${list})`;
}
