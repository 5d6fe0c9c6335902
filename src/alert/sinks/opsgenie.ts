/**
 * Opsgenie sink: the Alert API. One incident is one Opsgenie alert, its alias
 * `keysnare-<incident id>`: a first alert, a reopening and a test create it (Opsgenie folds a
 * create into the open alert with the same alias, and opens a new one once that is closed), an
 * update adds a note, an acknowledgement acknowledges it, a resolution or a false positive closes
 * it. Opsgenie renders HTML in an alert's message and description, so every attacker-controlled
 * string is HTML-escaped as well as stripped of control, bidi and line-break characters, and cut to
 * Opsgenie's sizes without splitting an entity. The API key goes only in the Authorization header
 * and is never part of a result.
 */
import { z } from 'zod';
import { safeText } from '../../core/index.js';
import type { AlertMessage, Severity } from '../../core/index.js';
import type { HttpRequest, HttpResponse } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import {
  explainedResult,
  fieldErrors,
  redactResult,
  sendAndRead,
  stringsIn,
} from './lib/result.js';
import { clip, escapeHtml, freeKey, httpLink } from './lib/text.js';
import { incidentKey, KIND_SENTENCE, kindPrefix } from './lib/wording.js';

const DEFAULT_URL = 'https://api.opsgenie.com';

/** Opsgenie's field limits and the caps on what Keysnare puts in them (UTF-16 units). */
const LIMITS = {
  message: 130,
  alias: 250,
  description: 15_000,
  note: 25_000,
  details: 8_000,
  entity: 512,
  tags: 20,
  tag: 50,
  summary: 2_000,
  facts: 50,
  label: 100,
  value: 1_000,
  steps: 20,
  step: 500,
} as const;

const PRIORITY: Readonly<Record<Severity, OpsgeniePriority>> = {
  critical: 'P1',
  high: 'P2',
  medium: 'P3',
  low: 'P4',
  info: 'P5',
};

const responder = z
  .strictObject({
    type: z.enum(['team', 'user', 'escalation', 'schedule']),
    id: z.string().trim().min(1).optional(),
    name: z.string().trim().min(1).optional(),
    username: z.string().trim().min(1).optional(),
  })
  .superRefine((r, ctx) => {
    const named = [r.id, r.name, r.username].filter((v) => v !== undefined).length;
    if (named !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'a responder has exactly one of id, name, username',
      });
    else if (r.username !== undefined && r.type !== 'user')
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message: `a ${r.type} is named by name or id; username is for type: user`,
      });
    else if (r.name !== undefined && r.type === 'user')
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'a user is named by username (their email) or id',
      });
  });

const options = z.strictObject({
  apiKey: z
    .string()
    .trim()
    .min(1, 'the API key of an Opsgenie API integration')
    .describe('API key of an Opsgenie API integration (sent as "GenieKey <key>"); a secret'),
  url: z
    .url({ protocol: /^https?$/ })
    .default(DEFAULT_URL)
    .describe('API base URL; https://api.eu.opsgenie.com for EU accounts'),
  responders: z
    .array(responder)
    .max(50)
    .default([])
    .describe('teams, users, escalations or schedules to notify, when not routed by Opsgenie'),
  tags: z
    .array(
      z
        .string()
        .trim()
        .min(1)
        .max(LIMITS.tag)
        .regex(/^[^,]+$/, 'a tag holds no comma'),
    )
    .max(LIMITS.tags)
    .default([])
    .describe('tags put first on every alert (Keysnare adds keysnare, the severity and the rules)'),
});

/** An Opsgenie priority. */
export type OpsgeniePriority = 'P1' | 'P2' | 'P3' | 'P4' | 'P5';

/** A responder, as the options give it and the API takes it. */
export type OpsgenieResponder = z.output<typeof responder>;

