/**
 * The events table: every normalized event kept for triage, deduplicated by CloudTrail eventID,
 * plus the rule hits kept for regrouping across runs.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { CloudEvent } from '../core/event.js';
import type { EventStore, HitStore, StoredEvent, StoredHit } from '../core/ports.js';
import { integerOrNull, present } from './rows.js';

interface HitRow {
  rule: string;
  group_key: string;
  event_id: string;
  time_ms: number | null;
  data: string;
  finding_id: string | null;
}

/** {@link EventStore} over SQLite: one prepared INSERT OR IGNORE, one transaction per batch. */
export class SqliteEventTable implements EventStore {
  private readonly insert: Statement<unknown[]>;
  private readonly byId: Statement<[string], { event: string; raw: string }>;
  private readonly count: Statement<[], number>;
  private readonly insertBatch: (events: readonly StoredEvent[]) => Set<string>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO events (event_id, time_ms, event_name, event_source, region,
        access_key_id, principal_arn, source_ip, user_agent, error_code, file, record_index,
        event, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.byId = db.prepare('SELECT event, raw FROM events WHERE event_id = ?');
    this.count = db.prepare<[], number>('SELECT count(*) FROM events').pluck();
    this.insertBatch = db.transaction((events: readonly StoredEvent[]) => {
      const inserted = new Set<string>();
      for (const stored of events) {
        if (this.insertOne(stored.event, stored.raw)) inserted.add(stored.event.eventId);
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
  }): CloudEvent[] {
    const out = new Map<string, CloudEvent>();
    const collect = (
      column: 'access_key_id' | 'principal_arn',
      values: readonly string[],
    ): void => {
      for (let i = 0; i < values.length; i += 500) {
        const chunk = values.slice(i, i + 500);
        const sql = `SELECT event FROM events WHERE ${column} IN (${chunk.map(() => '?').join(',')})`;
        for (const text of this.db
          .prepare<string[], string>(sql)
          .pluck()
          .all(...chunk)) {
          const e = JSON.parse(text) as CloudEvent;
          out.set(e.eventId, e);
        }
      }
    };
    collect('access_key_id', q.accessKeyIds);
    collect('principal_arn', q.principalArns);
    return [...out.values()];
  }

  getEvent(eventId: string): StoredEvent | undefined {
    const row = this.byId.get(eventId);
    return row && { event: JSON.parse(row.event) as CloudEvent, raw: row.raw };
  }

  private insertOne(e: CloudEvent, raw: string): boolean {
    const id = e.identity;
    const result = this.insert.run(
      e.eventId,
      integerOrNull(e.timeMs),
      e.eventName,
      e.eventSource,
      e.region,
      id.accessKeyId ?? null,
      id.arn ?? null,
      e.sourceIp ?? null,
      e.userAgent ?? null,
      e.errorCode ?? null,
      e.origin.file,
      integerOrNull(e.origin.index) ?? -1,
      JSON.stringify(e),
      raw,
    );
    return result.changes === 1;
  }
}

/** {@link HitStore} over SQLite. */
export class SqliteHitTable implements HitStore {
  private readonly insert: Statement<unknown[]>;
  private readonly byGroup: Statement<[string, string], HitRow>;
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
}
