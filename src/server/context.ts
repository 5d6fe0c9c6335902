/**
 * What the server's routes share: the open workspace, incidents and alerting over it, the
 * sessions, and one work queue so ingest runs, deliveries and the Safety Net never overlap on the
 * store (the embedded SQLite store serves one process, one writer at a time).
 */
import type { Workspace } from '../app.js';
import type { AlertingDeps } from '../pipeline/index.js';
import type { LoginLimiter, Sessions } from './auth.js';

/** The server's shared state. */
export interface ServerContext {
  readonly ws: Workspace;
  readonly alerting: AlertingDeps;
  readonly sessions: Sessions;
  readonly limiter: LoginLimiter;
  readonly now: () => Date;
  /** The EventBridge intake's shared secret (the endpoint is off without one). */
  readonly intakeSecret: string | undefined;
  /** Run `fn` after every job queued before it (ingest, dispatch, Safety Net). */
  serial<T>(fn: () => Promise<T>): Promise<T>;
  /** Ingest spooled files now (through the queue); resolves when their events are stored. */
  ingest(files: readonly string[]): Promise<IngestSummary>;
  /** Where pushed events are spooled before they are ingested. */
  readonly spoolDir: string;
  /** Health of the intake paths, for `status` and the dashboard. */
  readonly health: Map<string, SourceHealth>;
  /** True when cookies must carry `Secure` (HTTPS in front). */
  readonly secureCookies: boolean;
  readonly log: (line: string) => void;
}

/** What one ingest of spooled files did. */
export interface IngestSummary {
  readonly newEvents: number;
  readonly findings: number;
  readonly incidents: number;
  readonly alerts: number;
}

/** How an intake path is doing. */
export interface SourceHealth {
  readonly name: string;
  readonly kind: string;
  /** ISO time of the last file or push taken in. */
  lastReceivedAt?: string;
  /** Event time of the newest event taken in. */
  newestEventTime?: string;
  /** Milliseconds from the newest event's time to when it was stored, last time. */
  lagMs?: number;
  received: number;
  errors: number;
  lastError?: string;
}

/** A one-at-a-time queue of async jobs. */
export function createSerial(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
}
