/**
 * Reading IP data files with typed errors, and the lazily loaded source each data file becomes:
 * loaded on first use, timed, and on failure kept as failed (reported once) so that a bad file
 * costs one error, not one per lookup.
 */
import { readFileSync, statSync } from 'node:fs';
import { AppError, describeError, isAppError } from '../../../core/index.js';

/** Largest IP data file read (the packaged ASN CSV is ~24 MB, the country mmdb ~8 MB). */
export const MAX_DATA_FILE_BYTES = 256 * 1024 * 1024;

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a folder, not a file',
};

function readError(file: string, err: unknown): AppError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = (code && REASONS[code]) ?? describeError(err);
  return new AppError('KS_IP_DATA_READ', { file, reason }, { cause: err });
}

/** Throw KS_IP_DATA_READ unless `file` is a readable regular file of a sensible size. */
export function checkDataFile(file: string): void {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new AppError('KS_IP_DATA_READ', { file, reason: 'not a regular file' });
    size = st.size;
  } catch (err) {
    throw isAppError(err) ? err : readError(file, err);
  }
  if (size > MAX_DATA_FILE_BYTES) {
    throw new AppError('KS_IP_DATA_INVALID', {
      file,
      reason: `${size} bytes, more than the ${MAX_DATA_FILE_BYTES} an IP data file may have`,
    });
  }
}

/** The bytes of a data file; KS_IP_DATA_READ / KS_IP_DATA_INVALID naming it on failure. */
export function readDataFile(file: string): Buffer {
  checkDataFile(file);
  try {
    return readFileSync(file);
  } catch (err) {
    throw readError(file, err);
  }
}

/** An {@link AppError} naming `file` for any failure while parsing it. */
export function invalidData(file: string, err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError('KS_IP_DATA_INVALID', { file, reason: describeError(err) }, { cause: err });
}

/** Where a source stands: `absent` when its packaged data is not installed. */
export type SourceState = 'pending' | 'loaded' | 'failed' | 'absent';

/** What `sources()` reports for one data file. */
export interface IpSourceStatus {
  /** 'country', 'asn-ipv4', 'asn-ipv6', 'asn', 'aws-ip-ranges', 'tor-exit-list'. */
  readonly name: string;
  readonly file: string;
  readonly state: SourceState;
  /** Ranges, prefixes or addresses loaded (not given for an mmdb). */
  readonly entries?: number;
  /** What the file says of itself: an mmdb's type and build date, ip-ranges.json's createDate. */
  readonly detail?: string;
  /** Milliseconds the load took (read + parse). */
  readonly loadMs?: number;
  /** The failure, as one line, when `state` is 'failed'. */
  readonly error?: string;
}

/** What a loaded source tells about itself. */
export interface SourceSummary {
  readonly entries?: number;
  readonly detail?: string;
}

/** A data file loaded on first use. */
export interface LazySource<T> {
  /** The loaded data; undefined when loading failed (then and ever after). */
  get(): T | undefined;
  /** Load now; throws the typed error when loading fails. */
  load(): T;
  status(): IpSourceStatus;
}

/**
 * A lazily loaded data file. `parse` reads and parses it (throwing AppErrors naming the file);
 * `summary` tells how many entries the result holds and what it is; `onError` hears a failure
 * once.
 */
export function lazySource<T>(
  name: string,
  file: string,
  parse: (file: string) => T,
  summary: (data: T) => SourceSummary,
  onError: ((err: AppError) => void) | undefined,
): LazySource<T> {
  let data: T | undefined;
  let error: AppError | undefined;
  let loadMs: number | undefined;
  const load = (): T => {
    if (data !== undefined) return data;
    if (error) throw error;
    const t0 = performance.now();
    try {
      data = parse(file);
    } catch (err) {
      error = invalidData(file, err);
      onError?.(error);
      throw error;
    } finally {
      loadMs = Math.round((performance.now() - t0) * 10) / 10;
    }
    return data;
  };
  return {
    get: () => {
      if (data !== undefined) return data;
      if (error) return undefined;
      try {
        return load();
      } catch {
        return undefined;
      }
    },
    load,
    status: () => ({
      name,
      file,
      state: data !== undefined ? 'loaded' : error ? 'failed' : 'pending',
      ...(data !== undefined ? summary(data) : {}),
      ...(loadMs !== undefined ? { loadMs } : {}),
      ...(error ? { error: error.message } : {}),
    }),
  };
}
