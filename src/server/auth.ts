/**
 * Who may use the server. Two ways in, both checked on every route but health:
 * - **API tokens** (`Authorization: Bearer ks_…`): random 256-bit secrets shown once, kept only
 *   as SHA-256 digests in the workspace;
 * - **a dashboard login**: passwords kept as scrypt hashes (random salt, N=2^15), a session in a
 *   `HttpOnly; SameSite=Strict` cookie, a per-session CSRF token required on every state change,
 *   and a login rate limit per address and per user name.
 * Sessions live in memory: a restart signs everyone out, and nothing secret is written for them.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../core/index.js';

const USERS_KEY = 'server:users';
const TOKENS_KEY = 'server:api-tokens';
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** A dashboard user as stored (never the password). */
interface StoredUser {
  readonly salt: string;
  readonly hash: string;
  readonly createdAt: string;
}

/** An API token as stored (never the token). */
export interface ApiTokenInfo {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
  readonly createdAt: string;
}

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

async function readJson<T>(kv: KeyValueStore, key: string, fallback: T): Promise<T> {
  const v = await kv.getValue(key);
  return v === undefined ? fallback : (JSON.parse(v) as T);
}

/** Create or replace a dashboard user. */
export async function setUser(
  kv: KeyValueStore,
  name: string,
  password: string,
  now: Date,
): Promise<void> {
  const users = await readJson<Record<string, StoredUser>>(kv, USERS_KEY, {});
  const salt = randomBytes(16);
  const hash = await derive(password, salt);
  users[name] = {
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    createdAt: now.toISOString(),
  };
  await kv.setValue(USERS_KEY, JSON.stringify(users));
}

/** The dashboard users' names. */
export async function userNames(kv: KeyValueStore): Promise<string[]> {
  return Object.keys(await readJson<Record<string, StoredUser>>(kv, USERS_KEY, {}));
}

/** True when `password` is `name`'s (the same work is done for an unknown name). */
export async function checkPassword(
  kv: KeyValueStore,
  name: string,
  password: string,
): Promise<boolean> {
  const users = await readJson<Record<string, StoredUser>>(kv, USERS_KEY, {});
  const u = Object.hasOwn(users, name) ? users[name] : undefined;
  const salt = u ? Buffer.from(u.salt, 'base64') : randomBytes(16);
  const got = await derive(password, salt);
  if (!u) return false;
  const want = Buffer.from(u.hash, 'base64');
  return want.length === got.length && timingSafeEqual(want, got);
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new API token: returned once, kept as its digest. */
export async function createApiToken(
  kv: KeyValueStore,
  name: string,
  now: Date,
): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = `ks_${randomBytes(32).toString('base64url')}`;
  const info: ApiTokenInfo = {
    id: `tk_${randomBytes(6).toString('hex')}`,
    name,
    sha256: digest(token),
    createdAt: now.toISOString(),
  };
  const all = await readJson<ApiTokenInfo[]>(kv, TOKENS_KEY, []);
  await kv.setValue(TOKENS_KEY, JSON.stringify([...all, info]));
  return { token, info };
}

/** The API token `token` names, when it is one. */
export async function apiTokenFor(
  kv: KeyValueStore,
  token: string,
): Promise<ApiTokenInfo | undefined> {
  if (!token.startsWith('ks_')) return undefined;
  const want = Buffer.from(digest(token), 'hex');
  for (const t of await readJson<ApiTokenInfo[]>(kv, TOKENS_KEY, [])) {
    const have = Buffer.from(t.sha256, 'hex');
    if (have.length === want.length && timingSafeEqual(have, want)) return t;
  }
  return undefined;
}

/** A signed-in dashboard session. */
export interface Session {
  readonly id: string;
  readonly user: string;
  readonly csrf: string;
  readonly expiresMs: number;
}

/** Sessions in memory, with an idle-free fixed lifetime. */
export class Sessions {
  private readonly byId = new Map<string, Session>();
  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {}
  create(user: string): Session {
    const s: Session = {
      id: randomBytes(32).toString('base64url'),
      user,
      csrf: randomBytes(24).toString('base64url'),
      expiresMs: this.now() + this.lifetimeMs,
    };
    this.byId.set(s.id, s);
    return s;
  }
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresMs <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }
  end(id: string): void {
    this.byId.delete(id);
  }
}

/** True when two strings are equal, in time independent of where they differ. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Failed logins per key (address, user name) in a sliding window. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}
  /** Milliseconds until `key` may try again (0: now). */
  wait(key: string): number {
    const t = this.now();
    const recent = (this.failures.get(key) ?? []).filter((x) => x > t - this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent.length < this.max ? 0 : recent[0]! + this.windowMs - t;
  }
  fail(key: string): void {
    this.failures.set(key, [...(this.failures.get(key) ?? []), this.now()]);
  }
  /** Take back the attempt counted last for `key` (it succeeded). */
  clear(key: string): void {
    const list = this.failures.get(key);
    list?.pop();
    if (!list?.length) this.failures.delete(key);
  }
}

/** The cookie's value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined; // a malformed value is no session
      }
    }
  }
  return undefined;
}
