/**
 * Jira sink: Jira Cloud and Data Center REST. One incident is one issue, labelled `keysnare` and
 * `keysnare-<incident id>`; every later alert of the incident is a comment on it. A POST that
 * timed out may still have made the issue, so an incident's first delivery searches for that label
 * first and takes the issue it finds instead of making a second one.
 *
 * API version 3 (Jira Cloud) takes Atlassian Document Format, version 2 (Data Center, or Cloud)
 * wiki markup; lib/jira-render.ts writes both, keeping every attacker-controlled string inert.
 * The credentials go only in the Authorization header and are never part of a result.
 */
import { z } from 'zod';
import type { AlertMessage } from '../../core/index.js';
import { thrownResult } from '../http.js';
import type { HttpResponse } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import {
  incidentLabel,
  JIRA_LABEL_MAX,
  renderJiraAdf,
  renderJiraIssue,
  renderJiraWiki,
} from './lib/jira-render.js';
import { explainedResult, fieldErrors, parseJson, redactResult, stringsIn } from './lib/result.js';

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
        z.string().trim().min(1).max(JIRA_LABEL_MAX).regex(/^\S+$/, 'a Jira label holds no spaces'),
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

/** The JQL that finds an incident's issue in the project. */
function jqlFor(message: AlertMessage, project: string): string {
  const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `project = ${quote(project)} AND labels = ${quote(incidentLabel(message))}`;
}

/**
 * What Jira's answer means: 2xx done; 400/401/403/404 will never succeed as sent, with Jira's
 * `errorMessages` and field `errors`; 429 and 5xx later, after Retry-After.
 */
function readAnswer(res: HttpResponse, now: Date, ref?: string): SinkResult {
  const explain = (b: Readonly<Record<string, unknown>>) => [
    ...stringsIn(b.errorMessages),
    ...fieldErrors(b.errors),
  ];
  return explainedResult(res, now, explain, ref);
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
          return redactResult(result, secrets);
        } catch (err) {
          return redactResult(thrownResult(err), secrets);
        }
      },
    };
  },
};
