/**
 * Microsoft Teams: a Workflows webhook (`format: workflow`, the default: an Adaptive Card 1.4 in a
 * message envelope) or a legacy Office 365 connector (`format: connector`: a MessageCard). Teams
 * renders a markdown subset in card text (and some HTML in connector cards), so every string from
 * the alert is escaped ({@link teamsText}) and the payload is kept under Teams' ~28 KB by
 * shortening facts and runbook steps first.
 */
import { z } from 'zod';
import type { AlertMessage, Severity } from '../../core/index.js';
import { safeCell, safeText } from '../../core/index.js';
import type { HttpRequest, HttpResponse } from '../http.js';
import { httpResult } from '../http.js';
import type { SinkDefinition, SinkResult } from '../sink.js';
import { redactResult, sendAndRead } from './lib/result.js';
import { headOf, httpLink } from './lib/text.js';
import { chatHeadline, KIND_LINE } from './lib/wording.js';

/** The Teams sink's own options. */
const options = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
    .describe('the Workflows webhook or connector URL (a secret)'),
  format: z
    .enum(['workflow', 'connector'])
    .default('workflow')
    .describe('workflow: Adaptive Card (Workflows); connector: legacy MessageCard'),
});

/** Which payload a Teams URL takes. */
export type TeamsFormat = 'workflow' | 'connector';

/** The most bytes a payload may have (Teams refuses cards over about 28 KB). */
export const TEAMS_MAX_BYTES = 27_000;

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * `v` as text Teams shows as written: one line (controls, bidi and zero-width characters become
 * spaces, see `safeText`), `& < >` as entities, markdown's punctuation backslash-escaped (a list
 * number at the start too), and `://` with division slashes so a URL is not linked. With
 * `markdown: false` (connector cards, whose sections say `markdown: false`) no backslashes.
 *
 * @example
 * teamsText('[x](https://evil.example) **b**') // '\\[x\\]\\(https:∕∕evil.example\\) \\*\\*b\\*\\*'
 */
