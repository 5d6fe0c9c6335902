import { z } from 'zod';
import type { CloudEvent } from '../../core/index.js';
import type { DescribeContext, HitSummary, RuleSignal } from '../rule.js';
import { defineRule } from '../rule.js';
import type { WindowEntry } from '../state/state.js';
import { isManagement } from './lib/actor.js';
import { sampleIamCall, sampleTime, sampleUserIdentity } from './samples.js';

const options = z.object({
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(10080)
    .default(60)
    .describe(
      'how soon after the new key was created the old one must be deleted or deactivated (longer than detect.quietGapMinutes splits a slow swap into one finding per step)',
    ),
});
type Options = z.infer<typeof options>;

const CREATED = 'new:';
const KILLED = 'by:';
const KEY = /^AKIA[A-Z0-9]{12,124}$/;

const T0 = '2025-04-02T01:10:00Z';
const ATTACKER = '198.51.100.14';
const OLD = 'AKIAQEXAMPLERAVI0001';
const NEW = 'AKIAQEXAMPLERAVINEW1';
const RAVI = sampleUserIdentity('dev-ravi', OLD);
const WITH_NEW = { ...RAVI, accessKeyId: NEW };
const CONSOLE = { ...RAVI, accessKeyId: 'ASIAQEXAMPLECONSOLE1' };
const HOSTILE = 'python-requests/2.31 \u001b[1;31m<svg onload=alert(1)>\u001b[0m';

/** The key an access-key call acts on, and what it did: a new key from it, or it killed. */
function swapStep(e: CloudEvent): { key: string; value: string } | undefined {
  const caller = e.identity.accessKeyId ?? '';
  if (e.eventName === 'CreateAccessKey') {
    const made = e.responseElements?.['accessKey'];
    const id =
      typeof made === 'object' && made !== null
        ? (made as Record<string, unknown>)['accessKeyId']
        : undefined;
    // Only a long-term key can later be deleted: a console or STS session creating a key is not a swap.
    return KEY.test(caller) && typeof id === 'string' && KEY.test(id)
      ? { key: caller, value: CREATED + id }
      : undefined;
  }
  if (e.eventName === 'UpdateAccessKey' && e.requestParameters?.['status'] !== 'Inactive')
    return undefined;
  const target = e.requestParameters?.['accessKeyId'];
  return typeof target === 'string' && KEY.test(target)
    ? { key: target, value: KILLED + caller }
    : undefined;
}

/** True when `kill` ended `old` within `windowMs` after `create`, by the key it made or itself. */
function pairs(old: string, create: WindowEntry, kill: WindowEntry, windowMs: number): boolean {
  const by = kill.value.slice(KILLED.length);
  const dt = kill.timeMs - create.timeMs;
  return (by === create.value.slice(CREATED.length) || by === old) && dt >= 0 && dt <= windowMs;
}

/**
 * One signal per swap the current entry takes part in: a creation with every kill it pairs with,
 * or a kill with each creation it pairs with. Linear in the window; the union over all arrivals
 * is every (creation, kill) pair, whatever the order.
 */
function swaps(
  old: string,
  entries: readonly WindowEntry[],
  current: WindowEntry,
  windowMs: number,
): RuleSignal[] {
  const group = (c: WindowEntry) => `${old}|${c.value.slice(CREATED.length)}`;
  if (current.value.startsWith(CREATED)) {
    const kills = entries.filter(
      (k) => k.value.startsWith(KILLED) && pairs(old, current, k, windowMs),
    );
    return kills.length > 0 ? [{ groupKey: group(current), events: [current, ...kills] }] : [];
  }
  return entries
    .filter((c) => c.value.startsWith(CREATED) && pairs(old, c, current, windowMs))
    .map((c) => ({ groupKey: group(c), events: [c, current] }));
}

