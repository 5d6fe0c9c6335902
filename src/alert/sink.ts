/**
 * The sink contract. A sink is one file in `sinks/`, registered in `sinks/index.ts`: its option
 * schema (part of the config schema) and a factory that builds a {@link Sink} from parsed options.
 * A sink renders an {@link AlertMessage} for its destination, escaping every attacker-controlled
 * string for it, and delivers it once; retries, ordering, rate limits and dead letters are the
 * dispatcher's (dispatch.ts).
 */
import type { z } from 'zod';
import type { AlertMessage } from '../core/index.js';
import type { HttpClient, TargetGuard } from './http.js';

/**
 * What one delivery attempt came to.
 * - `ok`: delivered; `ref` is what a follow-up needs to thread on the first message (a Slack
 *   message's `ts`, a Jira issue key, an email's Message-ID), returned by the incident's first.
 * - `rejected`: will never succeed as it is (a 4xx other than 408/429, a refused target): the
 *   alert is dead-lettered with the reason.
 * - `indeterminate`: may succeed later (network error, 5xx, 429): retried with backoff, no sooner
 *   than `retryAfterMs` when the receiver said so.
 */
export type SinkResult =
  | { readonly kind: 'ok'; readonly ref?: string }
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'indeterminate'; readonly error: string; readonly retryAfterMs?: number };

/** A built sink. */
export interface Sink {
  /** The name it has in the config (`alerts.sinks.<name>`). */
  readonly name: string;
  readonly type: string;
  /**
   * Deliver one alert. `ref` is what this sink's first delivery for the same incident returned
   * (undefined for the first). Never throws for a delivery failure: it returns it.
   */
  deliver(message: AlertMessage, ref: string | undefined): Promise<SinkResult>;
  /** Release sockets and files (syslog connections, the JSON-lines file). */
  close?(): Promise<void>;
}

/** What a sink's factory gets besides its options. */
export interface SinkContext {
  readonly name: string;
  /** HTTP with the target guard this sink's options asked for. */
  readonly http: HttpClient;
  /** Checks (and resolves) a host a non-HTTP sink connects to, with the same guard. */
  readonly guard: TargetGuard;
  readonly now: () => Date;
  /** This host's name, for syslog's HOSTNAME and mail headers. */
  readonly hostname: string;
  /** Keysnare's version, for user agents and CEF's device version. */
  readonly version: string;
  /** Resolves a path in the options against the workspace (the JSON-lines file, CA files). */
  readonly resolvePath: (path: string) => string;
}

/** A registered sink type. */
export interface SinkDefinition<S extends z.ZodType = z.ZodType> {
  /** The `type:` value in the config. */
  readonly type: string;
  readonly title: string;
  /** Options besides the common ones (`type`, `allowPrivateTargets`, `ratePerMinute`, …). */
  readonly options: S;
  create(options: z.output<S>, ctx: SinkContext): Sink;
}
