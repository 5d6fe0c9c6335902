/**
 * PagerDuty sink: the Events API v2. One incident is one PagerDuty alert, keyed by `dedup_key`
 * `keysnare-<incident id>`: the first alert, every update and a reopening trigger it (after a
 * resolve PagerDuty opens a new alert under the same key), an acknowledgement acknowledges it, a
 * resolution or a false positive resolves it. The routing key in the body is the credential; it is
 * never part of a result. PagerDuty shows the summary and details as plain text, so
 * attacker-controlled strings lose their control, bidi and line-break characters and are cut to
 * PagerDuty's sizes; the body stays well under its 512 KB.
 */
import { z } from 'zod';
import { safeText } from '../../core/index.js';
import type { AlertKind, AlertMessage, Severity } from '../../core/index.js';
import { httpResult, thrownResult } from '../http.js';
import type { HttpResponse } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';

const DEFAULT_URL = 'https://events.pagerduty.com/v2/enqueue';

/** PagerDuty's field limits and the caps on what Keysnare puts in them (UTF-16 units). */
const LIMITS = {
  summary: 1024,
  field: 255,
  facts: 40,
  label: 100,
  value: 1000,
  steps: 20,
  step: 500,
  link: 2048,
  reason: 500,
} as const;

const SEVERITY: Readonly<Record<Severity, PagerDutySeverity>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
  info: 'info',
};

const ACTION: Readonly<Record<AlertKind, PagerDutyEvent['event_action']>> = {
  opened: 'trigger',
  updated: 'trigger',
  reopened: 'trigger',
  test: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
  'false-positive': 'resolve',
};

/** How the summary starts for each kind (a first alert starts with its title). */
const PREFIX: Readonly<Record<AlertKind, string>> = {
  opened: '',
  updated: '[Updated] ',
  reopened: '[Reopened] ',
  acknowledged: '[Acknowledged] ',
  resolved: '[Resolved] ',
  'false-positive': '[False positive] ',
  test: '[TEST] ',
};

const options = z.strictObject({
  routingKey: z
    .string()
    .trim()
    .min(1, 'the integration key of an Events API v2 integration')
    .describe('integration key of an Events API v2 integration (32 characters); a secret'),
  url: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_URL)
    .describe('Events API endpoint; https://events.eu.pagerduty.com/v2/enqueue for EU accounts'),
  source: z
    .string()
    .trim()
    .min(1)
    .max(LIMITS.field)
    .optional()
    .describe("the alert's source in PagerDuty; this host's name by default"),
});

/** A PagerDuty severity. */
export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

/** One Events API v2 event, as sent. */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: PagerDutySeverity;
    readonly timestamp: string;
    readonly component: string;
    readonly group: string;
    readonly class: string;
    readonly custom_details: Readonly<Record<string, unknown>>;
  };
  readonly links?: readonly { readonly href: string; readonly text: string }[];
  readonly client?: string;
  readonly client_url?: string;
}

/**
 * The event for `message`: a trigger with the full payload, or an acknowledge/resolve that names
 * only the key (PagerDuty reads nothing else from those).
 */
export function renderPagerDutyEvent(
  message: AlertMessage,
  opts: { readonly routingKey: string; readonly source: string },
): PagerDutyEvent {
  const head = {
    routing_key: opts.routingKey,
    event_action: ACTION[message.kind],
    dedup_key: dedupKey(message),
  };
  if (head.event_action !== 'trigger') return head;
  const link = httpLink(message.link);
  return {
    ...head,
    payload: {
      summary: inert(`${PREFIX[message.kind]}${message.title}: ${message.summary}`, LIMITS.summary),
      source: inert(opts.source, LIMITS.field),
      severity: SEVERITY[message.severity],
      timestamp: message.time,
      component: 'keysnare',
      group: inert(message.rules[0] ?? 'keysnare', LIMITS.field),
      class: inert(message.rules.join(', ') || 'keysnare', LIMITS.field),
      custom_details: customDetails(message, link),
    },
    client: 'Keysnare',
    ...(link ? { links: [{ href: link, text: 'Open in Keysnare' }], client_url: link } : {}),
  };
}

/** `keysnare-<incident id>`, the same for every alert of the incident. */
function dedupKey(message: AlertMessage): string {
  return clip(safeText(`keysnare-${message.incidentId}`), LIMITS.field, '');
}

/**
 * The details PagerDuty shows as a table: Keysnare's own entries, then every fact under its label
 * (a repeated label gets a number; `Object.fromEntries` keeps a `__proto__` label a plain key).
 */
