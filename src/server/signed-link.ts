/**
 * "Was this you?" links: when a canary fires, its owner gets a link that marks the incident a
 * false positive ("I triggered it while investigating") without signing in. The link is the
 * capability: an HMAC-SHA256 over the incident id and an expiry, with a key kept in the
 * workspace (made on first use), so it works for that one incident until it expires, and
 * changing nothing else. The security team still sees the incident, who answered and when.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../core/index.js';
import { sameSecret } from './auth.js';

const KEY = 'server:link-key';
/** How long a link works. */
export const LINK_TTL_MS = 7 * 24 * 3_600_000;

/** The workspace's link key (made and stored on first use). */
export async function linkKey(kv: KeyValueStore): Promise<Buffer> {
  const stored = await kv.getValue(KEY);
  if (stored) return Buffer.from(stored, 'base64');
  const key = randomBytes(32);
  await kv.setValue(KEY, key.toString('base64'));
  return key;
}

function mac(key: Buffer, incidentId: string, revision: number, exp: number): string {
  return createHmac('sha256', key)
    .update(`was-this-you\u0000${incidentId}\u0000${revision}\u0000${exp}`)
    .digest('base64url');
}

/**
 * The path (with query) of the link for `incidentId` at `revision`, valid until
 * `now + LINK_TTL_MS` and only while the incident is at that revision: any change to it (new
 * activity, a state change, the owner's own answer) spends the link.
 */
export function wasThisYouPath(
  key: Buffer,
  incidentId: string,
  revision: number,
  now: Date,
): string {
  const exp = Math.floor((now.getTime() + LINK_TTL_MS) / 1000);
  return `/was-this-you/${encodeURIComponent(incidentId)}?rev=${revision}&exp=${exp}&sig=${mac(key, incidentId, revision, exp)}`;
}

/** Why a link does not hold for the incident at `revision` (undefined: it does). */
export function linkProblem(
  key: Buffer,
  incidentId: string,
  revision: number,
  q: {
    readonly rev?: string | undefined;
    readonly exp?: string | undefined;
    readonly sig?: string | undefined;
  },
  now: Date,
): string | undefined {
  const e = Number(q.exp);
  const r = Number(q.rev);
  if (!Number.isInteger(e) || !Number.isInteger(r) || typeof q.sig !== 'string')
    return 'the link is incomplete';
  if (!sameSecret(q.sig, mac(key, incidentId, r, e))) return 'the link is not valid';
  if (e * 1000 < now.getTime()) return 'the link has expired';
  if (r !== revision)
    return 'the incident has changed since this link was sent: ask the security team';
  return undefined;
}
