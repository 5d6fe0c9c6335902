/**
 * Jira sink: Jira Cloud and Data Center REST. One incident is one issue, labelled `keysnare` and
 * `keysnare-<incident id>`; every later alert of the incident is a comment on it. A POST that
 * timed out may still have made the issue, so an incident's first delivery searches for that label
 * first and takes the issue it finds instead of making a second one.
 *
 * API version 3 (Jira Cloud) takes Atlassian Document Format: attacker-controlled strings go only
 * into ADF `text` nodes, which Jira never parses as markup, and the headings, lists and the one
 * link (to Keysnare's own page) are nodes built here. Version 2 (Data Center, or Cloud) takes wiki
 * markup: every attacker-controlled string goes inside a `{noformat}` block, in which Jira renders
 * nothing, after any `{noformat` in it (which would end the block) and any `[~` (a mention) is
 * broken with a space. Both lose control, bidi and line-break characters and are cut to Jira's
 * sizes. The credentials go only in the Authorization header and are never part of a result.
 */
import { z } from 'zod';
import { safeText } from '../../core/index.js';
import type { AlertKind, AlertMessage } from '../../core/index.js';
import { httpResult, thrownResult } from '../http.js';
import type { HttpResponse } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';

/** Jira's limits and the caps on what Keysnare puts in an issue or comment (UTF-16 units). */
const LIMITS = {
  summary: 255,
  /** Under Jira's 32,767 characters for a description or comment (ADF: its JSON). */
  body: 32_000,
  title: 1_000,
  text: 2_000,
  facts: 40,
  label: 100,
  value: 1_000,
  steps: 20,
  step: 500,
  link: 2_048,
  jiraLabel: 255,
  reason: 500,
} as const;

/** How the issue summary starts for each kind (a first alert starts with its title). */
const PREFIX: Readonly<Record<AlertKind, string>> = {
  opened: '',
  updated: '[Updated] ',
  reopened: '[Reopened] ',
  acknowledged: '[Acknowledged] ',
  resolved: '[Resolved] ',
  'false-positive': '[False positive] ',
  test: '[TEST] ',
};

/** The first line of a description or comment: constant text, never attacker-controlled. */
const SENTENCE: Readonly<Record<AlertKind, string>> = {
  opened: 'Keysnare opened this incident.',
  updated: 'The incident has new activity in Keysnare.',
  reopened: 'The incident was reopened in Keysnare: there is new activity after it was closed.',
  acknowledged: 'The incident was acknowledged in Keysnare.',
  resolved: 'The incident was resolved in Keysnare.',
  'false-positive': 'The incident was marked as a false positive in Keysnare.',
  test: 'TEST alert from Keysnare: it only checks this sink; nothing happened.',
};

/** Kinds whose comment carries the facts and runbook again (the rest are state changes). */
const FULL: ReadonlySet<AlertKind> = new Set(['opened', 'updated', 'reopened', 'test']);

const SEVERITY_NAMES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** Where each API version looks first (Cloud removed `/search` in 2025; Data Center has no `/search/jql`). */
const SEARCH_PATHS: Readonly<Record<2 | 3, readonly [string, string]>> = {
  3: ['/search/jql', '/search'],
  2: ['/search', '/search/jql'],
};

const ISSUE_REF = /^(?:[A-Za-z][A-Za-z0-9_]*-\d+|\d+)$/;

