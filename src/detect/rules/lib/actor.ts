/**
 * Who made a call and on whose behalf, shared by the IAM rules: the actor as one string,
 * Keysnare's own management principals, calls AWS services make for the account, and canary users
 * named by a call. Not a rule: test/rules.test.ts checks that nothing under lib/ is one.
 */
import { z } from 'zod';
import type { CloudEvent, Token } from '../../../core/index.js';
import type { CanaryIndex } from '../../canary-index.js';
import type { HitSummary } from '../../rule.js';

/** Longest attacker-controlled string a rule copies into a note or a title. */
export const MAX_TEXT = 512;

/** `s`, cut to `max` characters with an ellipsis. */
export function clip(s: string, max = MAX_TEXT): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** The caller as one string: identity ARN, else session issuer, principal id, service, key. */
export function actorOf(e: Pick<CloudEvent, 'identity'>): string {
  const id = e.identity;
  return clip(
    id.arn ?? id.issuerArn ?? id.principalId ?? id.invokedBy ?? id.accessKeyId ?? 'unknown',
  );
}

/** The account the call was made in: the recipient, else the caller's. */
/** Who made the call, as one string: the principal ARN, else the key id, else the principal id. */
export function principalOf(e: CloudEvent): string {
  return e.principalArn ?? e.identity.accessKeyId ?? e.identity.principalId ?? 'unknown';
}

/** The account the call was made in: the recipient, else the caller's. */
export function accountOf(e: CloudEvent): string | undefined {
  return e.recipientAccountId ?? e.identity.accountId;
}

/** True when the caller is one of Keysnare's management principals (config managementPrincipals). */
export function isManagement(e: CloudEvent, principals: ReadonlySet<string>): boolean {
  if (principals.size === 0) return false;
  const { arn, issuerArn } = e.identity;
  if (arn !== undefined && principals.has(arn)) return true;
  if (issuerArn === undefined) return false;
  if (principals.has(issuerArn)) return true;
  // An assumed-role ARN carries no role path, so a management role is recorded without it; role
  // names are unique in an account whatever their path.
  return principals.has(issuerArn.replace(/^(arn:[^:]+:iam::\d{12}:role\/)(?:[^/]*\/)+/, '$1'));
}

/**
 * True when an AWS service made the call for the account: an `AWSService` identity, a call
 * `invokedBy` a service (CloudFormation, Control Tower, Identity Center…), or one whose source is
 * a service name or `AWS Internal`.
 */
export function isAwsServiceCall(e: CloudEvent): boolean {
  return (
    e.identity.type === 'AWSService' ||
    e.identity.invokedBy !== undefined ||
    e.sourceKind === 'aws-service' ||
    e.sourceKind === 'aws-internal'
  );
}

/** The canary token whose IAM user has this name in this account (active before retired). */
export function canaryUserToken(
  canaries: CanaryIndex,
  name: string,
  account: string | undefined,
): Token | undefined {
  let found: Token | undefined;
  for (const id of canaries.tokensByUserName(name)) {
    const t = canaries.token(id);
    const tokenAccount = t?.accountId ?? t?.userArn?.split(':')[4];
    if (!t || (account && tokenAccount && account !== tokenAccount)) continue;
    if (!found || (found.status !== 'active' && t.status === 'active')) found = t;
  }
  return found;
}

/**
 * True when the canary rules already report this event: made by a canary (honeytoken.used) or
 * acting on a canary user (honeytoken.tampered). Rules about real keys skip such events so one
 * act does not raise a second, lesser finding beside the canary's.
 */
export function isCanaryBusiness(e: CloudEvent, canaries: CanaryIndex): boolean {
  if (canaries.size === 0) return false;
  if (canaries.match(e)) return true;
  const target = e.targetUser;
  return (
    target !== undefined &&
    canaryUserToken(canaries, target.name, target.account ?? accountOf(e)) !== undefined
  );
}

/** Distinct string values of these note keys across hits, in order of first appearance. */
export function noted(hits: readonly HitSummary[], ...keys: string[]): string[] {
  const out = new Set<string>();
  for (const h of hits)
    for (const k of keys) {
      const v = h.note?.[k];
      if (typeof v === 'string') out.add(v);
    }
  return [...out];
}

/**
 * The `lookbackDays` option of rules that say whether a principal did this before: an earlier
 * finding of the same group within that many days makes this one "seen before".
 */
export const lookbackDaysOption = z
  .number()
  .int()
  .min(1)
  .max(365)
  .default(30)
  .describe('how far back an earlier finding of the same principal makes this one "seen before"');

const DAY_MS = 24 * 3_600_000;

/**
 * The time of the group's earlier hit (`ctx.previous`) when it is within `lookbackDays` before
 * `first`, else undefined: "has this principal done this before?".
 */
export function seenWithin(
  first: HitSummary,
  previous: HitSummary | undefined,
  lookbackDays: number,
): number | undefined {
  const prev = previous?.timeMs;
  if (prev === undefined || first.timeMs === undefined) return undefined;
  return first.timeMs - prev <= lookbackDays * DAY_MS ? prev : undefined;
}
