import type { CloudEvent } from '../../core/index.js';
import type { HitSummary } from '../rule.js';
import { defineRule } from '../rule.js';
import { distinct } from '../grouping.js';
import { actorOf, clip, isCanaryBusiness, isManagement, noted } from './lib/actor.js';
import { sampleIamCall, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';

const T0 = '2025-04-02T01:17:00Z';
const ATTACKER = '198.51.100.14';
const POWER = sampleUserIdentity('dev-ravi', 'AKIAQEXAMPLERAVI0001');
const newKey = (n: number) => ({
  accessKey: { accessKeyId: `AKIAQEXAMPLENEWKEY0${n}`, status: 'Active', userName: 'ignored' },
});

/** The caller's kind, as the finding says it: a role session creates keys for users by design. */
function callerKind(e: CloudEvent): string {
  const type = e.identity.type;
  if (type === 'AssumedRole') return 'role session';
  if (type === 'IAMUser') return 'IAM user';
  return type === undefined ? 'unknown' : clip(type, 64);
}

/** The user a successful CreateAccessKey made a key for, when it is not the caller itself. */
function otherUser(e: CloudEvent): string | undefined {
  const target = e.requestParameters?.['userName'];
  if (typeof target !== 'string' || target === '') return undefined;
  // IAM user names are unique case-insensitively; a user naming itself creates its own key.
  const own = e.identity.type === 'IAMUser' ? e.identity.userName : undefined;
  return own !== undefined && own.toLowerCase() === target.toLowerCase() ? undefined : target;
}

/** A principal created an access key for another IAM user. */
export const persistenceAccessKeyForOtherUser = defineRule({
  id: 'persistence.access-key-for-other-user',
  title: 'Access key created for another user',
  severity: 'high',
  description:
    'A successful CreateAccessKey (no errorCode) for a user other than the caller: requestParameters.userName is present and differs (case-insensitively) from the calling IAM user\'s own name. Any such call from a role session (AssumedRole), root or a federated user counts too, since those callers have no key of their own to create; details.callerKind says which. An attacker with iam:CreateAccessKey gives themselves a second, long-lived key on a user whose key nobody watches, often a more privileged one. details.newAccessKeyIds names the keys created. Benign look-alikes it stays quiet for: a user creating their own key (no userName, or their own name), Keysnare\'s own management principals (config managementPrincipals), and calls on a canary user (honeytoken.tampered reports those). Automation that creates keys for service users (a Terraform or CloudFormation role provisioning `aws_iam_access_key`) looks the same and is reported: allow-list its principal under rules."persistence.access-key-for-other-user".allow.principals rather than trusting a user agent anyone can send.',
  runbook: [
    'Check whether the caller (details.caller, details.sourceIps, details.userAgents) is sanctioned automation provisioning a service user; if so, allow-list its principal and close.',
    'Otherwise deactivate and delete the new keys (details.newAccessKeyIds) on the users in details.targetUsers: aws iam update-access-key --status Inactive, then aws iam delete-access-key.',
    "Search CloudTrail for the new key ids: any call made with them is the attacker's.",
    "Treat the caller's credential as stolen: deactivate it, and look for its other IAM changes (new users, login profiles, policies, trust policies) around the finding.",
  ],
  attack: ['T1098.001'],
  source: 'cloudtrail',
  selector: { eventSources: ['iam.amazonaws.com'], eventNames: ['CreateAccessKey'] },
  match(event, ctx) {
    if (event.errorCode !== undefined) return undefined;
    const target = otherUser(event);
    if (target === undefined || isManagement(event, ctx.managementPrincipals)) return undefined;
    if (isCanaryBusiness(event, ctx.canaries)) return undefined;
    const created = event.responseElements?.['accessKey'];
    const keyId =
      typeof created === 'object' && created !== null
        ? (created as Record<string, unknown>)['accessKeyId']
        : undefined;
    const note: Record<string, string> = {
      caller: actorOf(event),
      callerKind: callerKind(event),
      targetUser: clip(target, 128),
    };
    if (typeof keyId === 'string') note['newAccessKeyId'] = clip(keyId, 128);
    if (event.identity.invokedBy !== undefined) note['invokedBy'] = clip(event.identity.invokedBy);
    return { groupKey: note['caller']!, note };
  },
  describe(hits) {
    return describeKeyForOther(hits);
  },
  samples: {
    match: [
      {
        name: "a leaked power-user key creates keys for two administrators, one of them logged after the other's",
        events: [
          sampleIamCall({
            eventID: 'ak-2',
            actor: POWER,
            eventName: 'CreateAccessKey',
            eventTime: sampleTime(T0, 2),
            sourceIPAddress: ATTACKER,
            userAgent: 'Boto3/1.34.69 \u001b]8;;https://evil.example\u0007<b>x</b>',
            requestParameters: { userName: 'ops-admin' },
            responseElements: newKey(2),
          }),
          sampleIamCall({
            eventID: 'ak-1',
            actor: POWER,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            requestParameters: { userName: 'alice' },
            responseElements: newKey(1),
          }),
        ],
        expect: { findings: 1, eventIds: ['ak-1', 'ak-2'] },
      },
      {
        name: 'a role session creates a key for a user',
        events: [
          sampleIamCall({
            actor: sampleRoleIdentity('lambda-exec', 'i-0bad'),
            eventName: 'CreateAccessKey',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            requestParameters: { userName: 'backup-sync' },
            responseElements: newKey(3),
          }),
        ],
        expect: { findings: 1 },
      },
    ],
    nonMatch: [
      {
        name: 'a user creates their own key (no userName, then their own name in another case)',
        events: [
          sampleIamCall({ actor: POWER, eventName: 'CreateAccessKey', eventTime: T0 }),
          sampleIamCall({
            actor: POWER,
            eventName: 'CreateAccessKey',
            eventTime: sampleTime(T0, 1),
            requestParameters: { userName: 'Dev-Ravi' },
          }),
        ],
      },
      {
        name: "Keysnare's management role creates a key for a new canary",
        managementPrincipals: ['arn:aws:iam::111122223333:role/keysnare-manager'],
        events: [
          sampleIamCall({
            actor: sampleRoleIdentity('keysnare-manager', 'keysnare'),
            eventName: 'CreateAccessKey',
            eventTime: T0,
            requestParameters: { userName: 'svc-ledger-sync' },
            responseElements: newKey(4),
          }),
        ],
      },
      {
        name: 'a denied CreateAccessKey for another user (logged without parameters)',
        events: [
          sampleIamCall({
            actor: POWER,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            errorCode: 'AccessDenied',
            errorMessage:
              'User: arn:aws:iam::111122223333:user/dev-ravi is not authorized to perform: iam:CreateAccessKey on resource: user alice',
          }),
        ],
      },
    ],
  },
});

function describeKeyForOther(hits: readonly HitSummary[]) {
  const caller = noted(hits, 'caller')[0] ?? hits[0]!.principalArn ?? 'unknown';
  const users = noted(hits, 'targetUser');
  const kind = noted(hits, 'callerKind')[0] ?? 'unknown';
  const shown = users.slice(0, 3).join(', ') + (users.length > 3 ? ` +${users.length - 3}` : '');
  return {
    title: `${caller} created access keys for ${users.length > 1 ? 'users' : 'user'} ${shown}`,
    details: {
      caller,
      callerKind: kind,
      fromRoleSession: kind === 'role session',
      callerKey: hits[0]!.accessKeyId ?? null,
      targetUsers: users,
      newAccessKeyIds: noted(hits, 'newAccessKeyId'),
      invokedBy: noted(hits, 'invokedBy')[0] ?? null,
      sourceIps: distinct(hits.map((h) => h.sourceIp)),
      userAgents: distinct(hits.map((h) => h.userAgent)),
      calls: hits.length,
    },
  };
}
