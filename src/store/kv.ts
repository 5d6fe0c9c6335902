/**
 * Small tables: named values kept across runs, and sealed canary secrets.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../core/errors.js';

/** {@link KeyValueStore} over SQLite. */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteKeyValueTable {
  private readonly get: Statement<[string], string>;
  private readonly set: Statement<[string, string]>;

  constructor(db: Database) {
    this.get = db.prepare<[string], string>('SELECT value FROM kv WHERE key = ?').pluck();
    this.set = db.prepare(
      'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  getValue(key: string): string | undefined {
    return this.get.get(key);
  }

  setValue(key: string, value: string): void {
    this.set.run(key, value);
  }
}

/** Sealed canary secrets, one per token (sealing happens elsewhere; this only stores text). */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteSecretTable {
  private readonly get: Statement<[string], string>;
  private readonly put: Statement<[string, string]>;
  private readonly remove: Statement<[string]>;
  private readonly tokenExists: Statement<[string], number>;

  constructor(db: Database) {
    this.get = db
      .prepare<[string], string>('SELECT sealed FROM secrets WHERE token_id = ?')
      .pluck();
    this.put = db.prepare(
      `INSERT INTO secrets (token_id, sealed) VALUES (?, ?)
       ON CONFLICT (token_id) DO UPDATE SET sealed = excluded.sealed`,
    );
    this.remove = db.prepare('DELETE FROM secrets WHERE token_id = ?');
    this.tokenExists = db.prepare<[string], number>('SELECT 1 FROM tokens WHERE id = ?').pluck();
  }

  /** Store (or replace) a token's sealed secret. Throws KS_TOKEN_NOT_FOUND for an unknown token. */
  putSecret(tokenId: string, sealed: string): void {
    if (this.tokenExists.get(tokenId) === undefined) {
      throw new AppError('KS_TOKEN_NOT_FOUND', { id: tokenId });
    }
    this.put.run(tokenId, sealed);
  }

  getSecret(tokenId: string): string | undefined {
    return this.get.get(tokenId);
  }

  deleteSecret(tokenId: string): void {
    this.remove.run(tokenId);
  }
}
