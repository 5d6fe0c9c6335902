/**
 * S3 backfill: the CloudTrail files under `s3://bucket/prefix` (single-account and organisation
 * trail layouts), fetched into the spool leaf by leaf (`…/CloudTrail/<region>/`, where keys sort
 * in delivery order), digest, Insights and other objects skipped. A checkpoint per leaf (see
 * s3-leaves.ts) makes a restart resume after the last file stored, fetching none twice that was
 * acknowledged and skipping none. Once every leaf is listed to its end the pass is complete; the
 * next pass (after `rescanSeconds`) lists only what came after. For live delivery use the SQS
 * source; this one is for the history and for catching up.
 */
import { z } from 'zod';
import type { S3ObjectInfo, S3Port } from '../../aws/ports.js';
import { isObjectTooLarge } from '../../aws/s3.js';
import { describeError } from '../../core/index.js';
import { deliveryTime, skipReason } from './cloudtrail-keys.js';
import { createHealth, type HealthTracker } from './health.js';
import {
  checkpointText,
  compareKeys,
  discoverLeaves,
  isKnown,
  leafFrom,
  listStart,
  markDone,
  type Leaf,
} from './s3-leaves.js';
import type {
  BackfillProgress,
  LiveSource,
  LiveSourceContext,
  LiveSourceDefinition,
  SpooledFile,
} from './source.js';
import { isAbort, systemClock, onePollAtATime } from './source.js';
import { isGzip, isSourceName, spoolName } from './spool.js';

/** Options of an `s3` source. */
export const s3SourceOptions = z.strictObject({
  name: z.string().refine(isSourceName, 'letters, digits, - and _ (at most 64)'),
  bucket: z.string().min(3).max(63),
  /** The trail's key prefix (without `AWSLogs/`), or any folder below it. */
  prefix: z.string().default(''),
  /** The bucket's region (default: the configured AWS region). */
  region: z.string().optional(),
  /** Files handed out per poll. */
  maxObjectsPerPoll: z.number().int().min(1).max(10_000).default(100),
  /** Tries per file (fetch or ingest) before it is quarantined. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /** Largest object fetched (CloudTrail files are at most 50 MB compressed). */
  maxObjectBytes: z
    .number()
    .int()
    .min(1)
    .default(64 * 1024 * 1024),
  /** Seconds between the starts of two passes over the bucket. */
  rescanSeconds: z.number().int().min(0).default(300),
});

/** The parsed options. */
export type S3SourceOptions = z.output<typeof s3SourceOptions>;

/** Keys listed per leaf page: every leaf holds a page in memory while they are merged. */
const LEAF_PAGE = 200;

const checkpointKey = (o: S3SourceOptions, leaf: string): string =>
  `live-source:${o.name}:s3://${o.bucket}/${leaf}`;

interface Pass {
  leaves: Leaf[];
  complete: boolean;
  startedAt: number;
  objectsListed: number;
  bytesListed: number;
  objectsDone: number;
  bytesDone: number;
}

/** What the S3 source works with. */
interface S3Run {
  readonly o: S3SourceOptions;
  readonly s3: S3Port;
  readonly ctx: LiveSourceContext;
  readonly health: HealthTracker;
  readonly leaves: Map<string, Leaf>;
  pass: Pass | undefined;
  saves: Promise<void>;
}

function progressOf(p: Pass): BackfillProgress {
  return {
    objectsDone: p.objectsDone,
    bytesDone: p.bytesDone,
    objectsListed: p.objectsListed,
    bytesListed: p.bytesListed,
    ...(p.leaves.every((l) => l.exhausted)
      ? { objectsTotal: p.objectsListed, bytesTotal: p.bytesListed }
      : {}),
  };
}

function report(run: S3Run): void {
  if (run.pass) run.ctx.onProgress?.(progressOf(run.pass));
}

async function save(run: S3Run, leaf: Leaf): Promise<void> {
  const text = checkpointText(leaf);
  const key = checkpointKey(run.o, leaf.prefix);
  // Writes are chained so an older checkpoint never lands after a newer one.
  run.saves = run.saves
    .then(() => run.ctx.checkpoints.setValue(key, text))
    .catch((err: unknown) => run.health.error(err, 'saving the checkpoint'));
  await run.saves;
}

