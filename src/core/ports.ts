/**
 * Ports that stages receive instead of constructing infrastructure themselves. Every method is
 * async, so a networked store (PostgreSQL) implements the same interface as the embedded SQLite
 * one in src/store/; app.ts constructs it.
 */
import type { CloudEvent } from './event.js';
import type { Finding } from './finding.js';
import type { Alert, AlertStatus, Incident, IncidentState } from './incident.js';
import type { CustodyEntry, Placement, Token, TokenFact } from './token.js';

/** Filter for listing tokens. */
export interface TokenFilter {
  readonly status?: 'active' | 'retired' | 'all';
}

/** The token registry with its custody history and learned facts. */
export interface TokenStore {
  /** Insert a new token and its first custody entry. Throws KS_TOKEN_EXISTS on a duplicate key. */
  add(token: Token, custody: Omit<CustodyEntry, 'tokenId'>): Promise<void>;
  get(id: string): Promise<Token | undefined>;
  getByAccessKeyId(accessKeyId: string): Promise<Token | undefined>;
  list(filter?: TokenFilter): Promise<Token[]>;
  /** Change fields of a token (not its id/accessKeyId) and record a custody entry. */
  update(id: string, patch: TokenPatch, custody: Omit<CustodyEntry, 'tokenId'>): Promise<Token>;
  custody(id: string): Promise<CustodyEntry[]>;
  /** Record facts; returns how many were new. */
  addFacts(facts: readonly TokenFact[]): Promise<number>;
  facts(): Promise<TokenFact[]>;
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
  insertEvents(events: readonly StoredEvent[]): Promise<Set<string>>;
  countEvents(): Promise<number>;
  getEvent(eventId: string): Promise<StoredEvent | undefined>;
  /**
   * Stored events made with any of these key ids or by any of these principal ARNs, or IAM calls
   * acting on any of these user names (lower-cased; see CloudEvent.targetUser).
   */
  findEventsByIdentity(q: {
    readonly accessKeyIds: readonly string[];
    readonly principalArns: readonly string[];
    readonly targetUserNames?: readonly string[];
  }): Promise<CloudEvent[]>;
  /**
   * Stored events in batches, in storage order (bounded memory over any number of events);
   * `fromMs`/`toMs` keep those timed within the range (inclusive).
   */
  eventBatches(q?: {
    readonly fromMs?: number;
    readonly toMs?: number;
    readonly batchSize?: number;
  }): AsyncIterable<CloudEvent[]>;
}

/** Findings, upserted by id. */
export interface FindingStore {
  upsertFindings(findings: readonly Finding[]): Promise<void>;
  listFindings(filter?: { rule?: string; tokenId?: string; limit?: number }): Promise<Finding[]>;
  getFinding(id: string): Promise<Finding | undefined>;
  /** Remove findings (merged into another one). */
  deleteFindings(ids: readonly string[]): Promise<void>;
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

/** A group of stored hits: its key and the time of its earliest timed hit. */
export interface HitGroup {
  readonly groupKey: string;
  readonly firstMs?: number;
}

/** Hits by group, for regrouping across runs. */
export interface HitStore {
  /** Insert hits (ignoring ones already stored for the same rule and eventId). */
  insertHits(hits: readonly StoredHit[]): Promise<void>;
  hitsForGroup(rule: string, groupKey: string): Promise<StoredHit[]>;
  /**
   * The groups of `rule`'s stored hits whose key starts with `keyPrefix`, sorted by key, each with
   * the time of its earliest timed hit (undefined when none has a time).
   */
  hitGroups(rule: string, keyPrefix: string): Promise<HitGroup[]>;
  /** Record which finding these hits of `rule` now belong to. */
  setHitFinding(rule: string, eventIds: readonly string[], findingId: string): Promise<void>;
}

/** Small named values (checkpoints, last-seen times) kept across runs. */
export interface KeyValueStore {
  getValue(key: string): Promise<string | undefined>;
  setValue(key: string, value: string): Promise<void>;
}

/** Sealed canary secrets, by token id (sealing happens in tokens/secrets.ts). */
export interface SecretStore {
  putSecret(tokenId: string, sealed: string): Promise<void>;
  getSecret(tokenId: string): Promise<string | undefined>;
  deleteSecret(tokenId: string): Promise<void>;
}

/** Filter for listing incidents. */
export interface IncidentFilter {
  readonly state?: IncidentState;
  readonly limit?: number;
}

/** Incidents, upserted by id and kept as the exact JSON given. */
export interface IncidentStore {
  upsertIncidents(incidents: readonly Incident[]): Promise<void>;
  getIncident(id: string): Promise<Incident | undefined>;
  /** Newest first (by last activity, then id). */
  listIncidents(filter?: IncidentFilter): Promise<Incident[]>;
  /** The incidents with this grouping key, newest first. */
  incidentsByKey(key: string): Promise<Incident[]>;
  /** Which incident each of these findings belongs to (findings in none are left out). */
  incidentsOfFindings(findingIds: readonly string[]): Promise<Map<string, string>>;
  /** The incidents any of these source IPs appear in. */
  incidentsBySourceIp(ips: readonly string[]): Promise<Incident[]>;
  /** Findings that belong to no incident yet (stored before incidents existed), oldest first. */
  unassignedFindings(): Promise<Finding[]>;
}

/** Filter for listing alerts. */
export interface AlertFilter {
  readonly status?: AlertStatus;
  readonly sink?: string;
  readonly incidentId?: string;
  readonly limit?: number;
}

/** What a delivery attempt changes on an alert. */
export interface AlertAttempt {
  readonly status: AlertStatus;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly deliveredAt?: string;
  readonly lastError?: string;
  /** A new start for the maximum age (`alerts retry`). */
  readonly createdAt?: string;
}

/**
 * The durable outbox: alerts are enqueued in the same transaction as the incident change that
 * makes them, then delivered by the dispatcher, each sink's in the order they were enqueued.
 */
export interface AlertStore {
  /** Add alerts (an id already queued is ignored). */
  enqueueAlerts(alerts: readonly Alert[]): Promise<void>;
  /** Each sink's oldest pending alert, whatever its due time (a sink delivers in order). */
  headOfQueues(): Promise<Alert[]>;
  recordAttempt(id: string, attempt: AlertAttempt): Promise<void>;
  getAlert(id: string): Promise<Alert | undefined>;
  /** Oldest first. */
  listAlerts(filter?: AlertFilter): Promise<Alert[]>;
  /** What a sink's first delivery for an incident returned, for threading follow-ups. */
  alertRef(incidentId: string, sink: string): Promise<string | undefined>;
  setAlertRef(incidentId: string, sink: string, ref: string): Promise<void>;
}

/** Everything kept in the workspace database. */
export interface WorkspaceStore
  extends
    TokenStore,
    EventStore,
    FindingStore,
    HitStore,
    KeyValueStore,
    SecretStore,
    IncidentStore,
    AlertStore {
  /**
   * Run `fn` in one transaction: it commits when `fn` resolves and rolls back when it rejects.
   * A transaction opened inside another joins it.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
