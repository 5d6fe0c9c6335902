/**
 * `GET /tokens`: the canary inventory (placement, status, last seen, offline audit score) with the
 * mint form; `GET /tokens/:id`: one canary with its audit, incidents, custody history and the
 * render and retire forms. The actions are in token-actions.ts.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Incident, Token } from '../../../core/index.js';
import { AppError } from '../../../core/index.js';
import { formatPlacement } from '../../../tokens/placement.js';
import type { AuditResult } from '../../../tokens/audit/audit.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { csrfField } from '../layout.js';
import { badge, link, paramOf, pathOf, sendPage, table, viewerOf, when } from './common.js';
import { tokenDetail } from './token-detail.js';

/** The offline audit (no AWS call) of the active `targets` among `all`, by token id. */
export async function offlineAudit(
  all: readonly Token[],
  targets: readonly Token[] = all,
): Promise<Map<string, AuditResult>> {
  const { auditTokens } = await import('../../../tokens/audit/audit.js');
  const active = all.filter((t) => t.status === 'active');
  const wanted = targets.filter((t) => t.status === 'active');
  const results = await auditTokens(wanted, { allTokens: active });
  return new Map(results.map((r) => [r.tokenId, r]));
}

/** The newest event time of each token's incidents. */
function lastSeenByToken(incidents: readonly Incident[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const i of incidents) {
    if (!i.tokenId) continue;
    const had = out.get(i.tokenId);
    if (!had || i.lastSeen > had) out.set(i.tokenId, i.lastSeen);
  }
  return out;
}

function tokenRow(t: Token, seen: string | undefined, audit: AuditResult | undefined): SafeHtml {
  return html`<tr>
    <td>${link(pathOf('tokens', t.id), t.label ?? t.id)}</td>
    <td><code>${t.accessKeyId}</code></td>
    <td>${formatPlacement(t.placement) || '–'}</td>
    <td>${badge(t.status)}</td>
    <td>${t.origin}</td>
    <td>${when(seen)}</td>
    <td>${audit ? html`<span class="score">${audit.score}</span>` : '–'}</td>
  </tr>`;
}

function mintForm(req: FastifyRequest): SafeHtml {
  const field = (name: string, label: string, hint: string) =>
    html`<label>${label} <input name="${name}" maxlength="1024" placeholder="${hint}" /></label>`;
  return html`<form method="post" action="/tokens/mint" class="stack" id="mint-form">
    ${csrfField(viewerOf(req))} ${field('host', 'Host', 'build-7')}
    ${field('path', 'Path', '~/.aws/credentials')} ${field('owner', 'Owner', 'platform-team')}
    ${field('notes', 'Notes', 'why it is there')} ${field('label', 'Label', 'build-7 credentials')}
    <button type="submit">Mint a canary</button>
  </form>`;
}

async function inventory(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const tokens = await ctx.ws.store.list({ status: 'all' });
  const seen = lastSeenByToken(await ctx.ws.store.listIncidents());
  const audit = await offlineAudit(tokens);
  const rows = tokens.map((t) => tokenRow(t, seen.get(t.id), audit.get(t.id)));
  const body = html`<h1>Canaries</h1>
    ${table(
      ['Canary', 'Access key', 'Placement', 'Status', 'Origin', 'Last seen', 'Audit score'],
      rows,
      'No canary is registered yet: mint one below.',
      'tokens',
    )}
    <p class="muted">
      Audit scores come from the offline checks (names, paths, key id, account); the checks that
      call AWS or read the bait run in <code>keysnare token audit</code>.
    </p>
    <h2>Mint a canary</h2>
    <p>
      Creates an IAM user with one access key in the canary account, as
      <code>keysnare token mint</code> does. Give at least one placement field.
    </p>
    ${mintForm(req)}`;
  return sendPage(req, reply, 'Canaries', body);
}

/** Send the page of token `id`, with `extra` (rendered bait) above its details. */
export async function sendTokenPage(
  ctx: ServerContext,
  req: FastifyRequest,
  reply: FastifyReply,
  id: string,
  extra?: SafeHtml,
): Promise<FastifyReply> {
  const t = await ctx.ws.store.get(id);
  if (!t) throw new AppError('KS_TOKEN_NOT_FOUND', { id });
  const incidents = (await ctx.ws.store.listIncidents()).filter((i) => i.tokenId === t.id);
  const all = await ctx.ws.store.list({ status: 'all' });
  const audit = (await offlineAudit(all, [t])).get(t.id);
  const body = tokenDetail({
    token: t,
    custody: await ctx.ws.store.custody(t.id),
    incidents,
    audit,
    viewer: viewerOf(req),
    extra,
  });
  return sendPage(req, reply, t.label ?? t.id, body);
}

/** Register `GET /tokens` and `GET /tokens/:id`. */
export function registerTokens(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/tokens', (req, reply) => inventory(ctx, req, reply));
  app.get('/tokens/:id', (req, reply) => sendTokenPage(ctx, req, reply, paramOf(req, 'id')));
}