export function teamsText(v: unknown, markdown = true): string {
  let s = safeText(v).replace(/[&<>]/g, (c) => HTML[c] ?? c);
  if (markdown) s = s.replace(/[\\`*_~[\]()#+\-!|{}]/g, '\\$&').replace(/^(\d+)\./, '$1\\.');
  return s.replaceAll('://', ':\u2215\u2215');
}

/** Escaped text cut to `max` code units with `…`: never inside an entity, escape or pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = headOf(s, max - 1).replace(/&[a-z]*$/, '');
  // An odd run of backslashes at the end would escape the `…`.
  if (/(?:^|[^\\])(?:\\\\)*\\$/.test(out)) out = out.slice(0, -1);
  return `${out}…`;
}

/** MessageCard theme colours by severity (a test is grey). */
const THEME: Readonly<Record<Severity, string>> = {
  critical: 'D70000',
  high: 'E8590C',
  medium: 'F2A900',
  low: '2F80ED',
  info: '808080',
};

/** How much of the alert a rendering keeps; tried from the first until the payload fits. */
interface Budget {
  readonly value: number;
  readonly facts: number;
  readonly step: number;
  readonly steps: number;
  readonly summary: number;
}
const BUDGETS: readonly Budget[] = [
  { value: 1000, facts: 30, step: 500, steps: 20, summary: 3000 },
  { value: 400, facts: 30, step: 250, steps: 20, summary: 3000 },
  { value: 150, facts: 20, step: 120, steps: 10, summary: 2000 },
  { value: 60, facts: 10, step: 60, steps: 5, summary: 1000 },
  { value: 0, facts: 0, step: 0, steps: 0, summary: 500 },
];

/** The escaped pieces both formats are made of. */
interface Parts {
  readonly title: string;
  readonly status: string;
  readonly summary: string;
  readonly facts: readonly { readonly name: string; readonly value: string }[];
  readonly runbook: readonly string[];
  readonly context: string;
  readonly link: string | undefined;
}

function parts(m: AlertMessage, b: Budget, markdown: boolean): Parts {
  // Escaping only lengthens text, so nothing past `max` of the original can show.
  const t = (v: string, max: number) => cut(teamsText(v.slice(0, max + 1), markdown), max);
  const facts = m.facts.slice(0, b.facts).map((f) => ({
    name: t(f.label, 100),
    value: t(f.value, b.value),
  }));
  const hidden = m.facts.length - facts.length;
  const steps = m.runbook.slice(0, b.steps).map((s, i) => `${i + 1}. ${t(s, b.step)}`);
  const more = m.runbook.length - steps.length;
  return {
    title: t(chatHeadline(m), 300),
    status: t(
      `${KIND_LINE[m.kind]} · severity ${m.severity} · ${m.state} · ${m.eventCount} event${m.eventCount === 1 ? '' : 's'}`,
      300,
    ),
    summary: t(m.summary, b.summary),
    facts,
    runbook: more > 0 && steps.length > 0 ? [...steps, `…and ${more} more`] : steps,
    context: t(
      `Incident ${m.incidentId} · rules ${m.rules.join(', ')} · alert ${m.alertId}` +
        (hidden > 0 ? ` · ${hidden} more facts not shown` : ''),
      600,
    ),
    link: httpLink(m.link),
  };
}

function adaptiveCard(m: AlertMessage, p: Parts): unknown {
  const body: unknown[] = [
    {
      type: 'TextBlock',
      text: p.title,
      weight: 'Bolder',
      size: 'Medium',
      wrap: true,
      color: m.kind === 'test' ? 'Accent' : m.severity === 'critical' ? 'Attention' : 'Default',
    },
    { type: 'TextBlock', text: p.status, isSubtle: true, spacing: 'None', wrap: true },
    { type: 'TextBlock', text: p.summary, wrap: true },
  ];
  if (p.facts.length > 0)
    body.push({ type: 'FactSet', facts: p.facts.map((f) => ({ title: f.name, value: f.value })) });
  if (p.runbook.length > 0)
    body.push(
      { type: 'TextBlock', text: 'Runbook', weight: 'Bolder', wrap: true },
      // Teams' lists take \r between items (its text-formatting guide).
      { type: 'TextBlock', text: p.runbook.join('\r'), wrap: true },
    );
  body.push({ type: 'TextBlock', text: p.context, isSubtle: true, size: 'Small', wrap: true });
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          msteams: { width: 'Full' },
          body,
          ...(p.link
            ? { actions: [{ type: 'Action.OpenUrl', title: 'Open incident', url: p.link }] }
            : {}),
        },
      },
    ],
  };
}

function messageCard(m: AlertMessage, p: Parts): unknown {
  const sections: unknown[] = [
    {
      activityTitle: p.status,
      text: p.summary,
      facts: p.facts.map((f) => ({ name: f.name, value: f.value })),
      markdown: false,
    },
  ];
  if (p.runbook.length > 0)
    sections.push({ activityTitle: 'Runbook', text: p.runbook.join('\n'), markdown: false });
  sections.push({ text: p.context, markdown: false });
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: p.title,
    themeColor: m.kind === 'test' ? '808080' : THEME[m.severity],
    title: p.title,
    sections,
    ...(p.link
      ? {
          potentialAction: [
            {
              '@type': 'OpenUri',
              name: 'Open incident',
              targets: [{ os: 'default', uri: p.link }],
            },
          ],
        }
      : {}),
  };
}

/**
 * The payload for `m` in `format`, as JSON: the first rendering in {@link BUDGETS} that is at most
 * {@link TEAMS_MAX_BYTES} (the last, without facts and runbook, always is).
 */
export function renderTeams(m: AlertMessage, format: TeamsFormat): string {
  let body = '';
  for (const b of BUDGETS) {
    // Connector cards format only section text, and their sections say markdown: false.
    body = JSON.stringify(
      format === 'workflow'
        ? adaptiveCard(m, parts(m, b, true))
        : messageCard(m, parts(m, b, false)),
    );
    if (Buffer.byteLength(body) <= TEAMS_MAX_BYTES) break;
  }
  return body;
}

/**
 * What Teams answered: 2xx is delivered, except that a legacy connector says some failures
 * (throttling, too large) with HTTP 200 and a text instead of `1`.
 */
export function teamsResult(res: HttpResponse, now: Date, format: TeamsFormat): SinkResult {
  const said = safeCell(res.body.trim(), 200);
  if (format === 'connector' && res.status === 200 && /delivery failed|error/i.test(said))
    return /\b(429|5\d\d)\b/.test(said)
      ? { kind: 'indeterminate', error: `Teams said: ${said}` }
      : { kind: 'rejected', reason: `Teams said: ${said}` };
  return httpResult(res, now);
}

/** The Microsoft Teams sink (Workflows or legacy connector). */
export const teamsSink: SinkDefinition<typeof options> = {
  type: 'teams',
  title: 'Microsoft Teams (Workflows webhook or legacy connector)',
  options,
  create(opts, ctx) {
    return {
      name: ctx.name,
      type: 'teams',
      async deliver(message) {
        const now = ctx.now();
        const request: HttpRequest = {
          url: opts.url,
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'user-agent': `keysnare/${ctx.version}`,
          },
          body: renderTeams(message, opts.format),
        };
        const result = await sendAndRead(ctx.http, request, (res) =>
          teamsResult(res, now, opts.format),
        );
        // The URL is the webhook's secret.
        return redactResult(result, [opts.url], { mask: '<teams url>', max: 300 });
      },
    };
  },
};
