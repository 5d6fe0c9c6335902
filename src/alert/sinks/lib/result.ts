/**
 * Delivery results as the HTTP sinks share them: one request sent and its answer read without
 * throwing, a final 4xx explained in the receiver's own words from its JSON error body, and the
 * sink's secrets taken out of what a result says before the dispatcher logs or stores it.
 */
import { safeText } from '../../../core/index.js';
import type { HttpClient, HttpRequest, HttpResponse } from '../../http.js';
import { httpResult, thrownResult } from '../../http.js';
import type { SinkResult } from '../../sink.js';
import { clip } from './text.js';

/**
 * Send `req` and read the answer with `read`. A request that throws (a refused target, a network
 * error, a timeout) is read by `thrownResult`; this never throws.
 */
export async function sendAndRead(
  http: HttpClient,
  req: HttpRequest,
  read: (res: HttpResponse) => SinkResult,
): Promise<SinkResult> {
  try {
    return read(await http.send(req));
  } catch (err) {
    return thrownResult(err);
  }
}

/** `body` parsed as JSON, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** The strings `v` holds: itself when it is one, the strings among its items when it is a list. */
export function stringsIn(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** `field: text` for each entry of an object of field errors (`{summary: 'is required'}`). */
export function fieldErrors(v: unknown): string[] {
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).map(([k, x]) => `${k}: ${typeof x === 'string' ? x : '?'}`);
}

/**
 * The answer read the usual way (`httpResult`), except that a final one (a 4xx other than 408,
 * 425 and 429) says what `explain` finds in its JSON object body, `HTTP 400: <its words>` (joined
 * with `; `), when it finds anything.
 */
export function explainedResult(
  res: HttpResponse,
  now: Date,
  explain: (body: Readonly<Record<string, unknown>>) => readonly string[],
  ref?: string,
): SinkResult {
  const result = httpResult(res, now, ref);
  if (result.kind !== 'rejected' || res.status < 400) return result;
  const body = parseJson(res.body);
  if (typeof body !== 'object' || body === null) return result;
  const said = explain(body as Record<string, unknown>).filter((s) => s !== '');
  return said.length > 0
    ? { kind: 'rejected', reason: `HTTP ${res.status}: ${said.join('; ')}` }
    : result;
}

/** What stands for a secret in a result, and the longest result text kept (UTF-16 units). */
export interface Redaction {
  readonly mask?: string;
  readonly max?: number;
}

/**
 * `result` with every secret (an empty one is skipped) in its text replaced by `mask` (default
 * `[redacted]`), then made inert and cut to `max` (default 500). A receiver may echo a credential
 * or a URL holding one, and results end up in logs and the dead-letter table.
 *
 * @example
 * redactResult({ kind: 'rejected', reason: 'bad key abc123' }, ['abc123'])
 * // { kind: 'rejected', reason: 'bad key [redacted]' }
 */
export function redactResult(
  result: SinkResult,
  secrets: readonly string[],
  { mask = '[redacted]', max = 500 }: Redaction = {},
): SinkResult {
  if (result.kind === 'ok') return result;
  // The secrets are taken out before the text is neutralised, which could otherwise change them.
  const clean = (text: string) =>
    clip(safeText(secrets.reduce((t, s) => (s === '' ? t : t.split(s).join(mask)), text)), max);
  return result.kind === 'rejected'
    ? { kind: 'rejected', reason: clean(result.reason) }
    : { ...result, error: clean(result.error) };
}
