/**
 * Slack, through an incoming webhook (`webhookUrl`: one message per alert, no threads) or a bot
 * token (`token` + `channel`: `chat.postMessage`, the first alert's `ts` kept as the ref so
 * follow-ups reply in its thread). The message is Block Kit with a `text` fallback. Every string
 * from the alert is escaped for mrkdwn ({@link slackText}): an attacker's user agent cannot bold,
 * link or mention (`<!channel>` arrives as text), and mrkdwn objects are `verbatim` so Slack does
 * not turn bare URLs or names into links either.
 */
import { z } from 'zod';
import type { AlertMessage } from '../../core/index.js';
import { safeCell, safeText } from '../../core/index.js';
import type { HttpRequest, HttpResponse } from '../http.js';
import { httpResult, retryAfterMs } from '../http.js';
import type { SinkContext, SinkDefinition, SinkResult } from '../sink.js';
import { redactResult, sendAndRead } from './lib/result.js';
import { headOf, httpLink } from './lib/text.js';
import { chatHeadline, KIND_LINE } from './lib/wording.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });

/** The Slack sink's own options: `webhookUrl`, or `token` and `channel` (and maybe `apiUrl`). */
const options = z
  .strictObject({
    webhookUrl: httpUrl.optional().describe('an incoming webhook URL (a secret)'),
    token: z.string().min(1).optional().describe('a bot token (xoxb-…) with chat:write'),
    channel: z.string().min(1).optional().describe('channel id (C…) or name, for the bot'),
    apiUrl: httpUrl.optional().describe('the Web API base, default https://slack.com/api'),
  })
  .refine(
    (o) =>
      o.webhookUrl !== undefined
        ? o.token === undefined && o.channel === undefined && o.apiUrl === undefined
        : o.token !== undefined && o.channel !== undefined,
    {
      message:
        'set either webhookUrl (an incoming webhook) or token and channel (a bot, with apiUrl if not https://slack.com/api), not both',
    },
  );

/** Slack's limits for one message (`url`: a button's link). */
const LIMITS = {
  header: 150,
  section: 3000,
  field: 2000,
  fields: 10,
  blocks: 50,
  url: 3000,
} as const;
const DEFAULT_API = 'https://slack.com/api';

/** Look-alikes for mrkdwn's formatting characters (Slack has no backslash escape). */
const INERT: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '*': '\u2217', // ∗ asterisk operator
  _: '\u02cd', // ˍ modifier letter low macron
  '~': '\u223c', // ∼ tilde operator
  '`': '\u02cb', // ˋ modifier letter grave accent
};

/**
 * `v` as inert mrkdwn: one line (controls, bidi and zero-width characters become spaces, see
 * `safeText`), `& < >` as entities, `* _ ~` and backticks as look-alikes, and `://` with division
 * slashes so a URL is not linked.
 *
 * @example
 * slackText('<!channel> *x*') // '&lt;!channel&gt; ∗x∗'
 */
export function slackText(v: unknown): string {
  return safeText(v)
    .replace(/[&<>*_~`]/g, (c) => INERT[c] ?? c)
    .replaceAll('://', ':\u2215\u2215');
}

/** Escaped text cut to `max` code units with `…`, never inside an entity or surrogate pair. */
function cut(s: string, max: number): string {
  return s.length <= max ? s : `${headOf(s, max - 1).replace(/&[a-z]*$/, '')}…`;
}

/** `v` escaped and cut to `max` (escaping only lengthens, so nothing past `max` can show). */
const esc = (v: string, max: number) => cut(slackText(v.slice(0, max + 1)), max);

/** `link` when it is an http(s) URL, made safe for `<url|label>` syntax. */
function safeLink(link: string | undefined): string | undefined {
  const href = httpLink(link, LIMITS.url)?.replace(/[|<>]/g, (c) => encodeURIComponent(c));
  return href !== undefined && href.length <= LIMITS.url ? href : undefined;
}

type Block = Record<string, unknown>;
const mrkdwn = (text: string) => ({ type: 'mrkdwn', text, verbatim: true });

function factSections(m: AlertMessage): Block[] {
  const fields = m.facts.map((f) => {
    const label = esc(f.label, 200);
    return mrkdwn(`*${label}*\n${esc(f.value, LIMITS.field - label.length - 3)}`);
  });
  const blocks: Block[] = [];
  for (let i = 0; i < fields.length && blocks.length < 3; i += LIMITS.fields)
    blocks.push({ type: 'section', fields: fields.slice(i, i + LIMITS.fields) });
  return blocks;
}

function runbookSection(m: AlertMessage): Block | undefined {
  if (m.runbook.length === 0) return undefined;
  let text = '*Runbook*';
  for (const [i, step] of m.runbook.entries()) {
    const line = `\n${i + 1}. ${esc(step, 1000)}`;
    if (text.length + line.length > LIMITS.section - 40) {
      text += `\n…and ${m.runbook.length - i} more`;
      break;
    }
    text += line;
  }
  return { type: 'section', text: mrkdwn(text) };
}

/** What Slack gets: the `text` fallback and the Block Kit blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Block[];
}

/**
 * The Block Kit message for `m`: header, status and summary, facts as fields, the runbook as a
 * numbered list, a button to the incident's page, and a context line naming the incident, its
 * rules and the alert; within Slack's limits and with every alert string escaped.
 */
export function renderSlack(m: AlertMessage): SlackMessage {
  const link = safeLink(m.link);
  const facts = factSections(m);
  const shown = Math.min(m.facts.length, facts.length * LIMITS.fields);
  const status =
    `*${slackText(KIND_LINE[m.kind])}* · severity *${slackText(m.severity)}* · ` +
    `${slackText(m.state)} · ${m.eventCount} event${m.eventCount === 1 ? '' : 's'}`;
  const context =
    `Incident \`${esc(m.incidentId, 100)}\` · rules ${esc(m.rules.join(', '), 1000)}` +
    ` · alert \`${esc(m.alertId, 100)}\`` +
    (shown < m.facts.length ? ` · ${m.facts.length - shown} more facts not shown` : '');
  const runbook = runbookSection(m);
  const blocks: Block[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: esc(chatHeadline(m), LIMITS.header), emoji: false },
    },
    {
      type: 'section',
      text: mrkdwn(cut(`${status}\n${esc(m.summary, LIMITS.section)}`, LIMITS.section)),
    },
    ...facts,
    ...(runbook ? [runbook] : []),
    ...(link
      ? [
          {
            type: 'actions',
            elements: [
              {
                type: 'button',
                text: { type: 'plain_text', text: 'Open incident', emoji: false },
                url: link,
                ...(m.kind === 'test' ? {} : { style: 'danger' }),
              },
            ],
          },
        ]
      : []),
    { type: 'context', elements: [mrkdwn(cut(context, LIMITS.section))] },
  ];
  const fallback = `${esc(chatHeadline(m), 300)}: ${esc(m.summary, 2000)} (incident ${esc(m.incidentId, 100)})`;
  return {
    text: link ? `${fallback} <${link}|Open incident>` : fallback,
    blocks: blocks.slice(0, LIMITS.blocks),
  };
}

