/**
 * The S3 source's bookkeeping per leaf (`…/CloudTrail/<region>/`, where keys list in delivery
 * order): what was listed, what is done, and the checkpoint, `{after, done}`. `after` is the
 * last key such that it and every key listed before it are stored (or skipped, or quarantined);
 * `done` holds the keys stored out of order after it, and those of `after`'s delivery minute, so
 * a restart lists again from the start of that minute (a file delivered in the same minute can
 * sort before the last one) and fetches nothing already stored.
 */
import type { S3ObjectInfo, S3Port } from '../../aws/ports.js';
import { isAboveLeaf, isLeaf, isWithinLeaf, minuteStart } from './cloudtrail-keys.js';

/** S3's key order: UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A leaf's state. */
export interface Leaf {
  readonly prefix: string;
  after: string | undefined;
  readonly done: Set<string>;
  /** Listed and not yet done (queued, handed out or waiting for a retry). */
  readonly open: Set<string>;
  /** To fetch, in S3 order. */
  queue: S3ObjectInfo[];
  /** Failed; fetched again on the next poll. */
  readonly retry: S3ObjectInfo[];
  readonly attempts: Map<string, number>;
  /** The largest key listed so far. */
  listedUpTo: string | undefined;
  /** Continuation token of a listing under way. */
  token: string | undefined;
  /** The listing of this pass reached the end. */
  exhausted: boolean;
}

/** A leaf from its stored checkpoint (JSON text, or undefined for a fresh one). */
export function leafFrom(prefix: string, stored: string | undefined): Leaf {
  let after: string | undefined;
  let done: string[] = [];
  if (stored !== undefined) {
    try {
      const v = JSON.parse(stored) as { after?: unknown; done?: unknown };
      if (typeof v.after === 'string') after = v.after;
      if (Array.isArray(v.done)) done = v.done.filter((k): k is string => typeof k === 'string');
    } catch {
      // An unreadable checkpoint starts the leaf over: files are fetched again, none skipped.
    }
  }
  return {
    prefix,
    after,
    done: new Set(done),
    open: new Set(),
    queue: [],
    retry: [],
    attempts: new Map(),
    listedUpTo: after,
    token: undefined,
    exhausted: false,
  };
}

/** The checkpoint text of a leaf. */
export function checkpointText(leaf: Leaf): string {
  return JSON.stringify({
    ...(leaf.after !== undefined ? { after: leaf.after } : {}),
    done: [...leaf.done].sort(compareKeys),
  });
}

/** Where the next listing of a leaf starts (StartAfter), when no token is under way. */
export function listStart(leaf: Leaf): string | undefined {
  return leaf.listedUpTo === undefined ? undefined : minuteStart(leaf.listedUpTo);
}

/** True when a listed key needs nothing more (done, or already listed and not done). */
export function isKnown(leaf: Leaf, key: string): boolean {
  return leaf.done.has(key) || leaf.open.has(key);
}

function smallest(keys: Iterable<string>): string | undefined {
  let min: string | undefined;
  for (const k of keys) if (min === undefined || compareKeys(k, min) < 0) min = k;
  return min;
}

/** Mark `key` done; advances `after` over every key listed before the first one still open. */
export function markDone(leaf: Leaf, key: string): void {
  leaf.open.delete(key);
  leaf.done.add(key);
  const firstOpen = smallest(leaf.open);
  let next = leaf.after;
  for (const k of leaf.done) {
    const beyond = next === undefined || compareKeys(k, next) > 0;
    if (beyond && (firstOpen === undefined || compareKeys(k, firstOpen) < 0)) next = k;
  }
  if (next !== leaf.after && next !== undefined) {
    leaf.after = next;
    const keepFrom = minuteStart(next);
    for (const k of leaf.done) if (compareKeys(k, keepFrom) < 0) leaf.done.delete(k);
  }
}

const MAX_PLAIN_DEPTH = 3;

/**
 * The leaves under `prefix`, by listing folders (Delimiter `/`): `AWSLogs/`, organisation and
 * account folders, `CloudTrail/`, then regions; digest and Insights folders are not entered, and
 * at most three folder levels without `AWSLogs/` are searched. A prefix inside a leaf, or one
 * under which no leaf is found, is its own single leaf.
 */
export async function discoverLeaves(
  s3: S3Port,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<string[]> {
  if (isWithinLeaf(prefix)) return [prefix];
  const leaves: string[] = [];
  const stack: { prefix: string; depth: number }[] = [{ prefix, depth: 0 }];
  while (stack.length > 0) {
    const at = stack.pop()!;
    let token: string | undefined;
    do {
      const page = await s3.listObjects(
        {
          bucket,
          prefix: at.prefix,
          delimiter: '/',
          ...(token ? { continuationToken: token } : {}),
        },
        signal,
      );
      for (const p of page.prefixes) {
        if (isLeaf(p)) leaves.push(p);
        else if (isAboveLeaf(p)) stack.push({ prefix: p, depth: at.depth });
        else if (!p.includes('AWSLogs/') && at.depth < MAX_PLAIN_DEPTH) {
          stack.push({ prefix: p, depth: at.depth + 1 });
        }
      }
      token = page.nextToken;
    } while (token);
  }
  return leaves.length === 0 ? [prefix] : leaves.sort(compareKeys);
}
