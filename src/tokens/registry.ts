/**
 * Registering canary tokens and changing their placement, with a custody entry for every change.
 */
import { randomBytes } from 'node:crypto';
import type { Placement, Token, TokenOrigin, TokenStore } from '../core/index.js';
import { AppError } from '../core/index.js';
import { keyAnatomy } from '../core/index.js';
import { formatPlacement, samePlacement } from './placement.js';
import type { TokenInput } from './token-file.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new registry id: `tok_` + 12 random base32 characters. */
export function newTokenId(): string {
  const bytes = randomBytes(12);
  let s = 'tok_';
  for (const b of bytes) s += ALPHABET[b & 31];
  return s;
}

/** Build a Token from input (not yet stored). Account id falls back to the one decoded from the key. */
export function tokenFromInput(
  input: TokenInput,
  origin: TokenOrigin,
  now: Date,
  id = newTokenId(),
): Token {
  // Copied key by key, not spread: token files hold thousands, of varying shapes, and spreading
  // them took most of the time a 10,000-canary file takes to load.
  const token: Record<string, unknown> = {};
  const from = input as Readonly<Record<string, unknown>>;
  for (const k in from) if (from[k] !== undefined) token[k] = from[k];
  token['id'] = id;
  if (input.accountId === undefined) {
    const accountId = keyAnatomy(input.accessKeyId).accountId;
    if (accountId) token['accountId'] = accountId;
  }
  token['status'] = 'active';
  token['origin'] = origin;
  token['createdAt'] = now.toISOString();
  return token as unknown as Token;
}

/** Register one token; throws KS_TOKEN_EXISTS when its key is already registered. */
export async function registerToken(
  store: TokenStore,
  input: TokenInput,
  actor: string,
  now: Date,
  origin: TokenOrigin = 'registered',
  id: string = newTokenId(),
): Promise<Token> {
  const existing = await store.getByAccessKeyId(input.accessKeyId);
  if (existing)
    throw new AppError('KS_TOKEN_EXISTS', { accessKeyId: input.accessKeyId, id: existing.id });
  const token = tokenFromInput(input, origin, now, id);
  await store.add(token, {
    at: token.createdAt,
    actor,
    action: origin === 'minted' ? 'minted' : 'registered',
    ...(token.placement ? { placement: token.placement } : {}),
  });
  return token;
}

/** What {@link importTokens} did. */
export interface ImportResult {
  readonly added: Token[];
  /** Inputs whose key was already registered (left alone with `skipExisting`). */
  readonly skipped: TokenInput[];
}

/**
 * Register every token of a token file, in one transaction of the caller's. A key given twice in
 * the file is refused (KS_INPUT_INVALID); keys already registered are all named at once
 * (KS_TOKEN_IMPORT_CONFLICT) unless `skipExisting`, which leaves them alone.
 */
export async function importTokens(
  store: TokenStore,
  inputs: readonly TokenInput[],
  o: { file: string; actor: string; now: Date; skipExisting: boolean },
): Promise<ImportResult> {
  const seen = new Map<string, number>();
  const twice: string[] = [];
  inputs.forEach((input, i) => {
    const first = seen.get(input.accessKeyId);
    if (first === undefined) seen.set(input.accessKeyId, i);
    else twice.push(`[${i}]: access key ${input.accessKeyId} is already given at [${first}]`);
  });
  if (twice.length) {
    throw new AppError(
      'KS_INPUT_INVALID',
      { file: o.file, reason: `${twice.length} access key(s) given more than once` },
      { lines: twice },
    );
  }
  const existing: { input: TokenInput; id: string }[] = [];
  for (const input of inputs) {
    const t = await store.getByAccessKeyId(input.accessKeyId);
    if (t) existing.push({ input, id: t.id });
  }
  if (existing.length && !o.skipExisting) {
    throw new AppError(
      'KS_TOKEN_IMPORT_CONFLICT',
      { file: o.file, count: existing.length },
      { lines: existing.map((e) => `${e.input.accessKeyId} is registered as ${e.id}`) },
    );
  }
  const taken = new Set(existing.map((e) => e.input.accessKeyId));
  const added: Token[] = [];
  for (const i of inputs.filter((x) => !taken.has(x.accessKeyId)))
    added.push(await registerToken(store, i, o.actor, o.now));
  return { added, skipped: existing.map((e) => e.input) };
}

/** Find a token by registry id or access key id. */
export async function findToken(store: TokenStore, ref: string): Promise<Token> {
  const t = (await store.get(ref)) ?? (await store.getByAccessKeyId(ref));
  if (!t) throw new AppError('KS_TOKEN_NOT_FOUND', { id: ref });
  return t;
}

/** Move a token: record the new placement with the old one in its custody history. */
export async function movePlacement(
  store: TokenStore,
  ref: string,
  placement: Placement,
  actor: string,
  now: Date,
  note?: string,
): Promise<Token> {
  const t = await findToken(store, ref);
  if (t.status === 'retired')
    throw new AppError('KS_TOKEN_RETIRED', { id: t.id, action: 'recording a new placement' });
  if (Object.values(placement).every((v) => v === undefined || v === '')) {
    throw new AppError('KS_PLACEMENT_INVALID', {
      input: formatPlacement(placement),
      reason: 'it sets no value',
    });
  }
  if (samePlacement(t.placement, placement)) return t;
  return store.update(
    t.id,
    { placement },
    {
      at: now.toISOString(),
      actor,
      action: t.placement ? 'moved' : 'placed',
      placement,
      ...(t.placement ? { previous: t.placement } : {}),
      ...(note ? { note } : {}),
    },
  );
}

/** Mark a token retired in the registry (the AWS side is handled by the caller). */
export async function retireInRegistry(
  store: TokenStore,
  ref: string,
  actor: string,
  now: Date,
  note?: string,
): Promise<Token> {
  const t = await findToken(store, ref);
  if (t.status === 'retired') return t;
  return store.update(
    t.id,
    { status: 'retired', retiredAt: now.toISOString() },
    {
      at: now.toISOString(),
      actor,
      action: 'retired',
      ...(note ? { note } : {}),
    },
  );
}
