/**
 * The workspace database schema, as an ordered list of migrations tracked by SQLite's
 * `user_version` pragma. Append new migrations; never edit one that has shipped.
 */
import type { Database } from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import { iamTarget } from '../normalize/iam-target.js';
import { INCIDENT_SCHEMA } from './incidents.js';
import { decodeRecord, encodeRecord } from './record-codec.js';

/** One schema step. `version` is the `user_version` the database has after it. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  /** Row conversion that SQL alone cannot do; runs after `sql`, in the same transaction. */
  readonly run?: (db: Database) => void;
}

const INITIAL_SCHEMA = `
CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  access_key_id TEXT NOT NULL UNIQUE,
  user_name TEXT,
  user_arn TEXT,
  principal_id TEXT,
  account_id TEXT,
  label TEXT,
  placement TEXT,
  status TEXT NOT NULL,
  origin TEXT NOT NULL,
  created_at TEXT NOT NULL,
  retired_at TEXT
) STRICT;

CREATE TABLE custody (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  placement TEXT,
  previous TEXT,
  note TEXT
) STRICT;
CREATE INDEX custody_token ON custody (token_id, id);

-- No foreign key: facts may concern tokens that come from token files, not the registry.
CREATE TABLE token_facts (
  token_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  event_id TEXT NOT NULL,
  UNIQUE (kind, value)
) STRICT;

CREATE TABLE events (
  event_id TEXT PRIMARY KEY,
  time_ms INTEGER,
  event_name TEXT NOT NULL,
  event_source TEXT NOT NULL,
  region TEXT NOT NULL,
  access_key_id TEXT,
  principal_arn TEXT,
  source_ip TEXT,
  user_agent TEXT,
  error_code TEXT,
  file TEXT NOT NULL,
  record_index INTEGER NOT NULL,
  event TEXT NOT NULL,
  raw TEXT NOT NULL
) STRICT;
CREATE INDEX events_time ON events (time_ms);
CREATE INDEX events_access_key ON events (access_key_id);

CREATE TABLE hits (
  rule TEXT NOT NULL,
  event_id TEXT NOT NULL,
  group_key TEXT NOT NULL,
  time_ms INTEGER,
  data TEXT NOT NULL,
  PRIMARY KEY (rule, event_id)
) STRICT;
CREATE INDEX hits_group ON hits (rule, group_key);

-- No foreign key on token_id, for the same reason as token_facts.
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  time TEXT NOT NULL,
  token_id TEXT,
  finding TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX findings_rule_time ON findings (rule, time);
CREATE INDEX findings_time ON findings (time);
CREATE INDEX findings_token ON findings (token_id);

CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE secrets (
  token_id TEXT PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,
  sealed TEXT NOT NULL
) STRICT;
`;

/**
 * Version 3 keeps each event once: the raw record, compressed, replaces the normalized JSON and the
 * raw text, the file path moves to a table of its own, and only the columns lookups use stay (the
 * event is derived from the raw record on read). No foreign key on file_id: it would cost a lookup
 * per inserted row, and only the store writes either table.
 */
const EVENTS_ONCE = `
CREATE TABLE event_files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE events_v3 (
  event_id TEXT PRIMARY KEY,
  time_ms INTEGER,
  access_key_id TEXT,
  principal_arn TEXT,
  file_id INTEGER NOT NULL,
  record_index INTEGER NOT NULL,
  record BLOB NOT NULL
) STRICT;
`;

const EVENTS_ONCE_FINISH = `
DROP TABLE events;
ALTER TABLE events_v3 RENAME TO events;
CREATE INDEX events_time ON events (time_ms);
CREATE INDEX events_access_key ON events (access_key_id);
CREATE INDEX events_principal ON events (principal_arn);
`;

