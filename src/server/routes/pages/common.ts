/**
 * What every dashboard page shares: the viewer, sending a framed page, reading form fields and
 * path parameters, and the small pieces of markup (badges, times, empty states) pages repeat.
 * Everything goes through html.ts's `html`, so every interpolated value is escaped.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Severity } from '../../../core/index.js';
import { AppError, SEVERITIES } from '../../../core/index.js';
import { html, safeHref, trusted } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import type { AlertingDeps } from '../../../pipeline/index.js';
import type { ServerContext } from '../../context.js';
import type { Viewer } from '../layout.js';
import { page } from '../layout.js';

/** The signed-in viewer of a page request. */
export function viewerOf(req: FastifyRequest): Viewer {
  const s = req.principal?.session;
  return { user: req.principal?.name ?? '', csrf: s?.csrf ?? '' };
}

/**
 * The server's alerting dependencies with the canaries read now: the server built its own at
 * start, so a canary minted since would be missing from summaries and follow-up alerts.
 */
export async function currentAlerting(ctx: ServerContext): Promise<AlertingDeps> {
  const { canaryTokens } = await import('../../../app.js');
  return { ...ctx.alerting, tokens: await canaryTokens(ctx.ws, [], ctx.now()) };
}

/** Who acts, for histories and custody entries. */
export function actorOf(req: FastifyRequest): string {
  return req.principal?.name ?? 'unknown';
}

/** Send a framed page (status 200 unless told). */
export function sendPage(
  req: FastifyRequest,
  reply: FastifyReply,
  title: string,
  body: SafeHtml,
  o: { readonly scripts?: readonly string[]; readonly status?: number } = {},
): FastifyReply {
  const markup = page(title, body, viewerOf(req), o.scripts ?? []);
  return reply
    .code(o.status ?? 200)
    .type('text/html; charset=utf-8')
    .send(markup.value);
}

/** A page saying an action could not be done (an AppError's message), with a way back. */
export function sendActionError(
  req: FastifyRequest,
  reply: FastifyReply,
  err: unknown,
  back: string,
): FastifyReply {
  if (!(err instanceof AppError)) throw err;
  const body = html`<h1>That did not work</h1>
    <p class="error" role="alert">${err.message}</p>
    <p><a href="${back}">Back</a></p>`;
  return sendPage(req, reply, 'Error', body, { status: err.httpStatus });
}

/** A path parameter. */
export function paramOf(req: FastifyRequest, name: string): string {
  const v = (req.params as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

/** A query parameter, when given. */
export function queryOf(req: FastifyRequest, name: string): string | undefined {
  const v = (req.query as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : undefined;
}

/** A form field, trimmed and cut to `max` characters; undefined when empty or absent. */
export function fieldOf(req: FastifyRequest, name: string, max = 4000): string | undefined {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, max) : undefined;
}

/** A dashboard path from its segments, each URL-encoded: `pathOf('incidents', id)`. */
export function pathOf(...segments: readonly string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

/** A link (only http(s) and site-relative targets: anything else becomes `#`). */
export function link(href: string, text: unknown): SafeHtml {
  return html`<a href="${safeHref(href)}">${text}</a>`;
}

/** Sort key: critical first. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** A severity (or state) as a coloured label. */
export function badge(text: string, kind = text): SafeHtml {
  return html`<span class="badge badge-${kind.replace(/[^a-z-]/g, '')}">${text}</span>`;
}

/** An ISO time as people read it (UTC), inside a `<time>` element; a dash when absent. */
export function when(iso: string | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">–</span>`;
  const shown = iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
  return html`<time datetime="${iso}">${shown}</time>`;
}

/** Milliseconds as a short duration. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** A table, or a sentence when there are no rows. */
export function table(
  headers: readonly string[],
  rows: readonly SafeHtml[],
  empty: string,
  cls = '',
): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<div class="table-wrap">
    <table class="${cls}">
      <thead>
        <tr>
          ${headers.map((h) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows}
      </tbody>
    </table>
  </div>`;
}

/** Data for a script (charts) in a JSON element: JSON cannot close the element or start markup. */
export function jsonData(id: string, value: unknown): SafeHtml {
  const json = JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
  // `html` would turn quotes into entities, which a script element's text keeps as they are: the
  // JSON is put in as markup this code wrote, made safe by the escapes above.
  return html`<script type="application/json" id="${id}">
    ${trusted(json)}
  </script>`;
}
