/**
 * Read-only snapshots of the fake's IAM state for test assertions (copies; mutating them changes
 * nothing in the fake).
 */
import { keysOfUser, type FakeState } from './state.js';

/** An access key as a test sees it (with its secret, since tests may need to sign with it). */
export interface FakeKeySnapshot {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly status: 'Active' | 'Inactive' | 'Expired';
  readonly createDate: Date;
  readonly lastUsed?: { readonly date: Date; readonly service: string; readonly region: string };
}

/** An IAM user as a test sees it. */
export interface FakeUserSnapshot {
  readonly userName: string;
  readonly userId: string;
  readonly path: string;
  readonly arn: string;
  readonly createDate: Date;
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  /** Access keys in creation order. */
  readonly keys: readonly FakeKeySnapshot[];
  /** Inline policy documents by name. */
  readonly inlinePolicies: Readonly<Record<string, string>>;
  readonly attachedPolicies: readonly string[];
  readonly groups: readonly string[];
  readonly hasLoginProfile: boolean;
}

/** Snapshot every user, sorted by name. */
export function snapshotUsers(state: FakeState): FakeUserSnapshot[] {
  return [...state.users.values()]
    .sort((a, b) => a.userName.localeCompare(b.userName))
    .map((u) => ({
      userName: u.userName,
      userId: u.userId,
      path: u.path,
      arn: u.arn,
      createDate: new Date(u.createDate.getTime()),
      tags: u.tags.map((t) => ({ ...t })),
      keys: keysOfUser(state, u.userName).map((k) => ({
        accessKeyId: k.accessKeyId,
        secretAccessKey: k.secretAccessKey,
        status: k.status,
        createDate: new Date(k.createDate.getTime()),
        ...(k.lastUsed ? { lastUsed: structuredClone(k.lastUsed) } : {}),
      })),
      inlinePolicies: Object.fromEntries(u.inlinePolicies),
      attachedPolicies: [...u.attachedPolicies],
      groups: [...u.groups],
      hasLoginProfile: u.loginProfile !== undefined,
    }));
}