function customDetails(message: AlertMessage, link: string | undefined): Record<string, unknown> {
  const entries = new Map<string, unknown>([
    ['Incident', inert(message.incidentId, LIMITS.field)],
    ['Alert', inert(message.alertId, LIMITS.field)],
    ['Kind', message.kind],
    ['State', message.state],
    ['Rules', message.rules.slice(0, LIMITS.steps).map((r) => inert(r, LIMITS.field))],
    ['Events', message.eventCount],
  ]);
  if (link) entries.set('Link', link);
  const steps = message.runbook.slice(0, LIMITS.steps).map((s) => inert(s, LIMITS.step));
  if (steps.length > 0) entries.set('Runbook', steps);
  for (const fact of message.facts.slice(0, LIMITS.facts)) {
    const label = inert(fact.label, LIMITS.label).trim() || 'Fact';
    let key = label;
    for (let n = 2; entries.has(key); n++) key = `${label} (${n})`;
    entries.set(key, inert(fact.value, LIMITS.value));
  }
  const more = message.facts.length - LIMITS.facts;
  if (more > 0) entries.set('More facts', `${more} more in Keysnare`);
  // The facts usually say when already; these fill in when they do not.
  if (!entries.has('First seen')) entries.set('First seen', inert(message.firstSeen, LIMITS.field));
  if (!entries.has('Last seen')) entries.set('Last seen', inert(message.lastSeen, LIMITS.field));
  return Object.fromEntries(entries);
}

/** `link` when it is an http(s) URL, normalised; anything else is dropped. */
function httpLink(link: string | undefined): string | undefined {
  if (link === undefined || !URL.canParse(link)) return undefined;
  const url = new URL(link);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return url.href.length <= LIMITS.link ? url.href : undefined;
}

/** `v` as one line with no control, bidi or line-break character, at most `max` long. */
function inert(v: string, max: number): string {
  // What lies past `max` is cut anyway, so only that much is neutralised.
  return clip(safeText(v.length > max ? v.slice(0, max + 1) : v), max);
}

/** `s` cut to at most `max` UTF-16 units, never splitting a surrogate pair, ending in `mark`. */
function clip(s: string, max: number, mark = '…'): string {
  if (s.length <= max) return s;
  let end = max - mark.length;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${s.slice(0, end)}${mark}`;
}

/**
 * What PagerDuty's answer means: 202 accepted; 400 an event it will never take, with its own
 * words (`message` and `errors`); 429 and 5xx later, after Retry-After when sent.
 */
function readAnswer(res: HttpResponse, now: Date): SinkResult {
  const result = httpResult(res, now);
  if (result.kind === 'ok') return { kind: 'ok' };
  const said = res.status === 400 ? pagerDutyError(res.body) : undefined;
  return said ? { kind: 'rejected', reason: `HTTP 400: ${said}` } : result;
}

/** PagerDuty's error text from a `{status, message, errors: [...]}` body. */
function pagerDutyError(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { message, errors } = parsed as { message?: unknown; errors?: unknown };
  const parts = [
    typeof message === 'string' ? message : '',
    ...(Array.isArray(errors) ? errors.filter((e): e is string => typeof e === 'string') : []),
  ].filter((p) => p !== '');
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** `result` with its text made inert and short, and the routing key (were it echoed) blanked. */
function redacted(result: SinkResult, secret: string): SinkResult {
  const clean = (text: string) =>
    clip(safeText(text).split(secret).join('[redacted]'), LIMITS.reason);
  if (result.kind === 'ok') return result;
  return result.kind === 'rejected'
    ? { kind: 'rejected', reason: clean(result.reason) }
    : { ...result, error: clean(result.error) };
}

/** The `pagerduty` sink type. */
export const pagerdutySink: SinkDefinition<typeof options> = {
  type: 'pagerduty',
  title: 'PagerDuty (Events API v2)',
  options,
  create(opts, ctx) {
    const source = opts.source ?? ctx.hostname;
    return {
      name: ctx.name,
      type: 'pagerduty',
      async deliver(message) {
        const event = renderPagerDutyEvent(message, { routingKey: opts.routingKey, source });
        try {
          const res = await ctx.http.send({
            url: opts.url,
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              accept: 'application/json',
              'user-agent': `Keysnare/${ctx.version}`,
            },
            body: JSON.stringify(event),
          });
          return redacted(readAnswer(res, ctx.now()), opts.routingKey);
        } catch (err) {
          return redacted(thrownResult(err), opts.routingKey);
        }
      },
    };
  },
};
