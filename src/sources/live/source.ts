/**
 * The contract of a live CloudTrail source. A source does not parse CloudTrail: it fetches
 * delivery objects (S3 objects, LookupEvents pages) and writes each into its spool folder
 * (`<workspace>/spool/<source name>/`, one file per object, written under a temporary name and
 * renamed). The ingest pipeline ingests each file by path, then calls `ack()` once the file's
 * events are stored (the source then deletes the SQS message or advances its checkpoint) or
 * `fail(reason)` when they could not be (the source retries later, and quarantines what keeps
 * failing). Until one of them is called the object is not acknowledged: a crash redelivers it, and
 * dedupe by eventID makes a file ingested twice harmless.
 */
import type { z } from 'zod';
import type { KeyValueStore } from '../../core/index.js';
import type { CloudTrailPort, S3Port, SqsPort } from '../../aws/ports.js';
import type { Spool } from './spool.js';

/** The kinds of live source. */
export type LiveSourceKind = 's3' | 'sqs' | 'lookup-events';

/** A file a source wrote into its spool folder, waiting for the pipeline's verdict. */
export interface SpooledFile {
  /** Absolute path of the file (a `.json.gz` or `.json` CloudTrail delivery file). */
  readonly path: string;
  /** Where it came from, for messages: `s3://bucket/key`, `lookup-events://region/…`. */
  readonly origin: string;
  /** Its events are stored: acknowledge the object and remove the file. Idempotent. */
  ack(): Promise<void>;
  /** Its events could not be stored: retry later, or quarantine after too many tries. Idempotent. */
  fail(reason: string): Promise<void>;
}

/** A live source: polled by the server loop, one poll at a time. */
export interface LiveSource {
  readonly name: string;
  readonly kind: LiveSourceKind;
  /**
   * Fetch what is new into the spool and hand it out. Errors that concern one object are kept in
   * {@link health} and retried; an error that stops the whole poll (the queue or the listing is
   * unreachable) is thrown as an AppError. An aborted poll returns what it had spooled.
   */
  poll(signal?: AbortSignal): Promise<SpooledFile[]>;
  health(): SourceHealth;
}

/** Progress of an S3 backfill pass; totals are there once the listing is complete. */
export interface BackfillProgress {
  readonly objectsDone: number;
  readonly bytesDone: number;
  readonly objectsListed: number;
  readonly bytesListed: number;
  readonly objectsTotal?: number;
  readonly bytesTotal?: number;
}

/** One checkpointed part of a source: an S3 leaf prefix or a LookupEvents region. */
export interface PartitionHealth {
  readonly id: string;
  /** S3: the last key fully stored; LookupEvents: the newest event time fully stored (ISO). */
  readonly checkpoint?: string;
}

/** What `status` shows for a source. */
export interface SourceHealth {
  readonly name: string;
  readonly kind: LiveSourceKind;
  /** ISO time the last poll ended. */
  readonly lastPollAt?: string;
  /**
   * ISO time of the newest object or event seen: LookupEvents' event times; for S3 and SQS the
   * delivery time in the object's name (or its notification / last-modified time), which is at
   * or after the times of the events it holds.
   */
  readonly lastSeenAt?: string;
  /** now − lastSeenAt, in ms. */
  readonly lagMs?: number;
  /** Files handed out and not yet acknowledged or failed. */
  readonly pending: number;
  /** Files acknowledged. */
  readonly stored: number;
  /** Objects or messages moved to `<spool>/quarantine/`. */
  readonly quarantined: number;
  readonly errorCount: number;
  readonly lastError?: { readonly at: string; readonly message: string };
  readonly progress?: BackfillProgress;
  readonly partitions?: readonly PartitionHealth[];
}

/** Time for sources: injectable so rate limits and heartbeats are tested without waiting. */
export interface SourceClock {
  /** Epoch ms. */
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Call `fn` every `ms` until the returned function is called (an unref'd timer). */
  every(ms: number, fn: () => void): () => void;
}

/** The real clock. */
export const systemClock: SourceClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError());
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

function abortError(): Error {
  const err = new Error('the poll was aborted');
  err.name = 'AbortError';
  return err;
}

/** True for the error an aborted sleep or SDK call rejects with. */
export function isAbort(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** The AWS ports a source may use; app.ts builds them (per region where a region matters). */
export interface LivePorts {
  s3(region: string | undefined): S3Port;
  sqs(region: string | undefined): SqsPort;
  cloudTrail(): CloudTrailPort;
}

/** What every source is built with. */
export interface LiveSourceContext {
  readonly ports: LivePorts;
  /** Checkpoints, kept across restarts (the workspace store). */
  readonly checkpoints: KeyValueStore;
  /** This source's spool folder (see spool.ts: `createSpool(<workspace>/spool, name)`). */
  readonly spool: Spool;
  readonly clock?: SourceClock;
  /** S3 backfill progress, after each listing page and each object done. */
  readonly onProgress?: (progress: BackfillProgress) => void;
}

/** A registered source type (src/sources/live/index.ts). */
export interface LiveSourceDefinition<S extends z.ZodType = z.ZodType> {
  /** The `type:` value in `sources:`. */
  readonly type: LiveSourceKind;
  readonly title: string;
  /** Its options (`name` included), every field but the required ones defaulted. */
  readonly options: S;
  create(options: z.output<S>, ctx: LiveSourceContext): LiveSource;
}

/**
 * A source's `poll`: one at a time (a poll starts after the one before it ends, failed or not),
 * the first after `ready` (the spool's cleanup), and `after` called when each ends.
 */
export function onePollAtATime(
  ready: Promise<unknown>,
  pollOnce: (signal?: AbortSignal) => Promise<SpooledFile[]>,
  after: () => void,
): (signal?: AbortSignal) => Promise<SpooledFile[]> {
  let polls = ready;
  return (signal) => {
    const next = polls.then(() => pollOnce(signal)).finally(after);
    polls = next.catch(() => undefined);
    return next;
  };
}
