/**
 * The events table: every event kept for triage (its raw record, once), deduplicated by CloudTrail
 * eventID, plus the rule hits kept for regrouping across runs.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CloudEvent } from '../core/event.js';
import type { HitGroup, StoredEvent, StoredHit } from '../core/ports.js';
import { normalizeRecord } from '../normalize/cloudtrail.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import { integerOrNull, present } from './rows.js';

interface HitRow {
  rule: string;
  group_key: string;
  event_id: string;
  time_ms: number | null;
  data: string;
  finding_id: string | null;
}

interface EventRow {
  event_id: string;
  time_ms: number | null;
  access_key_id: string | null;
  principal_arn: string | null;
  path: string | null;
  record_index: number;
  record: Buffer;
}

const SELECT_EVENT = `SELECT e.event_id, e.time_ms, e.access_key_id, e.principal_arn, f.path,
  e.record_index, e.record FROM events e LEFT JOIN event_files f ON f.id = e.file_id`;

/**
 * {@link EventStore} over SQLite. Each event is stored once, as its raw record (compressed, see
 * record-codec.ts) beside the few columns lookups use; the {@link CloudEvent} is derived from the
 * raw record on read by the same normalizer ingest used. One transaction per batch.
 */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteEventTable {
  private readonly insert: Statement<unknown[]>;
  private readonly fileId: Statement<[string], number>;
  private readonly addFile: Statement<[string]>;
  private readonly byId: Statement<[string], EventRow>;
  private readonly count: Statement<[], number>;
  private readonly insertBatch: (events: readonly StoredEvent[]) => Set<string>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO events (event_id, time_ms, access_key_id, principal_arn, file_id,
        record_index, record, target_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.fileId = db.prepare<[string], number>('SELECT id FROM event_files WHERE path = ?').pluck();
    this.addFile = db.prepare<[string]>('INSERT INTO event_files (path) VALUES (?)');
    this.byId = db.prepare(`${SELECT_EVENT} WHERE e.event_id = ?`);
    this.count = db.prepare<[], number>('SELECT count(*) FROM events').pluck();
    this.insertBatch = db.transaction((events: readonly StoredEvent[]) => {
      // File ids are cached for this batch only: a rolled-back transaction forgets its ids.
      const files = new Map<string, number>();
      const inserted = new Set<string>();
      for (const stored of events) {
        if (this.insertOne(stored.event, stored.raw, files)) inserted.add(stored.event.eventId);
      }
      return inserted;
    });
  }

  insertEvents(events: readonly StoredEvent[]): Set<string> {
    return events.length === 0 ? new Set() : this.insertBatch(events);
  }

  countEvents(): number {
    return this.count.get() ?? 0;
  }

  findEventsByIdentity(q: {
    readonly accessKeyIds: readonly string[];
    readonly principalArns: readonly string[];
    readonly targetUserNames?: readonly string[];
  }): CloudEvent[] {
    const out = new Map<string, CloudEvent>();
    const collect = (
      column: 'access_key_id' | 'principal_arn' | 'target_user',
      values: readonly string[],
    ): void => {
      for (let i = 0; i < values.length; i += 500) {
        const chunk = values.slice(i, i + 500);
        const sql = `${SELECT_EVENT} WHERE e.${column} IN (${chunk.map(() => '?').join(',')})`;
        for (const row of this.db.prepare<string[], EventRow>(sql).all(...chunk)) {
          if (!out.has(row.event_id)) out.set(row.event_id, derive(row).event);
        }
      }
    };
    collect('access_key_id', q.accessKeyIds);
    collect('principal_arn', q.principalArns);
    collect('target_user', q.targetUserNames ?? []);
    return [...out.values()];
  }

  /** One batch after `afterRowid` (keyset paging), with the last rowid read. */
  eventBatch(
    afterRowid: number,
    size: number,
    fromMs: number | undefined,
    toMs: number | undefined,
  ): { events: CloudEvent[]; last: number } {
    const timed = fromMs !== undefined || toMs !== undefined;
    const sql = `SELECT e.rowid AS rid, e.event_id, e.time_ms, e.access_key_id, e.principal_arn,
      f.path, e.record_index, e.record FROM events e LEFT JOIN event_files f ON f.id = e.file_id
      WHERE e.rowid > ? ${timed ? 'AND e.time_ms BETWEEN ? AND ?' : ''} ORDER BY e.rowid LIMIT ?`;
    const params: number[] = timed
      ? [afterRowid, fromMs ?? -8.64e15, toMs ?? 8.64e15, size]
      : [afterRowid, size];
    const rows = this.db.prepare<number[], EventRow & { rid: number }>(sql).all(...params);
    return { events: rows.map((r) => derive(r).event), last: rows.at(-1)?.rid ?? -1 };
  }

  getEvent(eventId: string): StoredEvent | undefined {
    const row = this.byId.get(eventId);
    return row && derive(row);
  }

  private insertOne(e: CloudEvent, raw: string, files: Map<string, number>): boolean {
    const id = e.identity;
    const result = this.insert.run(
      e.eventId,
      integerOrNull(e.timeMs),
      id.accessKeyId ?? null,
      id.arn ?? null,
      this.fileIdOf(e.origin.file, files),
      integerOrNull(e.origin.index) ?? -1,
      encodeRecord(raw),
      e.targetUser?.name.toLowerCase() ?? null,
    );
    return result.changes === 1;
  }

  private fileIdOf(path: string, files: Map<string, number>): number {
    const id =
      files.get(path) ?? this.fileId.get(path) ?? Number(this.addFile.run(path).lastInsertRowid);
    files.set(path, id);
    return id;
  }
}