async function finish(run: S3Run, leaf: Leaf, o: S3ObjectInfo): Promise<void> {
  markDone(leaf, o.key);
  leaf.attempts.delete(o.key);
  if (run.pass) {
    run.pass.objectsDone += 1;
    run.pass.bytesDone += o.size ?? 0;
  }
  await save(run, leaf);
  report(run);
}

async function quarantine(run: S3Run, leaf: Leaf, o: S3ObjectInfo, reason: string): Promise<void> {
  await run.ctx.spool.quarantine(spoolName(o.key, `s3://${run.o.bucket}`, false), {
    origin: `s3://${run.o.bucket}/${o.key}`,
    reason,
    at: new Date((run.ctx.clock ?? systemClock).now()).toISOString(),
    details: { attempts: leaf.attempts.get(o.key) ?? 0 },
  });
  run.health.quarantined();
  await finish(run, leaf, o);
}

/** A try failed: retry on the next poll, or quarantine after `maxAttempts` (or when hopeless). */
async function failed(run: S3Run, leaf: Leaf, o: S3ObjectInfo, reason: string, hopeless: boolean) {
  const attempts = (leaf.attempts.get(o.key) ?? 0) + 1;
  leaf.attempts.set(o.key, attempts);
  run.health.error(reason, `s3://${run.o.bucket}/${o.key}`);
  if (hopeless || attempts >= run.o.maxAttempts) await quarantine(run, leaf, o, reason);
  else leaf.retry.push(o);
}

function spooled(run: S3Run, leaf: Leaf, o: S3ObjectInfo, path: string): SpooledFile {
  let settled = false;
  run.health.handedOut();
  return {
    path,
    origin: `s3://${run.o.bucket}/${o.key}`,
    async ack() {
      if (settled) return;
      settled = true;
      await run.ctx.spool.remove(path);
      run.health.stored();
      await finish(run, leaf, o);
    },
    async fail(reason) {
      if (settled) return;
      settled = true;
      await run.ctx.spool.remove(path);
      run.health.released();
      await failed(run, leaf, o, reason, false);
    },
  };
}

async function fetch(run: S3Run, leaf: Leaf, o: S3ObjectInfo, signal?: AbortSignal) {
  let body: Buffer;
  try {
    body = await run.s3.getObject(
      { bucket: run.o.bucket, key: o.key, maxBytes: run.o.maxObjectBytes },
      signal,
    );
  } catch (err) {
    if (isAbort(err)) {
      leaf.retry.push(o);
      throw err;
    }
    await failed(run, leaf, o, describeError(err), isObjectTooLarge(err));
    return undefined;
  }
  const path = await run.ctx.spool.write(
    spoolName(o.key, `s3://${run.o.bucket}`, isGzip(body)),
    body,
  );
  return spooled(run, leaf, o, path);
}

/** List the next page of a leaf into its queue; false when there was nothing left to list. */
async function listPage(run: S3Run, leaf: Leaf, signal?: AbortSignal): Promise<boolean> {
  if (leaf.exhausted) return false;
  const start = listStart(leaf);
  const page = await run.s3.listObjects(
    {
      bucket: run.o.bucket,
      prefix: leaf.prefix,
      maxKeys: LEAF_PAGE,
      ...(leaf.token ? { continuationToken: leaf.token } : start ? { startAfter: start } : {}),
    },
    signal,
  );
  for (const o of page.objects) {
    if (leaf.listedUpTo === undefined || compareKeys(o.key, leaf.listedUpTo) > 0) {
      leaf.listedUpTo = o.key;
    }
    if (isKnown(leaf, o.key)) continue;
    leaf.open.add(o.key);
    if (skipReason(o.key) !== undefined) {
      markDone(leaf, o.key);
      continue;
    }
    run.health.seen(
      deliveryTime(o.key) ?? (o.lastModified ? Date.parse(o.lastModified) : undefined),
    );
    leaf.queue.push(o);
    if (run.pass) {
      run.pass.objectsListed += 1;
      run.pass.bytesListed += o.size ?? 0;
    }
  }
  leaf.token = page.nextToken;
  if (!page.nextToken) leaf.exhausted = true;
  report(run);
  return true;
}