const options = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/ })
      .describe('the site: https://<site>.atlassian.net, or a Data Center base URL'),
    email: z.string().trim().min(1).optional().describe('Jira Cloud: the account, with apiToken'),
    apiToken: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Jira Cloud: an API token of that account, with email; a secret'),
    token: z
      .string()
      .trim()
      .min(1)
      .optional()
      .describe('Data Center: a personal access token (sent as Bearer); a secret'),
    project: z
      .string()
      .trim()
      .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a project key such as SEC')
      .describe('key of the project issues are made in'),
    issueType: z.string().trim().min(1).default('Task'),
    apiVersion: z
      .union([z.literal(2), z.literal(3)])
      .default(3)
      .describe('3: Jira Cloud (Atlassian Document Format); 2: Data Center or Cloud (wiki markup)'),
    labels: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(LIMITS.jiraLabel)
          .regex(/^\S+$/, 'a Jira label holds no spaces'),
      )
      .max(20)
      .default([])
      .describe('labels put on every issue besides keysnare and keysnare-<incident id>'),
    priorities: z
      .partialRecord(z.enum(SEVERITY_NAMES), z.string().trim().min(1))
      .default({})
      .describe('Jira priority name for each Keysnare severity, e.g. critical: Highest'),
  })
  .superRefine((o, ctx) => {
    const basic = o.email !== undefined || o.apiToken !== undefined;
    if (basic && o.token !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'give email + apiToken (Jira Cloud) or token (Data Center), not both',
      });
    else if (basic && (o.email === undefined || o.apiToken === undefined))
      ctx.addIssue({
        code: 'custom',
        path: [o.email === undefined ? 'email' : 'apiToken'],
        message: 'email and apiToken go together (Jira Cloud basic auth)',
      });
    else if (!basic && o.token === undefined)
      ctx.addIssue({
        code: 'custom',
        message:
          'give email + apiToken (Jira Cloud) or token (a Data Center personal access token)',
      });
  });

/** The Jira sink's parsed options. */
export type JiraOptions = z.output<typeof options>;

/** An Atlassian Document Format node. */
export interface AdfNode {
  readonly type: string;
  readonly attrs?: Readonly<Record<string, unknown>>;
  readonly content?: readonly AdfNode[];
  readonly text?: string;
  readonly marks?: readonly AdfMark[];
}

/** An ADF mark: `strong`, or `link` (only ever to the alert's own Keysnare page). */
export interface AdfMark {
  readonly type: 'strong' | 'link';
  readonly attrs?: { readonly href: string };
}

/** An ADF document, the body of a v3 description or comment. */
export interface AdfDoc {
  readonly type: 'doc';
  readonly version: 1;
  readonly content: readonly AdfNode[];
}

/** Whether a rendering is an issue's description or a comment on it. */
export type JiraPart = 'issue' | 'comment';

/** What a description or comment says, every string already inert and capped. */
interface Report {
  readonly sentence: string;
  readonly lead: readonly string[];
  readonly facts: readonly { readonly label: string; readonly value: string }[];
  readonly more: number;
  readonly steps: readonly string[];
  readonly link?: string;
  readonly footer: string;
}

/** The issue summary: one line of at most 255 characters, `[TEST] ` first for a test. */
export function renderJiraSummary(message: AlertMessage): string {
  const s = inert(`${PREFIX[message.kind]}${message.title}`, LIMITS.summary).trim();
  return s || inert(`Keysnare incident ${message.incidentId}`, LIMITS.summary);
}

/** The ADF document for an issue's description or a comment, within Jira's size. */
export function renderJiraAdf(message: AlertMessage, part: JiraPart): AdfDoc {
  return fit(message, part, adfOf, (doc) => JSON.stringify(doc).length);
}

/** The wiki-markup string for an issue's description or a comment, within Jira's size. */
export function renderJiraWiki(message: AlertMessage, part: JiraPart): string {
  return fit(message, part, wikiOf, (s) => s.length);
}

/** The `POST /issue` body for an incident's first alert. */
export function renderJiraIssue(
  message: AlertMessage,
  opts: Pick<JiraOptions, 'project' | 'issueType' | 'apiVersion' | 'labels' | 'priorities'>,
): { readonly fields: Readonly<Record<string, unknown>> } {
  const priority = opts.priorities[message.severity];
  return {
    fields: {
      project: { key: opts.project },
      issuetype: { name: opts.issueType },
      summary: renderJiraSummary(message),
      description:
        opts.apiVersion === 3 ? renderJiraAdf(message, 'issue') : renderJiraWiki(message, 'issue'),
      labels: [...new Set(['keysnare', incidentLabel(message), ...opts.labels])],
      ...(priority !== undefined ? { priority: { name: priority } } : {}),
    },
  };
}

