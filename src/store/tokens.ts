/**
 * The token registry tables: tokens, their chain of custody, and facts learned about them.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../core/errors.js';
import type { TokenFilter, TokenPatch } from '../core/ports.js';
import type { CustodyEntry, Placement, Token, TokenFact } from '../core/token.js';
import { fromJson, present, toJson } from './rows.js';

interface TokenRow {
  id: string;
  access_key_id: string;
  user_name: string | null;
  user_arn: string | null;
  principal_id: string | null;
  account_id: string | null;
  label: string | null;
  placement: string | null;
  status: string;
  origin: string;
  created_at: string;
  retired_at: string | null;
}

interface CustodyRow {
  token_id: string;
  at: string;
  actor: string;
  action: string;
  placement: string | null;
  previous: string | null;
  note: string | null;
}

interface FactRow {
  token_id: string;
  kind: string;
  value: string;
  event_id: string;
}

const TOKEN_COLUMNS =
  'id, access_key_id, user_name, user_arn, principal_id, account_id, label, placement, status, origin, created_at, retired_at';

function rowToToken(r: TokenRow): Token {
  return {
    id: r.id,
    accessKeyId: r.access_key_id,
    ...present('userName', r.user_name),
    ...present('userArn', r.user_arn),
    ...present('principalId', r.principal_id),
    ...present('accountId', r.account_id),
    ...present('label', r.label),
    ...present('placement', fromJson<Placement>(r.placement)),
    status: r.status as Token['status'],
    origin: r.origin as Token['origin'],
    createdAt: r.created_at,
    ...present('retiredAt', r.retired_at),
  };
}

function tokenParams(t: Token): unknown[] {
  return [
    t.id,
    t.accessKeyId,
    t.userName ?? null,
    t.userArn ?? null,
    t.principalId ?? null,
    t.accountId ?? null,
    t.label ?? null,
    toJson(t.placement),
    t.status,
    t.origin,
    t.createdAt,
    t.retiredAt ?? null,
  ];
}

function rowToCustody(r: CustodyRow): CustodyEntry {
  return {
    tokenId: r.token_id,
    at: r.at,
    actor: r.actor,
    action: r.action as CustodyEntry['action'],
    ...present('placement', fromJson<Placement>(r.placement)),
    ...present('previous', fromJson<Placement>(r.previous)),
    ...present('note', r.note),
  };
}

/** A placement as canonical JSON (sorted keys, unset keys dropped), for comparing. */
function placementKey(p: Placement | undefined): string {
  if (!p) return '';
  const entries = Object.entries(p).filter(([, v]) => v !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const PATCHABLE: ReadonlySet<string> = new Set<keyof TokenPatch>([
  'userName',
  'userArn',
  'principalId',
  'accountId',
  'label',
  'placement',
  'status',
  'retiredAt',
  'accessKeyId',
]);

/** The patch's fields that are set and may change (a JS caller may pass anything). */
function setFields(patch: TokenPatch): Partial<Token> {
  return Object.fromEntries(
    Object.entries(patch).filter(([k, v]) => PATCHABLE.has(k) && v !== undefined),
  );
}

/**
 * The custody entry an update writes: when the placement really changes, it records the new
 * placement and the old one as `previous` (the store knows the old one; the caller may not).
 */
function custodyEntry(
  tokenId: string,
  before: Placement | undefined,
  after: Placement | undefined,
  custody: Omit<CustodyEntry, 'tokenId'>,
): CustodyEntry {
  if (after === undefined || placementKey(after) === placementKey(before)) {
    return { ...custody, tokenId };
  }
  const { placement: _placement, previous: _previous, ...rest } = custody;
  return { ...rest, tokenId, placement: after, ...present('previous', before) };
}

/** {@link TokenStore} over SQLite. Writes run in a transaction with their custody entry. */
/** The synchronous SQLite side; {@link SqliteWorkspaceStore} offers it as the async port. */
export class SqliteTokenTable {
  private readonly byId: Statement<[string], TokenRow>;
  private readonly byKey: Statement<[string], TokenRow>;
  private readonly insertToken: Statement<unknown[]>;
  private readonly updateToken: Statement<unknown[]>;
  private readonly insertCustody: Statement<unknown[]>;
  private readonly custodyOf: Statement<[string], CustodyRow>;
  private readonly insertFact: Statement<unknown[]>;

  constructor(private readonly db: Database) {
    this.byId = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE id = ?`);
    this.byKey = db.prepare(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE access_key_id = ?`);
    this.insertToken = db.prepare(
      `INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateToken = db.prepare(
      `UPDATE tokens SET id = ?, access_key_id = ?, user_name = ?, user_arn = ?, principal_id = ?,
        account_id = ?, label = ?, placement = ?, status = ?, origin = ?, created_at = ?,
        retired_at = ? WHERE id = ?`,
    );
    this.insertCustody = db.prepare(
      `INSERT INTO custody (token_id, at, actor, action, placement, previous, note)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.custodyOf = db.prepare(
      'SELECT token_id, at, actor, action, placement, previous, note FROM custody WHERE token_id = ? ORDER BY id',
    );
    this.insertFact = db.prepare(
      'INSERT OR IGNORE INTO token_facts (token_id, kind, value, event_id) VALUES (?, ?, ?, ?)',
    );
  }

  add(token: Token, custody: Omit<CustodyEntry, 'tokenId'>): void {
    this.db.transaction(() => {
      const existing = this.byKey.get(token.accessKeyId);
      if (existing) {
        throw new AppError('KS_TOKEN_EXISTS', { accessKeyId: token.accessKeyId, id: existing.id });
      }
      if (this.byId.get(token.id)) {
        throw new AppError('KS_TOKEN_INVALID', {
          where: token.id,
          reason: 'a token with this id is already registered',
        });
      }
      this.insertToken.run(...tokenParams(token));
      this.writeCustody({ ...custody, tokenId: token.id });
    })();
  }

  get(id: string): Token | undefined {
    const row = this.byId.get(id);
    return row && rowToToken(row);
  }

  getByAccessKeyId(accessKeyId: string): Token | undefined {
    const row = this.byKey.get(accessKeyId);
    return row && rowToToken(row);
  }

  list(filter: TokenFilter = {}): Token[] {
    const status = filter.status ?? 'all';
    const rows =
      status === 'all'
        ? this.db
            .prepare<[], TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created_at, id`)
            .all()
        : this.db
            .prepare<[string], TokenRow>(
              `SELECT ${TOKEN_COLUMNS} FROM tokens WHERE status = ? ORDER BY created_at, id`,
            )
            .all(status);
    return rows.map(rowToToken);
  }

  update(id: string, patch: TokenPatch, custody: Omit<CustodyEntry, 'tokenId'>): Token {
    return this.db.transaction(() => {
      const current = this.get(id);
      if (!current) throw new AppError('KS_TOKEN_NOT_FOUND', { id });
      const next: Token = { ...current, ...setFields(patch) };
      if (next.accessKeyId !== current.accessKeyId) {
        const other = this.byKey.get(next.accessKeyId);
        if (other)
          throw new AppError('KS_TOKEN_EXISTS', { accessKeyId: next.accessKeyId, id: other.id });
      }
      this.updateToken.run(...tokenParams(next), id);
      const entry = custodyEntry(id, current.placement, patch.placement, custody);
      this.writeCustody(entry);
      return next;
    })();
  }

  custody(id: string): CustodyEntry[] {
    return this.custodyOf.all(id).map(rowToCustody);
  }

  addFacts(facts: readonly TokenFact[]): number {
    return this.db.transaction(() => {
      let added = 0;
      for (const f of facts)
        added += this.insertFact.run(f.tokenId, f.kind, f.value, f.eventId).changes;
      return added;
    })();
  }

  facts(): TokenFact[] {
    const rows = this.db
      .prepare<[], FactRow>(
        'SELECT token_id, kind, value, event_id FROM token_facts ORDER BY rowid',
      )
      .all();
    return rows.map((r) => ({
      tokenId: r.token_id,
      kind: r.kind as TokenFact['kind'],
      value: r.value,
      eventId: r.event_id,
    }));
  }

  private writeCustody(e: CustodyEntry): void {
    this.insertCustody.run(
      e.tokenId,
      e.at,
      e.actor,
      e.action,
      toJson(e.placement),
      toJson(e.previous),
      e.note ?? null,
    );
  }
}
