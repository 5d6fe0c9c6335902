/**
 * Rotating and retiring minted canaries in AWS, and recording where bait was planted.
 */
import type {
  KeyValueStore,
  SecretStore,
  Token,
  TokenStore,
  WorkspaceStore,
} from '../core/index.js';
import { AppError, isAppError } from '../core/index.js';
import type { IamPort } from '../aws/ports.js';
import { findToken, retireInRegistry } from './registry.js';

/** What rotate/retire need. */
export interface LifecycleDeps {
  readonly iam: IamPort;
  readonly store: TokenStore & KeyValueStore & SecretStore & Pick<WorkspaceStore, 'transaction'>;
  readonly seal: ((tokenId: string, secret: string) => string) | undefined;
  readonly actor: string;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

function mintedUser(t: Token): string {
  if (t.origin !== 'minted' || !t.userName) {
    throw new AppError('KS_TOKEN_INVALID', {
      where: t.id,
      reason:
        'only tokens minted by Keysnare can be rotated or deleted in AWS (this one was registered)',
    });
  }
  return t.userName;
}

/** A rotation: the token with its new key, the new secret, and the key id rotated away. */
export interface Rotated {
  readonly token: Token;
  readonly secretAccessKey: string;
  readonly previousKeyId: string;
}

/**
 * Replace a minted token's key: new key first (IAM allows two), then the old one is deleted. The
 * old key id is kept as a `previous-key` fact, so its use is still matched as this token's.
 */
export async function rotateToken(deps: LifecycleDeps, ref: string): Promise<Rotated> {
  const t = await findToken(deps.store, ref);
  const userName = mintedUser(t);
  if (t.status === 'retired')
    throw new AppError('KS_TOKEN_INVALID', { where: t.id, reason: 'it is retired' });
  const key = await deps.iam.createAccessKey(userName);
  const at = deps.now().toISOString();
  const token = await deps.store.transaction(async () => {
    const updated = await deps.store.update(
      t.id,
      { accessKeyId: key.accessKeyId },
      {
        at,
        actor: deps.actor,
        action: 'rotated',
        note: `replaced key ${t.accessKeyId} with ${key.accessKeyId}`,
      },
    );
    await deps.store.addFacts([
      { tokenId: t.id, kind: 'previous-key', value: t.accessKeyId, eventId: `rotate:${at}` },
    ]);
    if (deps.seal) await deps.store.putSecret(t.id, deps.seal(t.id, key.secretAccessKey));
    else await deps.store.deleteSecret(t.id);
    return updated;
  });
  await deps.iam.deleteAccessKey(userName, t.accessKeyId);
  deps.log(`${t.id}: new key ${key.accessKeyId}; deleted ${t.accessKeyId}`);
  return { token, secretAccessKey: key.secretAccessKey, previousKeyId: t.accessKeyId };
}

async function ignoreMissing(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(isAppError(err) && err.details['awsCode'] === 'NoSuchEntity')) throw err;
  }
}

/**
 * Delete a minted canary's IAM user in the order IAM requires (login profile, keys, inline
 * policies, attached policies — AWS's quarantine policy included —, groups, then the user), then
 * retire it in the registry and forget its secret. A user already gone is fine.
 */
export async function retireInAws(deps: LifecycleDeps, ref: string, note?: string): Promise<Token> {
  const t = await findToken(deps.store, ref);
  const userName = mintedUser(t);
  const iam = deps.iam;
  if (await iam.getUser(userName)) {
    await iam.deleteLoginProfile(userName);
    for (const k of await iam.listAccessKeys(userName))
      await ignoreMissing(iam.deleteAccessKey(userName, k.accessKeyId));
    for (const p of await iam.listUserPolicies(userName))
      await ignoreMissing(iam.deleteUserPolicy(userName, p));
    for (const p of await iam.listAttachedUserPolicies(userName))
      await ignoreMissing(iam.detachUserPolicy(userName, p.policyArn));
    for (const g of await iam.listGroupsForUser(userName))
      await ignoreMissing(iam.removeUserFromGroup(userName, g));
    await ignoreMissing(iam.deleteUser(userName));
    deps.log(`${t.id}: deleted IAM user ${userName} and its key`);
  } else {
    deps.log(`${t.id}: IAM user ${userName} no longer exists`);
  }
  return deps.store.transaction(async () => {
    await deps.store.deleteSecret(t.id);
    return retireInRegistry(deps.store, t.id, deps.actor, deps.now(), note);
  });
}
