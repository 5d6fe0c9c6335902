/**
 * A token bucket on an injectable clock: at most `ratePerSecond` takes per second on average,
 * at most `burst` at once. With the default burst of 1 the takes are at least 1/rate apart, so
 * no one-second window holds more than `ratePerSecond` of them (LookupEvents allows 2 requests
 * per second per account and region). Concurrent takers are served in order.
 */
import type { SourceClock } from './source.js';

/** A rate limiter. */
export interface TokenBucket {
  /** Resolves when a request may go; rejects with an AbortError when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void>;
}

/** A bucket that starts full. */
export function createTokenBucket(opts: {
  readonly ratePerSecond: number;
  readonly burst?: number;
  readonly clock: SourceClock;
}): TokenBucket {
  const burst = opts.burst ?? 1;
  const rate = opts.ratePerSecond;
  let tokens = burst;
  let last = opts.clock.now();
  let queue: Promise<void> = Promise.resolve();
  const refill = (): void => {
    const now = opts.clock.now();
    tokens = Math.min(burst, tokens + ((now - last) * rate) / 1000);
    last = now;
  };
  const takeOne = async (signal?: AbortSignal): Promise<void> => {
    refill();
    while (tokens < 1) {
      await opts.clock.sleep(Math.ceil(((1 - tokens) * 1000) / rate), signal);
      refill();
    }
    tokens -= 1;
  };
  return {
    take(signal) {
      const mine = queue.then(() => takeOne(signal));
      // A taker that aborted does not hold up the ones behind it.
      queue = mine.catch(() => undefined);
      return mine;
    },
  };
}
