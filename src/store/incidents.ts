/**
 * Incidents (kept as the exact JSON given, with the finding and source-IP indexes that grouping
 * looks them up by) and the alert outbox, over SQLite.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';
import type { Alert, Incident } from '../core/incident.js';
import type { AlertAttempt, AlertFilter, IncidentFilter } from '../core/ports.js';

/** The schema both tables need (migration 5). */
export const INCIDENT_SCHEMA = `
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  state TEXT NOT NULL,
  severity TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  incident TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX incidents_key ON incidents (key, last_seen);
CREATE INDEX incidents_last_seen ON incidents (last_seen);
CREATE TABLE incident_findings (
  finding_id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX incident_findings_incident ON incident_findings (incident_id);
CREATE TABLE incident_ips (
  ip TEXT NOT NULL,
  incident_id TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  PRIMARY KEY (ip, incident_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  sink TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT,
  message TEXT NOT NULL
) STRICT;
CREATE INDEX alerts_queue ON alerts (status, sink, seq);
CREATE INDEX alerts_incident ON alerts (incident_id);
CREATE TABLE alert_refs (
  incident_id TEXT NOT NULL,
  sink TEXT NOT NULL,
  ref TEXT NOT NULL,
  PRIMARY KEY (incident_id, sink)
) STRICT, WITHOUT ROWID;
`;

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return -1;
  if (!(Number.isInteger(limit) && limit >= 0))
    throw new AppError('KS_USAGE', {
      reason: `limit must be a non-negative integer, got ${limit}`,
    });
  return limit;
}

/** The synchronous side of the incident store; the workspace store offers it as the async port. */
export class SqliteIncidentTable {
  private readonly upsert: Statement<unknown[]>;
  private readonly clearFindings: Statement<[string]>;
  private readonly addFinding: Statement<[string, string]>;
  private readonly clearIps: Statement<[string]>;
  private readonly addIp: Statement<[string, string]>;