/** One Alert API request: its path under the base URL and its JSON body. */
export interface OpsgenieRequest {
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/**
 * The request `message` makes: a create for a first alert, a reopening or a test; a note for an
 * update; an acknowledge; a close for a resolution or a false positive. All but the create name
 * the alert by its alias.
 */
export function renderOpsgenieRequest(
  message: AlertMessage,
  opts: { readonly responders: readonly OpsgenieResponder[]; readonly tags: readonly string[] },
): OpsgenieRequest {
  const alias = incidentKey(message, LIMITS.alias);
  const on = (action: string) =>
    `/v2/alerts/${encodeURIComponent(alias)}/${action}?identifierType=alias`;
  switch (message.kind) {
    case 'opened':
    case 'reopened':
    case 'test':
      return { path: '/v2/alerts', body: createBody(message, alias, opts) };
    case 'updated':
      return { path: on('notes'), body: { note: noteText(message, true), source: 'keysnare' } };
    case 'acknowledged':
      return {
        path: on('acknowledge'),
        body: { source: 'keysnare', note: noteText(message, false) },
      };
    case 'resolved':
    case 'false-positive':
      return { path: on('close'), body: { source: 'keysnare', note: noteText(message, false) } };
  }
}

function createBody(
  message: AlertMessage,
  alias: string,
  opts: { readonly responders: readonly OpsgenieResponder[]; readonly tags: readonly string[] },
): Record<string, unknown> {
  const entity = message.principalArn ?? message.accessKeyId ?? message.sourceIp;
  return {
    message: inert(`${kindPrefix(message.kind)}${message.title}`, LIMITS.message),
    alias,
    description: joinWithin(descriptionLines(message), LIMITS.description),
    details: details(message),
    priority: PRIORITY[message.severity],
    source: 'keysnare',
    tags: tags(message, opts.tags),
    ...(entity !== undefined ? { entity: inert(entity, LIMITS.entity) } : {}),
    ...(opts.responders.length > 0 ? { responders: opts.responders } : {}),
  };
}

/** The description: what happened, where to look, then the facts and the runbook. */
function descriptionLines(message: AlertMessage): string[] {
  const link = httpLink(message.link);
  return [
    KIND_SENTENCE[message.kind],
    inert(message.summary, LIMITS.summary),
    ...(link ? ['', `Open in Keysnare: ${escapeHtml(link)}`] : []),
    idLine(message),
    ...factLines(message),
    ...runbookLines(message),
  ];
}

/** A note: the kind's sentence and title, with what happened and the facts for an update. */
function noteText(message: AlertMessage, full: boolean): string {
  const link = httpLink(message.link);
  const lines = [
    KIND_SENTENCE[message.kind],
    inert(message.title, LIMITS.summary),
    ...(full ? [inert(message.summary, LIMITS.summary)] : []),
    ...(link ? [`Open in Keysnare: ${escapeHtml(link)}`] : []),
    idLine(message),
    ...(full ? factLines(message) : []),
  ];
  return joinWithin(lines, LIMITS.note);
}

function idLine(message: AlertMessage): string {
  const rules = message.rules.slice(0, LIMITS.steps).join(', ');
  return inert(
    `Incident ${message.incidentId} · alert ${message.alertId} · rules ${rules} · ` +
      `${message.eventCount} events · first seen ${message.firstSeen} · last seen ${message.lastSeen}`,
    LIMITS.summary,
  );
}

function factLines(message: AlertMessage): string[] {
  if (message.facts.length === 0) return [];
  const lines = message.facts
    .slice(0, LIMITS.facts)
    .map((f) => `${inert(f.label, LIMITS.label)}: ${inert(f.value, LIMITS.value)}`);
  const more = message.facts.length - LIMITS.facts;
  return ['', 'Facts:', ...lines, ...(more > 0 ? [`… and ${more} more in Keysnare`] : [])];
}

function runbookLines(message: AlertMessage): string[] {
  if (message.runbook.length === 0) return [];
  const steps = message.runbook.slice(0, LIMITS.steps);
  return ['', 'Runbook:', ...steps.map((s, i) => `${i + 1}. ${inert(s, LIMITS.step)}`)];
}

/**
 * Custom properties (strings only, at most 8000 characters in all): Keysnare's entries first, then
 * facts while they fit. A repeated label gets a number; `Object.fromEntries` keeps a `__proto__`
 * label a plain key.
 */
function details(message: AlertMessage): Record<string, string> {
  const entries = new Map<string, string>([
    ['Incident', inert(message.incidentId, LIMITS.label)],
    ['Alert', inert(message.alertId, LIMITS.label)],
    ['Kind', message.kind],
    ['Severity', message.severity],
    ['Rules', inert(message.rules.join(', '), LIMITS.value)],
    ['Events', String(message.eventCount)],
  ]);
  const link = httpLink(message.link);
  if (link) entries.set('Link', escapeHtml(link));
  let size = [...entries].reduce((n, [k, v]) => n + k.length + v.length, 0);
  for (const fact of message.facts.slice(0, LIMITS.facts)) {
    const label = inert(fact.label, LIMITS.label).trim() || 'Fact';
    const key = freeKey(entries, label);
    const value = inert(fact.value, LIMITS.value);
    if (size + key.length + value.length > LIMITS.details) break;
    entries.set(key, value);
    size += key.length + value.length;
  }
  return Object.fromEntries(entries);
}

/** The configured tags, then keysnare, the severity, `test` for a test, and the rules: ≤20. */
function tags(message: AlertMessage, configured: readonly string[]): string[] {
  const all = [
    ...configured,
    'keysnare',
    message.severity,
    ...(message.kind === 'test' ? ['test'] : []),
    ...message.rules,
  ];
  const seen = new Set<string>();
  for (const raw of all) {
    const tag = clip(safeText(raw).replace(/[^\p{L}\p{N}._:/@+=-]+/gu, '-'), LIMITS.tag, '');
    if (tag.replace(/-/g, '') !== '') seen.add(tag);
  }
  return [...seen].slice(0, LIMITS.tags);
}

/** `lines` joined while they fit in `max`, with a closing line saying the rest was cut. */
function joinWithin(lines: readonly string[], max: number): string {
  const all = lines.join('\n');
  if (all.length <= max) return all;
  const cut = '… (cut to fit; the rest is in Keysnare)';
  const kept: string[] = [];
  let size = cut.length;
  for (const line of lines) {
    if (size + line.length + 1 > max) break;
    kept.push(line);
    size += line.length + 1;
  }
  return [...kept, cut].join('\n');
}

/**
 * `v` as inert HTML text: controls and line breaks made spaces, `& < > " '` escaped, at most `max`
 * UTF-16 units, cut between code points and never inside an entity.
 */
function inert(v: string, max: number): string {
  // Escaping only lengthens, so what lies past `max` is never shown (nor worth neutralising).
  const s = safeText(v.length > max ? v.slice(0, max + 1) : v);
  const full = escapeHtml(s);
  if (full.length <= max) return full;
  let out = '';
  for (const ch of s) {
    const e = escapeHtml(ch);
    if (out.length + e.length > max - 1) break;
    out += e;
  }
  return `${out}…`;
}

/**
 * What Opsgenie's answer means: 202 accepted (it processes the request later); a 4xx other than
 * 408/429 will never succeed, with Opsgenie's `message` and field `errors`; 429 and 5xx later.
 */
function readAnswer(res: HttpResponse, now: Date): SinkResult {
  return explainedResult(res, now, (b) => [...stringsIn(b.message), ...fieldErrors(b.errors)]);
}

/** The `opsgenie` sink type. */
export const opsgenieSink: SinkDefinition<typeof options> = {
  type: 'opsgenie',
  title: 'Opsgenie (Alert API)',
  options,
  create(opts, ctx) {
    const base = opts.url.replace(/\/+$/, '');
    return {
      name: ctx.name,
      type: 'opsgenie',
      async deliver(message) {
        const req = renderOpsgenieRequest(message, opts);
        const request: HttpRequest = {
          url: `${base}${req.path}`,
          method: 'POST',
          headers: {
            authorization: `GenieKey ${opts.apiKey}`,
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': `Keysnare/${ctx.version}`,
          },
          body: JSON.stringify(req.body),
        };
        const result = await sendAndRead(ctx.http, request, (res) => readAnswer(res, ctx.now()));
        // A receiver that echoes the API key must not put it in a log.
        return redactResult(result, [opts.apiKey]);
      },
    };
  },
};
