/**
 * Sealing canary secret access keys at rest: one 32-byte workspace key (AES-256-GCM), kept in a
 * 0600 key file or given as text, and sealed strings bound to their token id.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { AppError, describeError } from '../core/index.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED = /^ks1:([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]*)$/;

/** Where the secrets key comes from. */
export interface SecretKeySource {
  /** 32-byte key as base64 or hex (for example from KEYSNARE_SECRET_KEY, read by the caller). */
  readonly keyText?: string;
  /** Absolute path of the key file; created with mode 0600 when missing and `create` is true. */
  readonly keyFile: string;
  readonly create: boolean;
}

function keyError(where: string, reason: string, cause?: unknown): AppError {
  return new AppError('KS_SECRET_KEY', { where, reason }, { cause });
}

/** Decode a key written as 64 hex digits or base64 (standard or URL alphabet); never echoes it. */
function decodeKey(text: string, where: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) key = Buffer.from(t, 'base64');
  if (key?.length !== KEY_BYTES) {
    const got = key ? `, got ${key.length} bytes` : '';
    throw keyError(where, `expected ${KEY_BYTES} bytes as base64 or hex${got}`);
  }
  return key;
}

/** Read an existing key file, refusing one that others can read. Undefined when it is missing. */
function readKeyFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyError(`in ${file}`, describeError(err), err);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw keyError(`in ${file}`, 'not a regular file');
    // POSIX permission bits mean nothing on Windows, where ACLs protect the file instead.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw keyError(`in ${file}`, `mode ${mode} lets others read it; run chmod 600 ${file}`);
    }
    return decodeKey(readFileSync(fd, 'utf8'), `in ${file}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Write a new key file without ever exposing a partial one: the key goes to a 0600 temp file
 * (opened `wx`), which is then hard-linked into place — `link` fails if the file already exists.
 * Returns false when another process created the key file first.
 */
function createKeyFile(file: string, key: Buffer): boolean {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, `${key.toString('base64')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw keyError(`in ${file}`, `cannot create it: ${describeError(err)}`, err);
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to remove when the temp file was never created.
    }
  }
}

/**
 * Load the secrets key: `keyText` wins; else the key file; else, when `create` is set, a new random
 * key written to the key file. Throws `KS_SECRET_KEY` when the key is unusable or missing.
 */
export function loadSecretKey(src: SecretKeySource): Buffer {
  if (src.keyText !== undefined) return decodeKey(src.keyText, 'given as text');
  const existing = readKeyFile(src.keyFile);
  if (existing) return existing;
  if (!src.create) {
    throw keyError(`in ${src.keyFile}`, 'no key file there (mint creates one)');
  }
  const key = randomBytes(KEY_BYTES);
  if (createKeyFile(src.keyFile, key)) return key;
  const raced = readKeyFile(src.keyFile);
  if (!raced) throw keyError(`in ${src.keyFile}`, 'the key file vanished while it was created');
  return raced;
}

/** Base64url that re-encodes to itself, so no two strings open to the same secret. */
function decodeCanonical(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

function checkKey(key: Buffer, where: string): void {
  if (key.length !== KEY_BYTES) {
    throw keyError(where, `expected a ${KEY_BYTES}-byte key, got ${key.length} bytes`);
  }
}

/**
 * Seal `plaintext` with AES-256-GCM under `key`, bound to `aad` (the token id, so a sealed secret
 * cannot be moved to another token). Output: `ks1:` iv `.` tag `.` ciphertext, each base64url.
 */
export function sealSecret(key: Buffer, plaintext: string, aad: string): string {
  checkKey(key, `to seal the secret of ${aad}`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url'));
  return `ks1:${parts.join('.')}`;
}

/**
 * Open a string made by {@link sealSecret}. Throws `KS_SECRET_KEY` on a bad format, a wrong key,
 * altered data or a different `aad`; the error never contains the secret.
 */
export function openSecret(key: Buffer, sealed: string, aad: string): string {
  const where = `on the sealed secret of ${aad}`;
  checkKey(key, where);
  const [iv, tag, body] = (SEALED.exec(sealed)?.slice(1) ?? []).map(decodeCanonical);
  if (!iv || !tag || !body) {
    throw keyError(where, 'not a sealed secret (expected ks1:<iv>.<tag>.<data>)');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch (err) {
    const reason = 'it does not authenticate: wrong key, altered data, or sealed for another token';
    throw keyError(where, reason, err);
  }
}
