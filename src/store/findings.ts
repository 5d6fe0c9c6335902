/**
 * Findings, upserted by id and kept as the exact JSON given.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { Finding } from '../core/finding.js';

/** Filter accepted by {@link SqliteFindingTable.listFindings}. */
export interface FindingFilter {
  readonly rule?: string;
  readonly tokenId?: string;
  readonly limit?: number;
}

/** {@link FindingStore} over SQLite. */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteFindingTable {
  private readonly upsert: Statement<unknown[]>;
  private readonly byId: Statement<[string], string>;
  private readonly upsertBatch: (findings: readonly Finding[]) => void;

  constructor(
    private readonly db: Database,
    now: () => Date,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO findings (id, rule, severity, time, token_id, finding, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET rule = excluded.rule, severity = excluded.severity,
         time = excluded.time, token_id = excluded.token_id, finding = excluded.finding,
         updated_at = excluded.updated_at`,
    );
    this.byId = db.prepare<[string], string>('SELECT finding FROM findings WHERE id = ?').pluck();
    this.upsertBatch = db.transaction((findings: readonly Finding[]) => {
      const at = now().toISOString();
      for (const f of findings) {
        this.upsert.run(f.id, f.rule, f.severity, f.time, f.tokenId ?? null, JSON.stringify(f), at);
      }
    });
  }

  upsertFindings(findings: readonly Finding[]): void {
    if (findings.length > 0) this.upsertBatch(findings);
  }

  /** Newest first (by `time`, then id). `limit` must be a non-negative integer. */
  listFindings(filter: FindingFilter = {}): Finding[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.rule !== undefined) {
      where.push('rule = ?');
      params.push(filter.rule);
    }
    if (filter.tokenId !== undefined) {
      where.push('token_id = ?');
      params.push(filter.tokenId);
    }
    const limit = filter.limit ?? -1;
    if (filter.limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
      throw new AppError('KS_USAGE', {
        reason: `limit must be a non-negative integer, got ${limit}`,
      });
    }
    const sql = `SELECT finding FROM findings ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY time DESC, id LIMIT ?`;
    const rows = this.db
      .prepare<unknown[], string>(sql)
      .pluck()
      .all(...params, limit);
    return rows.map((text) => JSON.parse(text) as Finding);
  }

  deleteFindings(ids: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM findings WHERE id = ?');
    this.db.transaction(() => {
      for (const id of ids) del.run(id);
    })();
  }

  getFinding(id: string): Finding | undefined {
    const text = this.byId.get(id);
    return text === undefined ? undefined : (JSON.parse(text) as Finding);
  }
}