/** A key makes a new key, and the old key is then deleted or deactivated by the new one or itself. */
export const persistenceKeySwap = defineRule<Options>({
  id: 'persistence.key-swap',
  title: 'Access key swapped: the key that created a new key was then killed',
  severity: 'high',
  description:
    "A long-term access key (AKIA…) made a new key with CreateAccessKey, and within `windowMinutes` (default 60) after that the old key was deleted (DeleteAccessKey) or deactivated (UpdateAccessKey to Inactive) by the new key, or by the old key itself. This is the leaked-key swap: whoever holds a stolen key mints their own and kills the original, so the owner's key stops working and theirs lives on. Every step must have succeeded. The order the events are read in does not matter: a deletion read before its creation (files out of order, hours late) makes the same finding; the deletion must still come after the creation in event time. details.steps gives each step's time, key, source IP and user agent; details.minutesBetween, details.sameSourceIp and details.sameUserAgent help tell it from a rotation. What it fires on, explicitly: an API-driven swap within the window. Its severity is high because when it is the attack the owner is locked out; a false positive costs one question to the key's owner. Benign look-alikes it stays quiet for: rotating a key from the console (the console session, not the old key, creates and deletes), an administrator rotating another user's key with their own credentials, AWS's recommended rotation (create, update applications, then deactivate the old key after more than the window), deleting the old key from the console, re-activating a key, failed calls, and Keysnare's management principals. Not separable in CloudTrail: a user who rotates with the CLI and deletes the old key with the new one within the window looks exactly like the attack and is reported; details give each step's source IP and tool so the owner can confirm it in one message. Allow-list a scheduled rotation tool's principal or user agent.",
  runbook: [
    "Ask the key's owner (details.principal) whether they rotated it at details.steps[0].time from details.steps[0].sourceIp; if yes and the IP and tool are theirs, close.",
    'Otherwise the new key (details.newAccessKeyId) belongs to the attacker: deactivate and delete it at once, and attach a deny-all policy to the user until the investigation ends.',
    'Search CloudTrail for calls made with the new key and from the source IPs in details.steps: everything the attacker did after the swap.',
    'Give the owner a fresh key only once the user is clean (no extra keys, login profile, MFA devices or policies added), and find how the old key leaked.',
  ],
  attack: ['T1098.001', 'T1531'],
  source: 'cloudtrail',
  selector: {
    eventSources: ['iam.amazonaws.com'],
    eventNames: ['CreateAccessKey', 'DeleteAccessKey', 'UpdateAccessKey'],
  },
  options: { schema: options },
  stateful: true,
  reads: ['requestParameters', 'responseElements'],
  match(event, ctx) {
    if (event.errorCode !== undefined || isManagement(event, ctx.managementPrincipals))
      return undefined;
    const step = swapStep(event);
    if (step === undefined) return undefined;
    const windowMs = ctx.options.windowMinutes * 60_000;
    const entries = ctx.state.window(step.key, step.value, windowMs);
    const current = entries.find((w) => w.eventId === event.eventId);
    const found = current ? swaps(step.key, entries, current, windowMs) : [];
    return found.length > 0 ? found : undefined;
  },
  describe(hits, ctx) {
    return describeSwap(hits, ctx);
  },
  samples: {
    match: [
      {
        name: 'a leaked power-user key creates a new key, and the new key deletes the old one two minutes later',
        events: [
          sampleIamCall({
            eventID: 'swap-1',
            actor: RAVI,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            userAgent: HOSTILE,
            responseElements: {
              accessKey: { accessKeyId: NEW, status: 'Active', userName: 'dev-ravi' },
            },
          }),
          sampleIamCall({
            eventID: 'swap-2',
            actor: WITH_NEW,
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 2),
            sourceIPAddress: ATTACKER,
            userAgent: HOSTILE,
            requestParameters: { accessKeyId: OLD },
          }),
        ],
        expect: { findings: 1, eventIds: ['swap-1', 'swap-2'] },
      },
      {
        name: 'the old key deactivates itself, then the new key deletes it from another IP, logged out of order',
        events: [
          sampleIamCall({
            eventID: 'swap-5',
            actor: WITH_NEW,
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 9),
            sourceIPAddress: '203.0.113.200',
            requestParameters: { userName: 'dev-ravi', accessKeyId: OLD },
          }),
          sampleIamCall({
            eventID: 'swap-3',
            actor: RAVI,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            sourceIPAddress: ATTACKER,
            requestParameters: { userName: 'dev-ravi' },
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            eventID: 'swap-4',
            actor: RAVI,
            eventName: 'UpdateAccessKey',
            eventTime: sampleTime(T0, 1),
            sourceIPAddress: ATTACKER,
            requestParameters: { accessKeyId: OLD, status: 'Inactive' },
          }),
        ],
        expect: { findings: 1, eventIds: ['swap-3', 'swap-4', 'swap-5'] },
      },
    ],
    nonMatch: [
      {
        name: 'a user rotates their key from the console (a console session creates and deletes)',
        events: [
          sampleIamCall({
            actor: CONSOLE,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            userAgent: 'AWS Internal',
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            actor: CONSOLE,
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 3),
            userAgent: 'AWS Internal',
            requestParameters: { accessKeyId: OLD },
          }),
        ],
      },
      {
        name: "an administrator rotates another user's key with their own key",
        events: [
          sampleIamCall({
            eventName: 'CreateAccessKey',
            eventTime: T0,
            requestParameters: { userName: 'dev-ravi' },
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 5),
            requestParameters: { userName: 'dev-ravi', accessKeyId: OLD },
          }),
        ],
      },
      {
        name: 'the owner creates a key with the CLI and deletes the old one from the console',
        events: [
          sampleIamCall({
            actor: RAVI,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            actor: CONSOLE,
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 20),
            userAgent: 'AWS Internal',
            requestParameters: { accessKeyId: OLD },
          }),
        ],
      },
      {
        name: 'rotation the AWS way: the old key is deactivated by the new one a day later, and re-activated',
        events: [
          sampleIamCall({
            actor: RAVI,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            actor: WITH_NEW,
            eventName: 'UpdateAccessKey',
            eventTime: sampleTime(T0, 26 * 60),
            requestParameters: { accessKeyId: OLD, status: 'Inactive' },
          }),
          sampleIamCall({
            actor: WITH_NEW,
            eventName: 'UpdateAccessKey',
            eventTime: sampleTime(T0, 5),
            requestParameters: { accessKeyId: OLD, status: 'Active' },
          }),
        ],
      },
      {
        name: 'the new key is denied deleting the old one',
        events: [
          sampleIamCall({
            actor: RAVI,
            eventName: 'CreateAccessKey',
            eventTime: T0,
            responseElements: { accessKey: { accessKeyId: NEW, status: 'Active' } },
          }),
          sampleIamCall({
            actor: WITH_NEW,
            eventName: 'DeleteAccessKey',
            eventTime: sampleTime(T0, 1),
            errorCode: 'AccessDenied',
          }),
        ],
      },
    ],
  },
});