  constructor(
    private readonly db: Database,
    private readonly now: () => Date,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO incidents (id, key, state, severity, last_seen, incident, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET key = excluded.key, state = excluded.state,
         severity = excluded.severity, last_seen = excluded.last_seen,
         incident = excluded.incident, updated_at = excluded.updated_at`,
    );
    this.clearFindings = db.prepare('DELETE FROM incident_findings WHERE incident_id = ?');
    this.addFinding = db.prepare(
      `INSERT INTO incident_findings (finding_id, incident_id) VALUES (?, ?)
       ON CONFLICT (finding_id) DO UPDATE SET incident_id = excluded.incident_id`,
    );
    this.clearIps = db.prepare('DELETE FROM incident_ips WHERE incident_id = ?');
    this.addIp = db.prepare('INSERT OR IGNORE INTO incident_ips (ip, incident_id) VALUES (?, ?)');
  }

  upsertIncidents(incidents: readonly Incident[]): void {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const i of incidents) {
        this.upsert.run(i.id, i.key, i.state, i.severity, i.lastSeen, JSON.stringify(i), at);
        this.clearFindings.run(i.id);
        for (const f of i.findingIds) this.addFinding.run(f, i.id);
        this.clearIps.run(i.id);
        for (const ip of i.sourceIps) this.addIp.run(ip, i.id);
      }
    })();
  }

  getIncident(id: string): Incident | undefined {
    const text = this.db
      .prepare<[string], string>('SELECT incident FROM incidents WHERE id = ?')
      .pluck()
      .get(id);
    return text === undefined ? undefined : (JSON.parse(text) as Incident);
  }

  listIncidents(filter: IncidentFilter = {}): Incident[] {
    const where = filter.state !== undefined ? 'WHERE state = ?' : '';
    const params: (string | number)[] = filter.state !== undefined ? [filter.state] : [];
    return this.db
      .prepare<unknown[], string>(
        `SELECT incident FROM incidents ${where} ORDER BY last_seen DESC, id LIMIT ?`,
      )
      .pluck()
      .all(...params, limitOf(filter.limit))
      .map((t) => JSON.parse(t) as Incident);
  }

  incidentsByKey(key: string): Incident[] {
    return this.db
      .prepare<[string], string>(
        'SELECT incident FROM incidents WHERE key = ? ORDER BY last_seen DESC, id',
      )
      .pluck()
      .all(key)
      .map((t) => JSON.parse(t) as Incident);
  }

  incidentsOfFindings(findingIds: readonly string[]): Map<string, string> {
    const get = this.db
      .prepare<[string], string>('SELECT incident_id FROM incident_findings WHERE finding_id = ?')
      .pluck();
    const out = new Map<string, string>();
    for (const f of findingIds) {
      const id = get.get(f);
      if (id !== undefined) out.set(f, id);
    }
    return out;
  }

  incidentsBySourceIp(ips: readonly string[]): Incident[] {
    const get = this.db
      .prepare<[string], string>(
        `SELECT i.incident FROM incident_ips p JOIN incidents i ON i.id = p.incident_id
         WHERE p.ip = ? ORDER BY i.id`,
      )
      .pluck();
    const byId = new Map<string, Incident>();
    for (const ip of ips)
      for (const t of get.all(ip)) {
        const i = JSON.parse(t) as Incident;
        byId.set(i.id, i);
      }
    return [...byId.values()];
  }

  unassignedFindings(): Finding[] {
    return this.db
      .prepare<[], string>(
        `SELECT f.finding FROM findings f LEFT JOIN incident_findings x ON x.finding_id = f.id
         WHERE x.finding_id IS NULL ORDER BY f.time, f.id`,
      )
      .pluck()
      .all()
      .map((t) => JSON.parse(t) as Finding);
  }
}

interface AlertRow {
  readonly id: string;
  readonly status: Alert['status'];
  readonly attempts: number;
  readonly next_attempt_at: string;
  readonly delivered_at: string | null;
  readonly last_error: string | null;
  readonly message: string;
  readonly sink: string;
  readonly incident_id: string;
  readonly kind: Alert['kind'];
  readonly created_at: string;
}

function alertOf(r: AlertRow): Alert {
  return {
    id: r.id,
    sink: r.sink,
    incidentId: r.incident_id,
    kind: r.kind,
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    nextAttemptAt: r.next_attempt_at,
    ...(r.delivered_at !== null ? { deliveredAt: r.delivered_at } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    message: JSON.parse(r.message) as Alert['message'],
  };
}

/** The synchronous side of the outbox. */
export class SqliteAlertTable {
  private readonly insert: Statement<unknown[]>;
  private readonly update: Statement<unknown[]>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO alerts (id, sink, incident_id, kind, status, attempts, created_at,
         next_attempt_at, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.update = db.prepare(
      `UPDATE alerts SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?,
         last_error = ?, created_at = COALESCE(?, created_at) WHERE id = ?`,
    );
  }

  enqueueAlerts(alerts: readonly Alert[]): void {
    this.db.transaction(() => {
      for (const a of alerts)
        this.insert.run(
          a.id,
          a.sink,
          a.incidentId,
          a.kind,
          a.status,
          a.attempts,
          a.createdAt,
          a.nextAttemptAt,
          JSON.stringify(a.message),
        );
    })();
  }

  headOfQueues(): Alert[] {
    return this.db
      .prepare<[], AlertRow>(
        `SELECT a.* FROM alerts a JOIN (SELECT sink, MIN(seq) AS seq FROM alerts
           WHERE status = 'pending' GROUP BY sink) h ON a.seq = h.seq ORDER BY a.seq`,
      )
      .all()
      .map(alertOf);
  }

  recordAttempt(id: string, a: AlertAttempt): void {
    this.update.run(
      a.status,
      a.attempts,
      a.nextAttemptAt,
      a.deliveredAt ?? null,
      a.lastError ?? null,
      a.createdAt ?? null,
      id,
    );
  }

  getAlert(id: string): Alert | undefined {
    const row = this.db.prepare<[string], AlertRow>('SELECT * FROM alerts WHERE id = ?').get(id);
    return row ? alertOf(row) : undefined;
  }

  listAlerts(filter: AlertFilter = {}): Alert[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    for (const [col, v] of [
      ['status', filter.status],
      ['sink', filter.sink],
      ['incident_id', filter.incidentId],
    ] as const) {
      if (v === undefined) continue;
      where.push(`${col} = ?`);
      params.push(v);
    }
    return this.db
      .prepare<unknown[], AlertRow>(
        `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY seq LIMIT ?`,
      )
      .all(...params, limitOf(filter.limit))
      .map(alertOf);
  }

  alertRef(incidentId: string, sink: string): string | undefined {
    return this.db
      .prepare<[string, string], string>(
        'SELECT ref FROM alert_refs WHERE incident_id = ? AND sink = ?',
      )
      .pluck()
      .get(incidentId, sink);
  }

  setAlertRef(incidentId: string, sink: string, ref: string): void {
    this.db
      .prepare(
        `INSERT INTO alert_refs (incident_id, sink, ref) VALUES (?, ?, ?)
         ON CONFLICT (incident_id, sink) DO NOTHING`,
      )
      .run(incidentId, sink, ref);
  }
}
