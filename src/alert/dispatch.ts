/**
 * The dispatcher: delivers the outbox's pending alerts, each sink's strictly in the order they
 * were queued (a follow-up never overtakes the alert it follows), sinks side by side.
 *
 * - An alert is marked delivered only after its sink said so: a crash in between delivers it
 *   again after restart, with the same alert id for the receiver to recognise (at-least-once).
 * - A failure that may pass (network, 5xx, 429) is retried with exponential backoff and full
 *   jitter, never sooner than the receiver's Retry-After, until the alert is older than the
 *   maximum age; then, like a failure that cannot pass (a 4xx, a refused target), it is
 *   dead-lettered with the reason. `alerts retry ID` queues a dead alert again.
 * - Each sink has a rate limit (alerts per minute, a token bucket).
 */
import type { Alert, AlertStore } from '../core/index.js';
import type { Sink, SinkResult } from './sink.js';

/** How the dispatcher paces itself. */
export interface DispatchOptions {
  readonly now: () => Date;
  /** Give up (dead-letter) an alert this old (default 24 h). */
  readonly maxAgeMs?: number;
  /** First retry delay (default 5 s), doubled per attempt up to `maxDelayMs` (default 15 min). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Alerts per minute per sink (a sink without an entry: 60). */
  readonly ratePerMinute?: ReadonlyMap<string, number>;
  /** Keep delivering, waiting for retries that fall due, for this long (default 0: one pass). */
  readonly budgetMs?: number;
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The per-sink rate buckets, kept by a caller that dispatches again and again (serve), so the
   * limit holds across passes; default a fresh set per call.
   */
  readonly buckets?: Map<string, RateBucket>;
  /** Told about each attempt (the CLI logs them to stderr). */
  readonly onAttempt?: (alert: Alert, result: SinkResult) => void;
}

/** What a dispatch did. */
export interface DispatchStats {
  delivered: number;
  retried: number;
  dead: number;
  /** Alerts still pending when it stopped. */
  pending: number;
}

/** The default maximum age of an alert. */
export const DEFAULT_MAX_AGE_MS = 24 * 3_600_000;

/** A sink's rate bucket (see {@link DispatchOptions.buckets}). */
export type RateBucket = Bucket;

/** A token bucket: `rate` a minute, bursts up to `rate` (at least one). */
class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly rate: number,
    now: number,
  ) {
    this.tokens = Math.max(1, rate);
    this.at = now;
  }
  /** 0 when a token was taken, else the ms until one is there. */
  take(now: number): number {
    this.tokens = Math.min(
      Math.max(1, this.rate),
      this.tokens + ((now - this.at) * this.rate) / 60_000,
    );
    this.at = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 60_000) / this.rate);
  }
}

/** The delay before retry number `attempts` (1-based): exponential, full jitter, capped. */
export function retryDelayMs(
  attempts: number,
  base: number,
  max: number,
  random: () => number,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(max, base * 2 ** Math.min(30, attempts - 1));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(Math.round(jittered), retryAfterMs ?? 0);
}

/** Deliver what is due, sink by sink in order, for up to `budgetMs`. */
export async function dispatch(
  store: AlertStore,
  sinks: ReadonlyMap<string, Sink>,
  opts: DispatchOptions,
): Promise<DispatchStats> {
  const maxAge = opts.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const base = opts.baseDelayMs ?? 5_000;
  const maxDelay = opts.maxDelayMs ?? 15 * 60_000;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = opts.now().getTime();
  const until = start + (opts.budgetMs ?? 0);
  const buckets = opts.buckets ?? new Map<string, Bucket>();
  const stats: DispatchStats = { delivered: 0, retried: 0, dead: 0, pending: 0 };

  const attempt = async (a: Alert, sink: Sink): Promise<void> => {
    const ref = await store.alertRef(a.incidentId, a.sink);
    let result: SinkResult;
    try {
      result = await sink.deliver(a.message, ref);
    } catch (err) {
      result = { kind: 'indeterminate', error: err instanceof Error ? err.message : String(err) };
    }
    opts.onAttempt?.(a, result);
    const now = opts.now();
    const attempts = a.attempts + 1;
    if (result.kind === 'ok') {
      if (result.ref !== undefined && ref === undefined)
        await store.setAlertRef(a.incidentId, a.sink, result.ref);
      await store.recordAttempt(a.id, {
        status: 'delivered',
        attempts,
        nextAttemptAt: a.nextAttemptAt,
        deliveredAt: now.toISOString(),
      });
      stats.delivered++;
      return;
    }
    const reason = result.kind === 'rejected' ? result.reason : result.error;
    const retryAfter = result.kind === 'indeterminate' ? result.retryAfterMs : undefined;
    const next = now.getTime() + retryDelayMs(attempts, base, maxDelay, random, retryAfter);
    const expired = next - Date.parse(a.createdAt) > maxAge;
    if (result.kind === 'rejected' || expired) {
      const why =
        result.kind === 'rejected' ? reason : `gave up after ${attempts} attempts: ${reason}`;
      await store.recordAttempt(a.id, {
        status: 'dead',
        attempts,
        nextAttemptAt: a.nextAttemptAt,
        lastError: why,
      });
      stats.dead++;
      return;
    }
    await store.recordAttempt(a.id, {
      status: 'pending',
      attempts,
      nextAttemptAt: new Date(next).toISOString(),
      lastError: reason,
    });
    stats.retried++;
  };

  for (;;) {
    const now = opts.now().getTime();
    const heads = await store.headOfQueues();
    const due: Promise<void>[] = [];
    let progressed = false;
    let wake = Infinity;
    for (const a of heads) {
      const sink = sinks.get(a.sink);
      if (!sink) {
        await store.recordAttempt(a.id, {
          status: 'dead',
          attempts: a.attempts,
          nextAttemptAt: a.nextAttemptAt,
          lastError: `sink ${a.sink} is not configured (alerts retry ${a.id} once it is)`,
        });
        stats.dead++;
        progressed = true;
        continue;
      }
      const at = Date.parse(a.nextAttemptAt);
      if (at > now) {
        wake = Math.min(wake, at);
        continue;
      }
      let bucket = buckets.get(a.sink);
      if (!bucket) {
        bucket = new Bucket(opts.ratePerMinute?.get(a.sink) ?? 60, now);
        buckets.set(a.sink, bucket);
      }
      const wait = bucket.take(now);
      if (wait > 0) {
        wake = Math.min(wake, now + wait);
        continue;
      }
      due.push(attempt(a, sink));
    }
    if (due.length > 0 || progressed) {
      await Promise.all(due);
      continue;
    }
    if (wake === Infinity || wake > until) break;
    await sleep(Math.max(0, wake - opts.now().getTime()));
  }
  stats.pending = (await store.listAlerts({ status: 'pending' })).length;
  return stats;
}