/** `keysnare-<incident id>`: the label that finds an incident's issue. */
function incidentLabel(message: AlertMessage): string {
  const label = safeText(`keysnare-${message.incidentId}`).replace(/\s+/g, '-');
  return clip(label, LIMITS.jiraLabel, '');
}

/** The JQL that finds an incident's issue in the project. */
function jqlFor(message: AlertMessage, project: string): string {
  const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `project = ${quote(project)} AND labels = ${quote(incidentLabel(message))}`;
}

/**
 * Renders with as many facts (then runbook steps) as keep the body within Jira's size: one fact
 * fewer at a time, each left out counted in the "more in Keysnare" line.
 */
function fit<T>(
  message: AlertMessage,
  part: JiraPart,
  render: (r: Report) => T,
  size: (t: T) => number,
): T {
  const full = part === 'issue' || FULL.has(message.kind);
  let facts = full ? Math.min(message.facts.length, LIMITS.facts) : 0;
  let steps = full ? Math.min(message.runbook.length, LIMITS.steps) : 0;
  for (;;) {
    const out = render(reportOf(message, part, facts, steps));
    if (size(out) <= LIMITS.body || (facts === 0 && steps === 0)) return out;
    if (facts > 0) facts -= 1;
    else steps -= 1;
  }
}

function reportOf(message: AlertMessage, part: JiraPart, facts: number, steps: number): Report {
  const link = httpLink(message.link);
  const rules = message.rules.slice(0, LIMITS.steps).join(', ');
  return {
    sentence: SENTENCE[message.kind],
    lead: [
      ...(part === 'comment' ? [inert(message.title, LIMITS.title)] : []),
      inert(message.summary, LIMITS.text),
    ].filter((s) => s !== ''),
    facts: message.facts.slice(0, facts).map((f) => ({
      label: inert(f.label, LIMITS.label).trim() || 'Fact',
      value: inert(f.value, LIMITS.value),
    })),
    more: (part === 'issue' || FULL.has(message.kind) ? message.facts.length : 0) - facts,
    steps: message.runbook.slice(0, steps).map((s) => inert(s, LIMITS.step)),
    ...(link ? { link } : {}),
    footer: inert(
      `Incident ${message.incidentId} · alert ${message.alertId} · severity ${message.severity} · ` +
        `rules ${rules} · ${message.eventCount} events · first seen ${message.firstSeen} · ` +
        `last seen ${message.lastSeen}`,
      LIMITS.text,
    ),
  };
}

const text = (s: string, marks?: readonly AdfMark[]): AdfNode[] =>
  s === '' ? [] : [{ type: 'text', text: s, ...(marks ? { marks } : {}) }];
const paragraph = (...content: AdfNode[][]): AdfNode => ({
  type: 'paragraph',
  content: content.flat(),
});
const heading = (s: string): AdfNode => ({
  type: 'heading',
  attrs: { level: 3 },
  content: text(s),
});
const item = (node: AdfNode): AdfNode => ({ type: 'listItem', content: [node] });

function adfOf(r: Report): AdfDoc {
  const content: AdfNode[] = [
    paragraph(text(r.sentence, [{ type: 'strong' }])),
    ...r.lead.map((s) => paragraph(text(s))),
  ];
  if (r.facts.length > 0) {
    const items = r.facts.map((f) =>
      item(paragraph(text(f.label, [{ type: 'strong' }]), text(`: ${f.value}`))),
    );
    content.push(heading('Facts'), { type: 'bulletList', content: items });
  }
  if (r.more > 0) content.push(paragraph(text(`… and ${r.more} more facts in Keysnare`)));
  if (r.steps.length > 0) {
    const items = r.steps.map((s) => item(paragraph(text(s))));
    content.push(heading('Runbook'), { type: 'orderedList', content: items });
  }
  if (r.link)
    content.push(paragraph(text('Open in Keysnare', [{ type: 'link', attrs: { href: r.link } }])));
  content.push(paragraph(text(r.footer)));
  return { type: 'doc', version: 1, content };
}