/** Slack errors that may go away: retried rather than dead-lettered. */
const TRANSIENT = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** What `chat.postMessage` answered, as a delivery result (it says errors with HTTP 200). */
export function postMessageResult(res: HttpResponse, now: Date, ref?: string): SinkResult {
  if (res.status < 200 || res.status >= 300) return httpResult(res, now);
  let answer: { ok?: unknown; ts?: unknown; error?: unknown };
  try {
    answer = JSON.parse(res.body) as typeof answer;
  } catch {
    return { kind: 'indeterminate', error: `Slack answered HTTP ${res.status} without JSON` };
  }
  if (answer.ok === true) {
    const threadRef = ref ?? (typeof answer.ts === 'string' ? answer.ts : undefined);
    return threadRef === undefined ? { kind: 'ok' } : { kind: 'ok', ref: threadRef };
  }
  const error = safeCell(answer.error ?? 'unknown_error', 100);
  if (!TRANSIENT.has(error)) return { kind: 'rejected', reason: `Slack said ${error}` };
  const after = retryAfterMs(res.headers['retry-after'], now);
  const why = `Slack said ${error}`;
  return after === undefined
    ? { kind: 'indeterminate', error: why }
    : { kind: 'indeterminate', error: why, retryAfterMs: after };
}

/** What stands for a secret in a result's text, and the most of the text kept. */
const REDACTION = { mask: '<redacted>', max: 300 } as const;

/** POST `payload` as JSON; `read` reads the answer against the time the request was sent. */
function post(
  ctx: SinkContext,
  url: string,
  headers: Record<string, string>,
  payload: unknown,
  read: (res: HttpResponse, now: Date) => SinkResult,
): Promise<SinkResult> {
  const now = ctx.now();
  const request: HttpRequest = {
    url,
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': `keysnare/${ctx.version}`,
      ...headers,
    },
    body: JSON.stringify(payload),
  };
  return sendAndRead(ctx.http, request, (res) => read(res, now));
}

/** The Slack sink (incoming webhook or bot token). */
export const slackSink: SinkDefinition<typeof options> = {
  type: 'slack',
  title: 'Slack (incoming webhook or bot token)',
  options,
  create(opts, ctx) {
    const { webhookUrl, token, channel } = opts;
    // A very short "secret" would blank out half of every reason; real ones are long.
    const secrets = [webhookUrl, token].filter((s): s is string => (s?.length ?? 0) >= 8);
    const api = `${(opts.apiUrl ?? DEFAULT_API).replace(/\/+$/, '')}/chat.postMessage`;
    const quiet = { unfurl_links: false, unfurl_media: false };
    return {
      name: ctx.name,
      type: 'slack',
      async deliver(message, ref) {
        const { text, blocks } = renderSlack(message);
        if (webhookUrl !== undefined) {
          const result = await post(ctx, webhookUrl, {}, { text, blocks, ...quiet }, (res, now) =>
            httpResult(res, now),
          );
          return redactResult(result, secrets, REDACTION);
        }
        const broadcast = message.kind === 'resolved' || message.kind === 'false-positive';
        const payload = {
          channel,
          text,
          blocks,
          ...quiet,
          ...(ref === undefined
            ? {}
            : { thread_ts: ref, ...(broadcast ? { reply_broadcast: true } : {}) }),
        };
        const result = await post(
          ctx,
          api,
          { authorization: `Bearer ${token ?? ''}` },
          payload,
          (res, now) => postMessageResult(res, now, ref),
        );
        return redactResult(result, secrets, REDACTION);
      },
    };
  },
};