async function startPass(run: S3Run, signal?: AbortSignal): Promise<void> {
  const prefixes = await discoverLeaves(run.s3, run.o.bucket, run.o.prefix, signal);
  const leaves: Leaf[] = [];
  for (const prefix of prefixes) {
    let leaf = run.leaves.get(prefix);
    if (!leaf) {
      leaf = leafFrom(prefix, await run.ctx.checkpoints.getValue(checkpointKey(run.o, prefix)));
      run.leaves.set(prefix, leaf);
    }
    leaf.exhausted = false;
    leaves.push(leaf);
  }
  const now = (run.ctx.clock ?? systemClock).now();
  run.pass = {
    leaves,
    complete: false,
    startedAt: now,
    objectsListed: 0,
    bytesListed: 0,
    objectsDone: 0,
    bytesDone: 0,
  };
}

/** Delivery order: the stamp in the name, then the key. */
function deliveryOrder(a: S3ObjectInfo, b: S3ObjectInfo): number {
  return (deliveryTime(a.key) ?? 0) - (deliveryTime(b.key) ?? 0) || compareKeys(a.key, b.key);
}

/**
 * The next object in delivery order across every leaf (a merge of the leaves' queues, each in
 * delivery order), so the pipeline sees one stream close to event time, not a region at a time.
 */
async function nextObject(
  run: S3Run,
  leaves: readonly Leaf[],
  signal?: AbortSignal,
): Promise<{ leaf: Leaf; o: S3ObjectInfo } | undefined> {
  let best: { leaf: Leaf; o: S3ObjectInfo } | undefined;
  for (const leaf of leaves) {
    while (leaf.queue.length === 0 && (await listPage(run, leaf, signal))) {
      // a page may hold only skipped keys; list on
    }
    const head = leaf.queue[0];
    if (head && (!best || deliveryOrder(head, best.o) < 0)) best = { leaf, o: head };
  }
  best?.leaf.queue.shift();
  return best;
}

async function pollOnce(run: S3Run, signal?: AbortSignal): Promise<SpooledFile[]> {
  const out: SpooledFile[] = [];
  try {
    const now = (run.ctx.clock ?? systemClock).now();
    if (
      !run.pass ||
      (run.pass.complete && now - run.pass.startedAt >= run.o.rescanSeconds * 1000)
    ) {
      await startPass(run, signal);
    }
    const pass = run.pass!;
    for (const leaf of pass.leaves) {
      if (leaf.retry.length > 0) {
        leaf.queue = [...leaf.retry.splice(0), ...leaf.queue].sort(deliveryOrder);
      }
    }
    while (out.length < run.o.maxObjectsPerPoll) {
      const next = await nextObject(run, pass.leaves, signal);
      if (!next) break;
      const file = await fetch(run, next.leaf, next.o, signal);
      if (file) out.push(file);
    }
    pass.complete = pass.leaves.every((l) => l.exhausted && l.queue.length === 0);
  } catch (err) {
    if (isAbort(err)) return out;
    run.health.error(err, `s3://${run.o.bucket}/${run.o.prefix}`);
    if (out.length === 0) throw err;
  }
  return out;
}

/** An S3 backfill source. */
export function createS3Source(o: S3SourceOptions, ctx: LiveSourceContext): LiveSource {
  const clock = ctx.clock ?? systemClock;
  const run: S3Run = {
    o,
    s3: ctx.ports.s3(o.region),
    ctx,
    health: createHealth(o.name, 's3', clock),
    leaves: new Map(),
    pass: undefined,
    saves: Promise.resolve(),
  };
  return {
    name: o.name,
    kind: 's3',
    poll: onePollAtATime(
      ctx.spool.cleanTemp(),
      (signal) => pollOnce(run, signal),
      () => run.health.polled(),
    ),
    health: () =>
      run.health.snapshot({
        ...(run.pass ? { progress: progressOf(run.pass) } : {}),
        partitions: [...run.leaves.values()].map((l) => ({
          id: `s3://${o.bucket}/${l.prefix}`,
          ...(l.after !== undefined ? { checkpoint: l.after } : {}),
        })),
      }),
  };
}

/** The `s3` source type. */
export const s3Source = {
  type: 's3',
  title: 'S3 backfill of a CloudTrail bucket',
  options: s3SourceOptions,
  create: createS3Source,
} as const satisfies LiveSourceDefinition<typeof s3SourceOptions>;
