/**
 * The bare single-thread floor (reference/toolchain.md §8 (c)): readFileSync → gunzipSync →
 * JSON.parse(buf.toString('utf8')) → `Map.has(userIdentity?.accessKeyId)` per record. Nothing a
 * real detector does can be cheaper, so detector throughput is reported as a ratio to this.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AppError } from '../src/core/errors.js';

/** One floor measurement. */
export interface FloorResult {
  readonly files: number;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSec: number;
  /** Uncompressed MB (10^6 bytes) per second. */
  readonly mbPerSec: number;
  /** Records whose userIdentity.accessKeyId is a canary key. */
  readonly hits: number;
}

/** Every `.json.gz` file under `dir`, sorted by path (a deterministic order). */
export function listTrailFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.json.gz')) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
}

/** Canary key ids from a tokens.json file (`[{ accessKeyId, … }]`). */
export function readTokenKeys(tokensFile: string): Map<string, number> {
  const parsed: unknown = JSON.parse(readFileSync(tokensFile, 'utf8'));
  if (!Array.isArray(parsed)) {
    throw new AppError('KS_INPUT_INVALID', {
      file: tokensFile,
      reason: 'expected a JSON array of tokens',
    });
  }
  const keys = new Map<string, number>();
  parsed.forEach((t: { accessKeyId?: unknown }, i) => {
    if (typeof t?.accessKeyId === 'string') keys.set(t.accessKeyId, i);
  });
  return keys;
}

interface TrailRecord {
  readonly userIdentity?: { readonly accessKeyId?: string };
}

/**
 * Measure the floor over every `.json.gz` file under `dir`.
 *
 * @example
 * const floor = await measureFloor('bench/.data/x/AWSLogs', 'bench/.data/x/tokens.json');
 */
export function measureFloor(dir: string, tokensFile: string): Promise<FloorResult> {
  const keys = readTokenKeys(tokensFile);
  const files = listTrailFiles(dir);
  let records = 0;
  let bytes = 0;
  let hits = 0;
  const started = performance.now();
  for (const file of files) {
    const buf = gunzipSync(readFileSync(file));
    bytes += buf.length;
    const body = JSON.parse(buf.toString('utf8')) as { Records?: TrailRecord[] };
    for (const record of body.Records ?? []) {
      records++;
      if (keys.has(record.userIdentity?.accessKeyId as string)) hits++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return Promise.resolve({
    files: files.length,
    records,
    seconds,
    recordsPerSec: records / seconds,
    mbPerSec: bytes / 1e6 / seconds,
    hits,
  });
}
