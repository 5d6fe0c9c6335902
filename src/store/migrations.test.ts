import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import {
  EVENTS_ONCE_VERSION,
  MIGRATIONS,
  applyMigrations,
  latestSchemaVersion,
} from './migrations.js';
import type { Migration } from './migrations.js';
import { openSqliteStore } from './sqlite.js';
import { makeEvent } from '../../test/store/fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'keysnare-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const dbs: Database.Database[] = [];
function memory(): Database.Database {
  const db = new Database(':memory:');
  dbs.push(db);
  return db;
}
afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
});

function tables(db: Database.Database): string[] {
  return db
    .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .pluck()
    .all();
}

describe('migrations', () => {
  it('are numbered 1, 2, 3 … without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
  });

  it('create every table on a fresh database', () => {
    const db = memory();
    expect(applyMigrations(db, 'mem')).toEqual({ from: 0, to: latestSchemaVersion() });
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'tokens',
        'custody',
        'token_facts',
        'events',
        'hits',
        'findings',
        'kv',
        'secrets',
      ]),
    );
  });

  it('are idempotent: a second run changes nothing and keeps the data', () => {
    const db = memory();
    applyMigrations(db, 'mem');
    db.prepare("INSERT INTO kv (key, value) VALUES ('k', 'v')").run();
    expect(applyMigrations(db, 'mem')).toEqual({
      from: latestSchemaVersion(),
      to: latestSchemaVersion(),
    });
    expect(db.prepare('SELECT value FROM kv').pluck().get()).toBe('v');
  });

  it('refuse a database newer than this build, saying which versions are involved', () => {
    const db = memory();
    db.pragma('user_version = 999');
    let err: unknown;
    try {
      applyMigrations(db, 'ws.db');
    } catch (e) {
      err = e;
    }
    if (!isAppError(err, 'KS_DB_MIGRATION')) throw new Error('expected KS_DB_MIGRATION');
    expect(err.lines.join(' ')).toContain('999');
  });

  it('roll back a failing migration completely and keep the earlier ones', () => {
    const db = memory();
    const steps: Migration[] = [
      { version: 1, name: 'one', sql: 'CREATE TABLE one (x TEXT);' },
      { version: 2, name: 'broken', sql: 'CREATE TABLE two (x TEXT); CREATE TABLE oops (;' },
    ];
    let err: unknown;
    try {
      applyMigrations(db, 'ws.db', steps);
    } catch (e) {
      err = e;
    }
    expect(isAppError(err, 'KS_DB_MIGRATION')).toBe(true);
    expect((err as Error).message).toBe('cannot migrate database ws.db to version 2');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).toEqual(['one']);
  });
});

describe('migration to one stored copy per event', () => {
  /** A database file at schema version 2 holding these events the way version 2 stored them. */
  function versionTwoDatabase(file: string, events: ReturnType<typeof makeEvent>[]): void {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    applyMigrations(db, file, MIGRATIONS.slice(0, EVENTS_ONCE_VERSION - 1));
    const insert = db.prepare(
      `INSERT INTO events (event_id, time_ms, event_name, event_source, region, access_key_id,
        principal_arn, source_ip, user_agent, error_code, file, record_index, event, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const { event: e, raw } of events) {
      insert.run(
        e.eventId,
        e.timeMs ?? null,
        e.eventName,
        e.eventSource,
        e.region,
        e.identity.accessKeyId ?? null,
        e.identity.arn ?? null,
        e.sourceIp ?? null,
        e.userAgent ?? null,
        e.errorCode ?? null,
        e.origin.file,
        e.origin.index,
        JSON.stringify(e),
        raw,
      );
    }
    db.close();
  }

  it('converts every stored event, keeping its raw record and what triage reads', async () => {
    const file = path.join(root, 'v2.db');
    const events = Array.from({ length: 4500 }, (_, i) =>
      makeEvent(`ev-${i}`, {
        userIdentity: {
          type: 'IAMUser',
          accessKeyId: `AKIAMIGRATE${String(i % 7).padStart(9, '0')}`,
          arn: `arn:aws:iam::111122223333:user/u${i % 7}`,
        },
        // Every hundredth is an IAM call on a user: version 4 indexes the user it acts on.
        ...(i % 100 === 0
          ? { eventSource: 'iam.amazonaws.com', requestParameters: { userName: 'Svc-Ledger' } }
          : {}),
      }),
    );
    versionTwoDatabase(file, events);
    const store = openSqliteStore(file);
    try {
      expect(await store.countEvents()).toBe(events.length);
      for (const i of [0, 1999, 2000, 4499]) {
        expect(await store.getEvent(`ev-${i}`)).toStrictEqual(events[i]);
      }
      const byKey = await store.findEventsByIdentity({
        accessKeyIds: ['AKIAMIGRATE000000003'],
        principalArns: ['arn:aws:iam::111122223333:user/u4'],
      });
      expect(byKey.map((e) => e.eventId).sort()).toEqual(
        events
          .filter((_, i) => i % 7 === 3 || i % 7 === 4)
          .map((e) => e.event.eventId)
          .sort(),
      );
      const byTarget = await store.findEventsByIdentity({
        accessKeyIds: [],
        principalArns: [],
        targetUserNames: ['svc-ledger'],
      });
      expect(byTarget).toHaveLength(45);
    } finally {
      await store.close();
    }
    const db = new Database(file, { readonly: true });
    const columns = db
      .prepare<[], string>("SELECT name FROM pragma_table_info('events')")
      .pluck()
      .all();
    expect(columns).not.toContain('event');
    expect(columns).not.toContain('raw');
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    db.close();
  });
});
