/**
 * Ports that stages receive instead of constructing infrastructure themselves. The SQLite
 * implementation lives in src/store/; app.ts constructs it.
 */
import type { CloudEvent } from './event.js';
import type { Finding } from './finding.js';
import type { CustodyEntry, Placement, Token, TokenFact } from './token.js';

/** Filter for listing tokens. */
export interface TokenFilter {
  readonly status?: 'active' | 'retired' | 'all';
}

/** The token registry with its custody history and learned facts. */
export interface TokenStore {
  /** Insert a new token and its first custody entry. Throws KS_TOKEN_EXISTS on a duplicate key. */
  add(token: Token, custody: Omit<CustodyEntry, 'tokenId'>): void;
  get(id: string): Token | undefined;
  getByAccessKeyId(accessKeyId: string): Token | undefined;
  list(filter?: TokenFilter): Token[];
  /** Change fields of a token (not its id/accessKeyId) and record a custody entry. */
  update(id: string, patch: TokenPatch, custody: Omit<CustodyEntry, 'tokenId'>): Token;
  custody(id: string): CustodyEntry[];
  /** Record facts; returns how many were new. */
  addFacts(facts: readonly TokenFact[]): number;
  facts(): TokenFact[];
}

/** Fields of a token that may change after registration. */
export interface TokenPatch {
  readonly userName?: string;
  readonly userArn?: string;
  readonly principalId?: string;
  readonly accountId?: string;
  readonly label?: string;
  readonly placement?: Placement;
  readonly status?: 'active' | 'retired';
  readonly retiredAt?: string;
  readonly accessKeyId?: string;
}

/** A stored event, for triage. */
export interface StoredEvent {
  readonly event: CloudEvent;
  /** The raw record as read (JSON text, size-capped). */
  readonly raw: string;
}

/** Events kept for triage; insertion dedupes by eventID. */
export interface EventStore {
  /** Insert events; returns the eventIds that were new (the rest were already stored). */
  insertEvents(events: readonly StoredEvent[]): Set<string>;
  countEvents(): number;
  getEvent(eventId: string): StoredEvent | undefined;
  /**
   * Stored events made with any of these key ids or by any of these principal ARNs, or IAM calls
   * acting on any of these user names (lower-cased; see CloudEvent.targetUser).
   */
  findEventsByIdentity(q: {
    readonly accessKeyIds: readonly string[];
    readonly principalArns: readonly string[];
    readonly targetUserNames?: readonly string[];
  }): CloudEvent[];
}

/** Findings, upserted by id. */
export interface FindingStore {
  upsertFindings(findings: readonly Finding[]): void;
  listFindings(filter?: { rule?: string; tokenId?: string; limit?: number }): Finding[];
  getFinding(id: string): Finding | undefined;
  /** Remove findings (merged into another one). */
  deleteFindings(ids: readonly string[]): void;
}

/** A rule hit kept so later events can be grouped with earlier ones across runs. */
export interface StoredHit {
  readonly rule: string;
  readonly groupKey: string;
  readonly eventId: string;
  readonly timeMs?: number;
  /** The hit's data, as JSON-able object. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The finding this hit was last grouped into. */
  readonly findingId?: string;
}

/** Hits by group, for regrouping across runs. */
export interface HitStore {
  /** Insert hits (ignoring ones already stored for the same rule and eventId). */
  insertHits(hits: readonly StoredHit[]): void;
  hitsForGroup(rule: string, groupKey: string): StoredHit[];
  /** Record which finding these hits of `rule` now belong to. */
  setHitFinding(rule: string, eventIds: readonly string[], findingId: string): void;
}

/** Small named values (checkpoints, last-seen times) kept across runs. */
export interface KeyValueStore {
  getValue(key: string): string | undefined;
  setValue(key: string, value: string): void;
}

/** Sealed canary secrets, by token id (sealing happens in tokens/secrets.ts). */
export interface SecretStore {
  putSecret(tokenId: string, sealed: string): void;
  getSecret(tokenId: string): string | undefined;
  deleteSecret(tokenId: string): void;
}

/** Everything kept in the workspace database. */
export interface WorkspaceStore
  extends TokenStore, EventStore, FindingStore, HitStore, KeyValueStore, SecretStore {
  /** Run `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
