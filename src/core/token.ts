/**
 * Canary tokens (honey access keys), where they are planted, and their chain of custody.
 */

/** Where a token lives. Free-form keys beyond the named ones are kept as given. */
export interface Placement {
  readonly host?: string;
  readonly path?: string;
  readonly owner?: string;
  readonly notes?: string;
  readonly [key: string]: string | undefined;
}

/** How the token came to be in the registry. */
export type TokenOrigin = 'registered' | 'minted' | 'file';

/** A canary access key. Never carries the secret. */
export interface Token {
  /** Stable registry id, `tok_` + 12 lowercase base32 chars. */
  readonly id: string;
  readonly accessKeyId: string;
  readonly userName?: string;
  readonly userArn?: string;
  /** IAM user unique id (`AIDA…`), when known. */
  readonly principalId?: string;
  readonly accountId?: string;
  readonly label?: string;
  readonly placement?: Placement;
  readonly status: 'active' | 'retired';
  readonly origin: TokenOrigin;
  /** ISO time the token entered the registry. */
  readonly createdAt: string;
  readonly retiredAt?: string;
}

/** One entry of a token's chain of custody: who did what, when. */
export interface CustodyEntry {
  readonly tokenId: string;
  /** ISO time. */
  readonly at: string;
  readonly actor: string;
  readonly action:
    'registered' | 'minted' | 'placed' | 'moved' | 'planted' | 'rotated' | 'retired' | 'updated';
  readonly placement?: Placement;
  readonly previous?: Placement;
  readonly note?: string;
}

/**
 * An identifier linked to a canary, learned from events (the registry may lack the user ARN, and
 * GetSessionToken / GetFederationToken hand out new ids).
 */
export interface TokenFact {
  readonly tokenId: string;
  readonly kind:
    | 'user-arn'
    | 'principal-id'
    | 'user-name'
    | 'account-id'
    | 'session-key'
    | 'federated-arn'
    /** A key id the token had before `token rotate`: an attacker may still try it. */
    | 'previous-key';
  readonly value: string;
  /** The eventID the fact was learned from (`rotate:<ISO time>` for a rotated-away key). */
  readonly eventId: string;
}

/** Render a placement the way people say it: "build-7 in ~/.aws/credentials by platform-team". */
export function describePlacement(p: Placement | undefined): string {
  if (!p) return 'no recorded placement';
  const parts: string[] = [];
  if (p.host) parts.push(`on ${p.host}`);
  if (p.path) parts.push(`in ${p.path}`);
  if (p.owner) parts.push(`by ${p.owner}`);
  const extra = Object.entries(p).filter(
    ([k, v]) => v !== undefined && !['host', 'path', 'owner', 'notes'].includes(k),
  );
  for (const [k, v] of extra) parts.push(`${k}=${v ?? ''}`);
  if (p.notes) parts.push(`(${p.notes})`);
  return parts.length ? `placed ${parts.join(' ')}` : 'no recorded placement';
}
