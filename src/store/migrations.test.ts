import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { MIGRATIONS, applyMigrations, latestSchemaVersion } from './migrations.js';
import type { Migration } from './migrations.js';

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