/** Copy version-2 event rows into the version-3 table, batch by batch (bounded memory). */
function convertEventsToV3(db: Database): void {
  interface OldRow {
    rowid: number;
    event_id: string;
    time_ms: number | null;
    access_key_id: string | null;
    principal_arn: string | null;
    file: string;
    record_index: number;
    raw: string;
  }
  const page = db.prepare<[number], OldRow>(
    `SELECT rowid, event_id, time_ms, access_key_id, principal_arn, file, record_index, raw
     FROM events WHERE rowid > ? ORDER BY rowid LIMIT 2000`,
  );
  const fileId = db.prepare<[string], number>('SELECT id FROM event_files WHERE path = ?').pluck();
  const addFile = db.prepare<[string]>('INSERT INTO event_files (path) VALUES (?)');
  const insert = db.prepare(
    `INSERT INTO events_v3 (event_id, time_ms, access_key_id, principal_arn, file_id, record_index,
      record) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const files = new Map<string, number>();
  let after = 0;
  for (;;) {
    const rows = page.all(after);
    if (rows.length === 0) break;
    for (const r of rows) {
      const id =
        files.get(r.file) ?? fileId.get(r.file) ?? Number(addFile.run(r.file).lastInsertRowid);
      files.set(r.file, id);
      insert.run(
        r.event_id,
        r.time_ms,
        r.access_key_id,
        r.principal_arn,
        id,
        r.record_index,
        encodeRecord(r.raw),
      );
    }
    after = rows[rows.length - 1]!.rowid;
  }
  db.exec(EVENTS_ONCE_FINISH);
}

/** Fill `target_user` of IAM events stored before version 4, batch by batch. */
function addTargetUsers(db: Database): void {
  const page = db.prepare<[number], { rowid: number; record: Buffer }>(
    'SELECT rowid, record FROM events WHERE rowid > ? ORDER BY rowid LIMIT 2000',
  );
  const set = db.prepare('UPDATE events SET target_user = ? WHERE rowid = ?');
  let after = 0;
  for (;;) {
    const rows = page.all(after);
    if (rows.length === 0) break;
    for (const r of rows) {
      const name = targetUserOfRaw(decodeRecord(r.record));
      if (name !== undefined) set.run(name, r.rowid);
    }
    after = rows[rows.length - 1]!.rowid;
  }
}

/** The lower-cased user an IAM call in raw JSON acts on, or undefined. */
export function targetUserOfRaw(raw: string): string | undefined {
  if (!raw.includes('iam.amazonaws.com')) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (v['eventSource'] !== 'iam.amazonaws.com') return undefined;
    return iamTarget(v['requestParameters'], v['errorCode'], v['errorMessage'])?.name.toLowerCase();
  } catch {
    return undefined;
  }
}

/** The schema version from which each event is stored once (older databases are converted). */
export const EVENTS_ONCE_VERSION = 3;

/** Every migration, in order; `version` runs 1, 2, 3 … without gaps. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  {
    version: 2,
    name: 'finding ids on hits; events by principal',
    sql: `ALTER TABLE hits ADD COLUMN finding_id TEXT;
CREATE INDEX events_principal ON events (principal_arn);`,
  },
  {
    version: EVENTS_ONCE_VERSION,
    name: 'each event stored once: compressed raw record, file paths by id',
    sql: EVENTS_ONCE,
    run: convertEventsToV3,
  },
  {
    version: 4,
    name: 'events by the IAM user they act on (replay for canaries registered later)',
    sql: `ALTER TABLE events ADD COLUMN target_user TEXT;
CREATE INDEX events_target_user ON events (target_user);`,
    run: addTargetUsers,
  },
  {
    version: 5,
    name: 'incidents and the alert outbox (findings stored before are grouped on first use)',
    sql: INCIDENT_SCHEMA,
  },
];

/** The schema version this build of Keysnare writes. */
export function latestSchemaVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.at(-1)?.version ?? 0;
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the database up to the newest schema. Safe to call on every open: applied migrations are
 * skipped, and each pending one runs in its own write transaction that re-checks the version, so
 * two processes opening a fresh database at once do not both apply it. Throws KS_DB_MIGRATION
 * when the database is newer than this build or a migration fails (nothing of that step is kept).
 *
 * @returns the schema version before and after.
 */
export function applyMigrations(
  db: Database,
  file: string,
  migrations: readonly Migration[] = MIGRATIONS,
): { from: number; to: number } {
  const latest = latestSchemaVersion(migrations);
  const from = userVersion(db);
  if (from > latest) {
    throw new AppError(
      'KS_DB_MIGRATION',
      { file, version: latest },
      {
        lines: [
          `the database is at schema version ${from}; this Keysnare knows versions up to ${latest}`,
          'upgrade Keysnare to use this workspace',
        ],
      },
    );
  }
  for (const migration of migrations) {
    const step = db.transaction(() => {
      if (userVersion(db) >= migration.version) return;
      db.exec(migration.sql);
      migration.run?.(db);
      db.pragma(`user_version = ${migration.version}`);
    });
    try {
      step.immediate();
    } catch (err) {
      throw new AppError('KS_DB_MIGRATION', { file, version: migration.version }, { cause: err });
    }
  }
  return { from, to: userVersion(db) };
}
