/**
 * Expands the PATH arguments of `detect`/`ingest` into a list of files in delivery order: files
 * whose name carries CloudTrail's delivery stamp (`…_CloudTrail_<region>_20250303T0615Z_…`) by
 * that time across every account and region, so the one ordered stream the stateful rules see is
 * close to event time and a session key is usually learned before the files that use it; other
 * files first, by path. Ties break by path, so the order never depends on how paths were given.
 */
import type { RecordRejection } from '../core/index.js';
import { walkFiles } from '../core/index.js';

const EVENT_FILE = /\.(json|jsonl|ndjson|gz|cloudtrail|log)$/i;

/** Files to read, and paths that could not be used. */
export interface InputFiles {
  readonly files: string[];
  /** Total size of the files on disk. */
  readonly bytes: number;
  readonly problems: RecordRejection[];
  /** Files named on the command line (not found by walking a folder). */
  readonly explicit: ReadonlySet<string>;
}

/**
 * Files named directly are always read; folders are walked recursively for CloudTrail-like files
 * (.json, .json.gz, .jsonl, .ndjson, .gz, .cloudtrail, .log), skipping hidden entries and
 * following each real folder once (core/walk.ts).
 */
export function listInputFiles(paths: readonly string[]): InputFiles {
  const { files, problems, explicit } = walkFiles(paths, (name) => EVENT_FILE.test(name));
  let bytes = 0;
  for (const size of files.values()) bytes += size;
  return { files: deliveryOrder([...files.keys()]), bytes, problems, explicit };
}

const DELIVERY_STAMP = /_(\d{8}T\d{4}Z)_[^/\\]*$/;

/** `files` in delivery order (see the module comment). */
export function deliveryOrder(files: readonly string[]): string[] {
  const key = (f: string): string => `${DELIVERY_STAMP.exec(f)?.[1] ?? ''}\u0000${f}`;
  return files
    .map((f) => ({ f, k: key(f) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.f);
}
