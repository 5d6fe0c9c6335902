/**
 * `GET /rules`: every rule — the built-ins and the Safety Net (the catalog `keysnare rules list`
 * reads), then the Sigma rules of the configured `sigma.folders` — with whether it is enabled, its
 * severity and its number of stored findings; Sigma files that did not load are listed with why.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Severity } from '../../../core/index.js';
import type { ServerContext } from '../../context.js';
import { html } from '../../html.js';
import type { SafeHtml } from '../../html.js';
import { badge, sendPage, table } from './common.js';

interface RuleRow {
  readonly id: string;
  readonly title: string;
  readonly source: string;
  readonly enabled: boolean;
  readonly severity: Severity;
}

async function sigmaRows(ctx: ServerContext) {
  const { sigmaForRun } = await import('../../../app.js');
  const { ruleSet, SIGMA_PREFIX } = await import('../../../detect/index.js');
  const { sigma, statuses } = await sigmaForRun(ctx.ws.home, ctx.ws.config, []);
  const configured = ctx.ws.config.rules as Readonly<
    Record<string, { enabled?: boolean; severity?: Severity } | undefined>
  >;
  const rows: RuleRow[] = sigma
    ? ruleSet(sigma)
        .filter((r) => r.id.startsWith(SIGMA_PREFIX))
        .map((r) => ({
          id: r.id,
          title: r.title,
          source: 'sigma',
          enabled: configured[r.id]?.enabled ?? true,
          severity: configured[r.id]?.severity ?? r.severity,
        }))
    : [];
  return { rows, broken: statuses.filter((s) => s.status !== 'loaded') };
}

function ruleRow(r: RuleRow, findings: number): SafeHtml {
  return html`<tr class="${r.enabled ? '' : 'disabled'}">
    <td><code>${r.id}</code></td>
    <td>${r.title}</td>
    <td>${r.source}</td>
    <td>${r.enabled ? 'yes' : 'no'}</td>
    <td>${badge(r.severity)}</td>
    <td>${findings}</td>
  </tr>`;
}

async function rulesPage(ctx: ServerContext, req: FastifyRequest, reply: FastifyReply) {
  const { listRules } = await import('../../../app.js');
  const counts = new Map<string, number>();
  for (const f of await ctx.ws.store.listFindings({}))
    counts.set(f.rule, (counts.get(f.rule) ?? 0) + 1);
  const builtIn: RuleRow[] = (await listRules(ctx.ws.home)).map((r) => ({
    id: r.id,
    title: r.title,
    source: r.source === 'safety-net' ? 'safety net' : 'built-in',
    enabled: r.enabled,
    severity: r.effectiveSeverity,
  }));
  const { rows: sigma, broken } = await sigmaRows(ctx);
  const all = [...builtIn, ...sigma];
  const notLoaded = broken.map(
    (s) =>
      html`<tr>
        <td>${s.file}</td>
        <td>${s.status}</td>
        <td>${s.reason ?? ''}</td>
      </tr>`,
  );
  const body = html`<h1>Rules</h1>
    ${table(
      ['Rule', 'Title', 'Source', 'Enabled', 'Severity', 'Findings'],
      all.map((r) => ruleRow(r, counts.get(r.id) ?? 0)),
      'No rule.',
      'rules',
    )}
    <p class="muted">
      ${builtIn.length} built-in, ${sigma.length} Sigma (from <code>sigma.folders</code>). Change
      them in <code>keysnare.yaml</code> under <code>rules:</code>; docs/rules.md has the runbooks.
    </p>
    ${
      notLoaded.length
        ? html`<h2>Sigma files not loaded</h2>
            ${table(['File', 'Status', 'Why'], notLoaded, '')}`
        : ''
    }`;
  return sendPage(req, reply, 'Rules', body);
}

/** Register `GET /rules`. */
export function registerRules(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/rules', (req, reply) => rulesPage(ctx, req, reply));
}
