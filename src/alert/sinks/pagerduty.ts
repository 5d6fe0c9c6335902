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
import type { AlertKind, AlertMessage, Severity } from '../../core/index.js';
import type { HttpRequest, HttpResponse } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import { explainedResult, redactResult, sendAndRead, stringsIn } from './lib/result.js';
import { freeKey, httpLink, plainText } from './lib/text.js';
import { incidentKey, kindPrefix } from './lib/wording.js';

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
    dedup_key: incidentKey(message, LIMITS.field),
  };
  if (head.event_action !== 'trigger') return head;
  const link = httpLink(message.link);
  return {
    ...head,
    payload: {
      summary: plainText(
        `${kindPrefix(message.kind)}${message.title}: ${message.summary}`,
        LIMITS.summary,
      ),
      source: plainText(opts.source, LIMITS.field),
      severity: SEVERITY[message.severity],
      timestamp: message.time,
      component: 'keysnare',
      group: plainText(message.rules[0] ?? 'keysnare', LIMITS.field),
      class: plainText(message.rules.join(', ') || 'keysnare', LIMITS.field),
      custom_details: customDetails(message, link),
    },
    client: 'Keysnare',
    ...(link ? { links: [{ href: link, text: 'Open in Keysnare' }], client_url: link } : {}),
  };
}

/**
 * The details PagerDuty shows as a table: Keysnare's own entries, then every fact under its label
 * (a repeated label gets a number; `Object.fromEntries` keeps a `__proto__` label a plain key).
 */
function customDetails(message: AlertMessage, link: string | undefined): Record<string, unknown> {
  const entries = new Map<string, unknown>([
    ['Incident', plainText(message.incidentId, LIMITS.field)],
    ['Alert', plainText(message.alertId, LIMITS.field)],
    ['Kind', message.kind],
    ['State', message.state],
    ['Rules', message.rules.slice(0, LIMITS.steps).map((r) => plainText(r, LIMITS.field))],
    ['Events', message.eventCount],
  ]);
  if (link) entries.set('Link', link);
  const steps = message.runbook.slice(0, LIMITS.steps).map((s) => plainText(s, LIMITS.step));
  if (steps.length > 0) entries.set('Runbook', steps);
  for (const fact of message.facts.slice(0, LIMITS.facts)) {
    const label = plainText(fact.label, LIMITS.label).trim() || 'Fact';
    entries.set(freeKey(entries, label), plainText(fact.value, LIMITS.value));
  }
  const more = message.facts.length - LIMITS.facts;
  if (more > 0) entries.set('More facts', `${more} more in Keysnare`);
  // The facts usually say when already; these fill in when they do not.
  if (!entries.has('First seen'))
    entries.set('First seen', plainText(message.firstSeen, LIMITS.field));
  if (!entries.has('Last seen'))
    entries.set('Last seen', plainText(message.lastSeen, LIMITS.field));
  return Object.fromEntries(entries);
}

/**
 * What PagerDuty's answer means: 202 accepted; 400 an event it will never take (as any other final
 * 4xx), with its own words (`message` and `errors`); 429 and 5xx later, after Retry-After when sent.
 */
function readAnswer(res: HttpResponse, now: Date): SinkResult {
  return explainedResult(res, now, (b) => [...stringsIn(b.message), ...stringsIn(b.errors)]);
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
        const request: HttpRequest = {
          url: opts.url,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': `Keysnare/${ctx.version}`,
          },
          body: JSON.stringify(event),
        };
        const result = await sendAndRead(ctx.http, request, (res) => readAnswer(res, ctx.now()));
        // The routing key is the credential; a receiver that echoes it must not put it in a log.
        return redactResult(result, [opts.routingKey]);
      },
    };
  },
};
