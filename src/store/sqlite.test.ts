import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { latestSchemaVersion } from './migrations.js';
import { openSqliteStore } from './sqlite.js';
import type { SqliteStore } from './sqlite.js';
import { runStoreContract } from '../../test/store/contract.js';
import {
  HOSTILE_STRINGS,
  makeEvent,
  makeFinding,
  makeToken,
  rejectedBy,
} from '../../test/store/fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'keysnare-store-'));
let counter = 0;
const freshFile = (): string => path.join(root, `ws-${++counter}.db`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

runStoreContract('sqlite :memory:', () => openSqliteStore(':memory:'));
runStoreContract('sqlite file', () => openSqliteStore(freshFile()));

const registered = {
  at: '2026-01-01T00:00:00.000Z',
  actor: 'alice',
  action: 'registered',
} as const;

const opened: SqliteStore[] = [];
function open(file: string, options?: Parameters<typeof openSqliteStore>[1]): SqliteStore {
  const store = openSqliteStore(file, options);
  opened.push(store);
  return store;
}
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
});

describe('sqlite workspace file', () => {
  it('keeps everything across a close and reopen without re-running migrations', async () => {
    const file = freshFile();
    const first = open(file);
    await first.add(makeToken(1), registered);
    await first.insertEvents([makeEvent('a')]);
    await first.upsertFindings([makeFinding('f', '2026-01-01T00:00:00.000Z')]);
    await first.setValue('k', 'v');
    await first.putSecret(makeToken(1).id, 'sealed');
    await first.close();

    const again = open(file);
    expect(await again.get(makeToken(1).id)).toStrictEqual(makeToken(1));
    expect(await again.custody(makeToken(1).id)).toHaveLength(1);
    expect(await again.countEvents()).toBe(1);
    expect(await again.listFindings()).toHaveLength(1);
    expect(await again.getValue('k')).toBe('v');
    expect(await again.getSecret(makeToken(1).id)).toBe('sealed');
  });

  it('uses WAL journaling, with the -wal file beside the database while open', async () => {
    const file = freshFile();
    const store = open(file);
    await store.setValue('k', 'v');
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    raw.close();
  });

  it('creates the database and its -wal and -shm files 0600 whatever the umask and folder mode', async () => {
    const dir = path.join(root, `open-folder-${++counter}`);
    mkdirSync(dir, { mode: 0o777 });
    chmodSync(dir, 0o777);
    const file = path.join(dir, 'keysnare.db');
    const before = process.umask(0o000);
    try {
      const store = open(file);
      await store.setValue('k', 'v');
      const mode = (f: string) => statSync(f).mode & 0o777;
      expect(mode(file).toString(8)).toBe('600');
      expect(mode(`${file}-wal`).toString(8)).toBe('600');
      expect(mode(`${file}-shm`).toString(8)).toBe('600');
    } finally {
      process.umask(before);
    }
  });

  it('tightens an existing database file that is readable by others to 0600', async () => {
    const file = freshFile();
    await open(file).close();
    chmodSync(file, 0o644);
    const store = open(file);
    await store.setValue('k', 'v');
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(`${file}-wal`).mode & 0o777).toString(8)).toBe('600');
  });

  it('refuses a database written by a newer Keysnare', async () => {
    const file = freshFile();
    await open(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestSchemaVersion() + 1}`);
    raw.close();
    const err = await rejectedBy(() => open(file));
    expect(isAppError(err, 'KS_DB_MIGRATION')).toBe(true);
  });

  it('reports a file that is not a database as KS_DB', async () => {
    const file = freshFile();
    writeFileSync(
      file,
      'this is not sqlite, just text that is long enough to have a header '.repeat(20),
    );
    expect(isAppError(await rejectedBy(() => open(file)), 'KS_DB')).toBe(true);
  });

  it('reports a missing directory as KS_DB naming the file', async () => {
    const file = path.join(root, 'no-such-dir', 'ws.db');
    const err = await rejectedBy(() => open(file));
    expect(isAppError(err, 'KS_DB')).toBe(true);
    expect((err as Error).message).toContain(file);
  });

  it('turns SQLite errors such as a held write lock into KS_DB with the cause kept', async () => {
    const file = freshFile();
    const store = open(file, { busyTimeoutMs: 0 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const err = await rejectedBy(async () => await store.setValue('k', 'v'));
      expect(isAppError(err, 'KS_DB')).toBe(true);
      expect((err as Error).cause).toBeInstanceOf(Database.SqliteError);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await store.setValue('k', 'v');
    expect(await store.getValue('k')).toBe('v');
  });

  it('stamps upserted findings with the injected clock', async () => {
    const file = freshFile();
    const store = open(file, { now: () => new Date('2030-01-01T00:00:00.000Z') });
    await store.upsertFindings([makeFinding('f', '2026-01-01T00:00:00.000Z')]);
    await store.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT updated_at FROM findings').pluck().get()).toBe(
      '2030-01-01T00:00:00.000Z',
    );
    raw.close();
  });
});

describe('sqlite secrets', () => {
  it('stores, replaces and deletes a token’s sealed secret', async () => {
    const store = open(':memory:');
    const id = makeToken(1).id;
    await store.add(makeToken(1), registered);
    expect(await store.getSecret(id)).toBeUndefined();
    await store.putSecret(id, 'v1.sealed');
    await store.putSecret(id, 'v2.sealed');
    expect(await store.getSecret(id)).toBe('v2.sealed');
    await store.deleteSecret(id);
    expect(await store.getSecret(id)).toBeUndefined();
    await store.deleteSecret(id);
  });

  it('refuses a secret for a token that is not in the registry', async () => {
    const store = open(':memory:');
    expect(
      isAppError(
        await rejectedBy(async () => await store.putSecret('tok_nope', 's')),
        'KS_TOKEN_NOT_FOUND',
      ),
    ).toBe(true);
  });

  it('round-trips hostile sealed strings', async () => {
    const store = open(':memory:');
    await store.add(makeToken(1), registered);
    for (const s of HOSTILE_STRINGS) {
      await store.putSecret(makeToken(1).id, s);
      expect(await store.getSecret(makeToken(1).id)).toBe(s);
    }
  });

  it('rolls a secret back with the transaction it was written in', async () => {
    const store = open(':memory:');
    await store.add(makeToken(1), registered);
    await rejectedBy(
      async () =>
        await store.transaction(async () => {
          await store.putSecret(makeToken(1).id, 's');
          throw new Error('abort');
        }),
    );
    expect(await store.getSecret(makeToken(1).id)).toBeUndefined();
  });
});

describe('sqlite event columns', () => {
  it('stores an event whose time is not a finite integer without failing the batch', async () => {
    const store = open(':memory:');
    const base = makeEvent('odd');
    const odd = { ...base, event: { ...base.event, timeMs: Number.NaN } };
    const frac = { ...makeEvent('frac'), event: { ...makeEvent('frac').event, timeMs: 1.5 } };
    expect((await store.insertEvents([odd, frac, makeEvent('ok')])).size).toBe(3);
    expect((await store.getEvent('frac'))?.event.eventId).toBe('frac');
  });

  it('still returns an event whose raw record the normalizer does not accept, from its columns', async () => {
    const store = open(':memory:');
    const base = makeEvent('kept');
    await store.insertEvents([{ event: base.event, raw: 'not json {' }]);
    const got = await store.getEvent('kept');
    expect(got?.raw).toBe('not json {');
    expect(got?.event).toMatchObject({
      eventId: 'kept',
      timeMs: base.event.timeMs,
      identity: { accessKeyId: 'AKIAQQQQQQQQQQQQQQQ1' },
      origin: base.event.origin,
    });
    expect(
      await store.findEventsByIdentity({
        accessKeyIds: ['AKIAQQQQQQQQQQQQQQQ1'],
        principalArns: [],
      }),
    ).toHaveLength(1);
  });

  it('stores each event once: a realistic record takes far less room than its raw text', async () => {
    const file = freshFile();
    const store = open(file);
    const events = Array.from({ length: 2000 }, (_, i) =>
      makeEvent(`size-${i}`, {
        requestID: `req-${i}`,
        sourceIPAddress: `198.51.100.${i % 250}`,
        pad: undefined,
        requestParameters: { bucketName: 'billing-exports', key: `reports/2026/${i}.csv` },
      }),
    );
    await store.insertEvents(events);
    await store.close();
    const db = new Database(file);
    db.exec('VACUUM');
    // The events table, its indexes and the file table (dbstat: bytes of pages per b-tree).
    const eventBytes = db
      .prepare<[], number>(
        `SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'event%' OR name LIKE 'sqlite_autoindex_event%'`,
      )
      .pluck()
      .get();
    db.close();
    const rawBytes = events.reduce((n, e) => n + Buffer.byteLength(e.raw), 0);
    // Normalized JSON + raw text + columns came to about 3× the raw text.
    expect(eventBytes! / rawBytes).toBeLessThan(0.8);
  });
});