function wikiOf(r: Report): string {
  const lines = [`*${r.sentence}*`, ...noformat(r.lead)];
  if (r.facts.length > 0 || r.more > 0) {
    const facts = r.facts.map((f) => `${f.label}: ${f.value}`);
    if (r.more > 0) facts.push(`… and ${r.more} more facts in Keysnare`);
    lines.push('h3. Facts', ...noformat(facts));
  }
  if (r.steps.length > 0)
    lines.push('h3. Runbook', ...noformat(r.steps.map((s, i) => `${i + 1}. ${s}`)));
  if (r.link) lines.push(`[Open in Keysnare|${wikiUrl(r.link)}]`);
  lines.push(...noformat([r.footer]));
  return lines.join('\n');
}

/**
 * Lines of inert text in a `{noformat}` block, where Jira renders nothing as markup. A `{noformat`
 * inside would end the block early, and a `[~name]` might still notify, so both get a space.
 */
function noformat(lines: readonly string[]): string[] {
  if (lines.length === 0) return [];
  const safe = lines.map((l) => l.replace(/\{(noformat)/gi, '{ $1').replace(/\[~/g, '[ ~'));
  return ['{noformat}', ...safe, '{noformat}'];
}

/** A normalised http(s) URL with every character wiki markup could read percent-encoded. */
function wikiUrl(href: string): string {
  return href.replace(
    /[^A-Za-z0-9\-._:/?#@$&,;=%]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
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
 * What Jira's answer means: 2xx done; 400/401/403/404 will never succeed as sent, with Jira's
 * `errorMessages` and field `errors`; 429 and 5xx later, after Retry-After.
 */
function readAnswer(res: HttpResponse, now: Date, ref?: string): SinkResult {
  const result = httpResult(res, now, ref);
  const said = result.kind === 'rejected' && res.status >= 400 ? jiraError(res.body) : undefined;
  return said ? { kind: 'rejected', reason: `HTTP ${res.status}: ${said}` } : result;
}

/** Jira's error text from a `{errorMessages: [...], errors: {field: text}}` body. */
function jiraError(body: string): string | undefined {
  const parsed = parseJson(body);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { errorMessages, errors } = parsed as { errorMessages?: unknown; errors?: unknown };
  const parts = [
    ...(Array.isArray(errorMessages)
      ? errorMessages.filter((m): m is string => typeof m === 'string')
      : []),
    ...(typeof errors === 'object' && errors !== null
      ? Object.entries(errors).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : '?'}`)
      : []),
  ];
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The key (or, failing that, the id) of the first issue in a search or create answer. */
function issueRef(body: string): string | undefined {
  const parsed = parseJson(body) as { issues?: unknown; key?: unknown; id?: unknown } | undefined;
  const first: unknown = Array.isArray(parsed?.issues) ? parsed.issues[0] : parsed;
  if (typeof first !== 'object' || first === null) return undefined;
  const { key, id } = first as { key?: unknown; id?: unknown };
  for (const v of [key, id]) if (typeof v === 'string' && ISSUE_REF.test(v)) return v;
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** `result` with its text made inert and short, and every credential (were it echoed) blanked. */
function redacted(result: SinkResult, secrets: readonly string[]): SinkResult {
  const clean = (t: string) =>
    clip(
      secrets.reduce((s, secret) => s.split(secret).join('[redacted]'), safeText(t)),
      LIMITS.reason,
    );
  if (result.kind === 'ok') return result;
  return result.kind === 'rejected'
    ? { kind: 'rejected', reason: clean(result.reason) }
    : { ...result, error: clean(result.error) };
}

/** The Authorization header value and the secrets that must never show in a result. */
function credentials(opts: JiraOptions): { header: string; secrets: string[] } {
  if (opts.token !== undefined) return { header: `Bearer ${opts.token}`, secrets: [opts.token] };
  const basic = Buffer.from(`${opts.email ?? ''}:${opts.apiToken ?? ''}`).toString('base64');
  return { header: `Basic ${basic}`, secrets: [opts.apiToken ?? '', basic].filter(Boolean) };
}

/** Requests to one Jira's REST API, authorised, with the clock results are read against. */
interface JiraApi {
  readonly opts: JiraOptions;
  readonly now: () => Date;
  send(path: string, body?: unknown): Promise<HttpResponse>;
}

/** The incident's issue, if a search finds one: a POST that timed out may have made it. */
async function findIssue(
  api: JiraApi,
  message: AlertMessage,
): Promise<SinkResult | { kind: 'none' }> {
  const jql = encodeURIComponent(jqlFor(message, api.opts.project));
  const query = `?jql=${jql}&fields=key&maxResults=1`;
  const [first, second] = SEARCH_PATHS[api.opts.apiVersion];
  let res = await api.send(`${first}${query}`);
  if (res.status === 404 || res.status === 410) res = await api.send(`${second}${query}`);
  if (res.status < 200 || res.status >= 300) return readAnswer(res, api.now());
  const ref = issueRef(res.body);
  if (ref !== undefined) return { kind: 'ok', ref };
  const issues = (parseJson(res.body) as { issues?: unknown } | undefined)?.issues;
  return Array.isArray(issues) && issues.length === 0
    ? { kind: 'none' }
    : { kind: 'indeterminate', error: `Jira's search answer (HTTP ${res.status}) names no issue` };
}

/** An incident's first delivery: the issue a search finds, or a new one. */
async function openIssue(api: JiraApi, message: AlertMessage): Promise<SinkResult> {
  const found = await findIssue(api, message);
  if (found.kind !== 'none') return found;
  const res = await api.send('/issue', renderJiraIssue(message, api.opts));
  if (res.status < 200 || res.status >= 300) return readAnswer(res, api.now());
  const ref = issueRef(res.body);
  return ref !== undefined
    ? { kind: 'ok', ref }
    : {
        kind: 'indeterminate',
        error: `Jira answered HTTP ${res.status} without an issue key; the next attempt searches for it`,
      };
}

/** A follow-up: a comment on the incident's issue. */
async function addComment(api: JiraApi, message: AlertMessage, ref: string): Promise<SinkResult> {
  if (!ISSUE_REF.test(ref)) return { kind: 'rejected', reason: `not a Jira issue key: ${ref}` };
  const body =
    api.opts.apiVersion === 3
      ? renderJiraAdf(message, 'comment')
      : renderJiraWiki(message, 'comment');
  const res = await api.send(`/issue/${encodeURIComponent(ref)}/comment`, { body });
  return readAnswer(res, api.now(), ref);
}

/** The `jira` sink type. */
export const jiraSink: SinkDefinition<typeof options> = {
  type: 'jira',
  title: 'Jira (issue per incident, comments for follow-ups)',
  options,
  create(opts, ctx) {
    const base = `${opts.url.replace(/\/+$/, '')}/rest/api/${opts.apiVersion}`;
    const { header, secrets } = credentials(opts);
    const api: JiraApi = {
      opts,
      now: ctx.now,
      send: (path, body) =>
        ctx.http.send({
          url: `${base}${path}`,
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            authorization: header,
            accept: 'application/json',
            'user-agent': `Keysnare/${ctx.version}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
    };
    return {
      name: ctx.name,
      type: 'jira',
      async deliver(message, ref) {
        try {
          const result =
            ref === undefined ? await openIssue(api, message) : await addComment(api, message, ref);
          return redacted(result, secrets);
        } catch (err) {
          return redacted(thrownResult(err), secrets);
        }
      },
    };
  },
};