/**
 * The stored event: its raw record, and the CloudEvent normalized from it. A record the normalizer
 * no longer accepts (or that does not parse) still yields an event from the indexed columns, so a
 * stored event never disappears from triage.
 */
function derive(row: EventRow): StoredEvent {
  const raw = decodeRecord(row.record);
  const origin = { file: row.path ?? '', index: row.record_index };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  const normalized =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? normalizeRecord(value as Record<string, unknown>, origin)
      : undefined;
  if (normalized && 'eventId' in normalized) {
    return { event: { ...normalized, eventId: row.event_id, origin }, raw };
  }
  return { event: fromColumns(row, origin), raw };
}

function timeOf(ms: number | null): { time?: string; timeMs?: number } {
  if (ms === null) return {};
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? { timeMs: ms } : { time: d.toISOString(), timeMs: ms };
}

function fromColumns(row: EventRow, origin: { file: string; index: number }): CloudEvent {
  return {
    eventId: row.event_id,
    ...timeOf(row.time_ms),
    eventName: '',
    eventSource: '',
    region: '',
    regionKnown: false,
    identity: {
      ...present('accessKeyId', row.access_key_id),
      ...present('arn', row.principal_arn),
    },
    sourceKind: 'missing',
    userAgentClass: 'missing',
    origin,
  };
}

/** {@link HitStore} over SQLite. */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteHitTable {
  private readonly insert: Statement<unknown[]>;
  private readonly byGroup: Statement<[string, string], HitRow>;
  private readonly groups: Statement<
    [string, string, string, string, string],
    { group_key: string; first_ms: number | null }
  >;
  private readonly insertBatch: (hits: readonly StoredHit[]) => void;
  private readonly assign: (rule: string, eventIds: readonly string[], findingId: string) => void;

  constructor(db: Database) {
    const setFinding = db.prepare('UPDATE hits SET finding_id = ? WHERE rule = ? AND event_id = ?');
    this.assign = db.transaction((rule: string, eventIds: readonly string[], findingId: string) => {
      for (const id of eventIds) setFinding.run(findingId, rule, id);
    });
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO hits (rule, event_id, group_key, time_ms, data) VALUES (?, ?, ?, ?, ?)',
    );
    this.byGroup = db.prepare(
      `SELECT rule, group_key, event_id, time_ms, data, finding_id FROM hits WHERE rule = ? AND group_key = ?
       ORDER BY time_ms IS NULL, time_ms, rowid`,
    );
    // A key range the (rule, group_key) index serves, then the prefix compared exactly (not
    // LIKE: a group key may hold `%` or `_`).
    this.groups = db.prepare(
      `SELECT group_key, MIN(time_ms) AS first_ms FROM hits
       WHERE rule = ? AND group_key >= ? AND group_key < ? AND substr(group_key, 1, length(?)) = ?
       GROUP BY group_key ORDER BY group_key`,
    );
    this.insertBatch = db.transaction((hits: readonly StoredHit[]) => {
      for (const h of hits) {
        this.insert.run(
          h.rule,
          h.eventId,
          h.groupKey,
          integerOrNull(h.timeMs),
          JSON.stringify(h.data),
        );
      }
    });
  }

  insertHits(hits: readonly StoredHit[]): void {
    if (hits.length > 0) this.insertBatch(hits);
  }

  /** The group's hits, oldest first (hits without a time last, in insertion order). */
  hitsForGroup(rule: string, groupKey: string): StoredHit[] {
    return this.byGroup.all(rule, groupKey).map((r) => ({
      rule: r.rule,
      groupKey: r.group_key,
      eventId: r.event_id,
      ...present('timeMs', r.time_ms),
      data: JSON.parse(r.data) as Record<string, unknown>,
      ...present('findingId', r.finding_id),
    }));
  }

  setHitFinding(rule: string, eventIds: readonly string[], findingId: string): void {
    this.assign(rule, eventIds, findingId);
  }

  hitGroups(rule: string, keyPrefix: string): HitGroup[] {
    // Every key with the prefix sorts below the prefix followed by the highest code point.
    const upper = `${keyPrefix}\u{10ffff}`;
    return this.groups
      .all(rule, keyPrefix, upper, keyPrefix, keyPrefix)
      .map((r) => ({ groupKey: r.group_key, ...present('firstMs', r.first_ms) }));
  }
}
