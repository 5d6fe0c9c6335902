/**
 * The counters behind {@link SourceHealth}, shared by the three sources.
 */
import { describeError } from '../../core/index.js';
import type { LiveSourceKind, SourceClock, SourceHealth } from './source.js';

/** Longest error message kept (AWS messages and object keys can be long). */
const MAX_ERROR = 500;

/** A source's health counters. */
export interface HealthTracker {
  /** An object or event of this time (epoch ms) was seen. */
  seen(ms: number | undefined): void;
  polled(): void;
  error(err: unknown, where?: string): void;
  handedOut(): void;
  stored(): void;
  /** A handed-out file was failed (back to pending − 1). */
  released(): void;
  quarantined(): void;
  snapshot(extra?: Pick<SourceHealth, 'progress' | 'partitions'>): SourceHealth;
}

/** Fresh counters for a source. */
export function createHealth(
  name: string,
  kind: LiveSourceKind,
  clock: SourceClock,
): HealthTracker {
  let lastPoll: number | undefined;
  let newest: number | undefined;
  let pending = 0;
  let stored = 0;
  let quarantined = 0;
  let errors = 0;
  let lastError: { at: string; message: string } | undefined;
  const iso = (ms: number): string => new Date(ms).toISOString();
  return {
    seen(ms) {
      if (ms !== undefined && Number.isFinite(ms) && (newest === undefined || ms > newest))
        newest = ms;
    },
    polled: () => void (lastPoll = clock.now()),
    error(err, where) {
      errors += 1;
      const text = where ? `${where}: ${describeError(err)}` : describeError(err);
      lastError = { at: iso(clock.now()), message: text.slice(0, MAX_ERROR) };
    },
    handedOut: () => void (pending += 1),
    stored() {
      pending = Math.max(0, pending - 1);
      stored += 1;
    },
    released: () => void (pending = Math.max(0, pending - 1)),
    quarantined: () => void (quarantined += 1),
    snapshot: (extra = {}) => ({
      name,
      kind,
      ...(lastPoll !== undefined ? { lastPollAt: iso(lastPoll) } : {}),
      ...(newest !== undefined
        ? { lastSeenAt: iso(newest), lagMs: Math.max(0, clock.now() - newest) }
        : {}),
      pending,
      stored,
      quarantined,
      errorCount: errors,
      ...(lastError ? { lastError: { ...lastError } } : {}),
      ...extra,
    }),
  };
}