const STEP: Readonly<Record<string, string>> = {
  CreateAccessKey: 'create',
  UpdateAccessKey: 'deactivate',
  DeleteAccessKey: 'delete',
};

function describeSwap(hits: readonly HitSummary[], ctx: DescribeContext<Options>) {
  const [old = 'unknown', made = 'unknown'] = hits[0]!.groupKey.split('|');
  // A swap slower than the quiet gap is split; the creation then is the previous hit.
  const hasCreate = hits.some((h) => h.eventName === 'CreateAccessKey');
  const all = ctx.previous && !hasCreate ? [ctx.previous, ...hits] : hits;
  const create = all.find((h) => h.eventName === 'CreateAccessKey');
  const kill = all.find((h) => h.eventName !== 'CreateAccessKey');
  const by = (h: HitSummary | undefined) =>
    h === undefined
      ? 'not in this finding (a later one: the swap was slower than the quiet gap)'
      : h.accessKeyId === made
        ? 'new key'
        : h.accessKeyId === old
          ? 'old key itself'
          : 'unknown';
  const minutes =
    create?.timeMs !== undefined && kill?.timeMs !== undefined
      ? Math.round((kill.timeMs - create.timeMs) / 6_000) / 10
      : null;
  const principal = create?.principalArn ?? kill?.principalArn ?? 'unknown';
  const how = kill?.eventName === 'UpdateAccessKey' ? 'deactivated' : 'deleted';
  const then = kill
    ? `then the ${by(kill)} ${how} ${old}${minutes === null ? '' : ` ${minutes} min later`}`
    : 'and the old key was killed later';
  const both = create !== undefined && kill !== undefined;
  return {
    title: `Key swap on ${principal}: ${old} created ${made}, ${then}`,
    details: {
      principal,
      oldAccessKeyId: old,
      newAccessKeyId: made,
      killedBy: by(kill),
      minutesBetween: minutes,
      sameSourceIp: both && create.sourceIp === kill.sourceIp,
      sameUserAgent: both && create.userAgent === kill.userAgent,
      steps: all.map((h) => ({
        step: STEP[h.eventName] ?? 'unknown',
        time: h.time ?? null,
        accessKeyId: h.accessKeyId ?? null,
        sourceIp: h.sourceIp ?? null,
        userAgent: h.userAgent ?? null,
        eventId: h.eventId,
      })),
    },
  };
}
