/**
 * Download a reference data file (AWS ip-ranges.json, a Tor exit list) and put it in place
 * atomically: the body is read with a size cap and a timeout, checked by the caller's parser,
 * written beside the target under a temporary name, flushed, then renamed over it. A failed or
 * refused download leaves the previous copy untouched. Unreachable hosts are KS_DATA_OFFLINE;
 * HTTP errors, oversize or invalid content are KS_DATA_DOWNLOAD — one line each.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AppError, describeError, isAppError } from '../core/index.js';

/** What to fetch and where it goes. */
export interface DownloadSpec<S> {
  /** What the file is, for messages ("AWS ip-ranges.json"). */
  readonly what: string;
  readonly url: string;
  readonly file: string;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  /** Parse the body; throw (an AppError with `details.reason`) when it is unusable. */
  readonly check: (body: Buffer) => S;
  /** The fetch to use (tests may pass their own); default the global fetch. */
  readonly fetch?: typeof fetch;
}

/** A file put in place. */
export interface Downloaded<S> {
  readonly file: string;
  readonly bytes: number;
  readonly summary: S;
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the host name does not resolve (ENOTFOUND)',
  EAI_AGAIN: 'name resolution failed (EAI_AGAIN)',
  ECONNREFUSED: 'the connection was refused (ECONNREFUSED)',
  ECONNRESET: 'the connection was reset (ECONNRESET)',
  ETIMEDOUT: 'the connection timed out (ETIMEDOUT)',
  ENETUNREACH: 'the network is unreachable (ENETUNREACH)',
  EHOSTUNREACH: 'the host is unreachable (EHOSTUNREACH)',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection failed',
};

/** The errno-like code of a fetch failure (undici wraps it in `cause`, sometimes an AggregateError). */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors?.[0];
    e = inner ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/** The URL as given, checked to be http(s); KS_USAGE otherwise. */
export function checkDownloadUrl(url: string, option: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('KS_USAGE', { reason: `${option} must be an http(s) URL, not "${url}"` });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new AppError('KS_USAGE', { reason: `${option} must be an http(s) URL, not "${url}"` });
  }
  return u;
}

async function readCapped<S>(res: Response, spec: DownloadSpec<S>): Promise<Buffer> {
  const fail = (reason: string): AppError =>
    new AppError('KS_DATA_DOWNLOAD', { what: spec.what, url: spec.url, reason });
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > spec.maxBytes) {
    await res.body?.cancel();
    throw fail(`it is ${declared} bytes, more than the ${spec.maxBytes} allowed`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > spec.maxBytes) throw fail(`it is more than the ${spec.maxBytes} bytes allowed`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, total);
}

async function fetchBody<S>(spec: DownloadSpec<S>): Promise<Buffer> {
  const details = { what: spec.what, url: spec.url };
  const signal = AbortSignal.timeout(spec.timeoutMs);
  try {
    const res = await (spec.fetch ?? fetch)(spec.url, { signal, redirect: 'follow' });
    if (!res.ok) {
      await res.body?.cancel();
      const reason = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      throw new AppError('KS_DATA_DOWNLOAD', { ...details, reason });
    }
    return await readCapped(res, spec);
  } catch (err) {
    if (isAppError(err)) throw err;
    if (isTimeout(err)) {
      const reason = `no complete answer within ${Math.round(spec.timeoutMs / 1000)} s`;
      throw new AppError('KS_DATA_OFFLINE', { ...details, reason }, { cause: err });
    }
    const code = networkCode(err);
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    const reason = (code && NETWORK_REASONS[code]) ?? describeError(cause);
    throw new AppError('KS_DATA_OFFLINE', { ...details, reason }, { cause: err });
  }
}

/** Write `body` to `file` atomically (temporary file in the same folder, fsync, rename). */
export function writeAtomically(file: string, body: Buffer): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    for (let off = 0; off < body.length;) off += writeSync(fd, body, off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Download `spec.url`, check it with `spec.check`, and replace `spec.file` with it atomically.
 * Throws KS_DATA_OFFLINE, KS_DATA_DOWNLOAD (bad status, too large, refused by the check) or
 * KS_DATA_WRITE (the target cannot be written).
 */
export async function downloadFile<S>(spec: DownloadSpec<S>): Promise<Downloaded<S>> {
  const body = await fetchBody(spec);
  let summary: S;
  try {
    summary = spec.check(body);
  } catch (err) {
    const inner = isAppError(err) ? err.details['reason'] : undefined;
    const reason = typeof inner === 'string' ? inner : describeError(err);
    throw new AppError(
      'KS_DATA_DOWNLOAD',
      { what: spec.what, url: spec.url, reason },
      { cause: err },
    );
  }
  try {
    writeAtomically(spec.file, body);
  } catch (err) {
    const reason = describeError(err);
    throw new AppError('KS_DATA_WRITE', { file: spec.file, reason }, { cause: err });
  }
  return { file: spec.file, bytes: body.length, summary };
}
