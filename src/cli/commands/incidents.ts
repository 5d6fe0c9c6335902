import type { Command } from 'commander';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable, safeText, parseLimit } from '../output.js';
import type { Incident, IncidentState } from '../../core/index.js';

const STATE_HELP = 'open, acknowledged, false-positive or resolved';

/**
 * Open the workspace with incidents ready (findings from before incidents grouped once). The IP
 * context (a few hundred milliseconds of data to load) is built only for commands that write
 * alert messages or the triage view (`ip: true`).
 */
async function withAlerting<T>(
  ctx: CommandContext,
  fn: (
    ws: import('../../app.js').Workspace,
    deps: import('../../pipeline/index.js').AlertingDeps,
  ) => Promise<T>,
  opts: { readonly ip?: boolean } = {},
): Promise<T> {
  const { openWorkspace, alertingFor, ensureIncidents } = await import('../../app.js');
  const ws = openWorkspace(ctx.home);
  try {
    const deps = await alertingFor(ws, ctx.now, opts.ip ? {} : { ip: null });
    await ensureIncidents(ws, deps);
    return await fn(ws, deps);
  } finally {
    await ws.close();
  }
}

/** Incidents as a table, or JSON lines. */
export function printIncidents(
  ctx: CommandContext,
  list: readonly Incident[],
  format: string | undefined,
) {
  if (parseFormat(format) === 'jsonl') {
    ctx.io.out(renderJsonl(list));
    return;
  }
  const rows = list.map((i) => [
    i.id,
    i.lastSeen,
    i.severity,
    `${i.state}${i.quiet ? ' (quiet)' : ''}`,
    i.kind,
    i.title,
    i.findingIds.length,
    i.eventCount,
    i.sourceIps.slice(0, 3).join(' '),
  ]);
  ctx.io.out(
    renderTable(
      ['ID', 'LAST SEEN', 'SEVERITY', 'STATE', 'KIND', 'TITLE', 'FINDINGS', 'EVENTS', 'SOURCE IPS'],
      rows,
      70,
    ),
  );
}

function parseState(v: string | undefined): IncidentState | undefined {
  if (v === undefined) return undefined;
  if (['open', 'acknowledged', 'false-positive', 'resolved'].includes(v)) return v as IncidentState;
  throw new Error(`--state must be ${STATE_HELP}`);
}

/** The `incidents show` triage view as text. */
function showText(ctx: CommandContext, view: import('../../pipeline/index.js').TriageView): void {
  const i = view.incident;
  const line = (s = '') => ctx.io.out(`${safeText(s)}\n`);
  line(`${i.id}  ${i.severity.toUpperCase()}  ${i.state}${i.quiet ? ` (quiet: ${i.quiet})` : ''}`);
  line(i.title);
  line(view.summary);
  if (i.raisedBy) line(`raised: ${i.raisedBy}`);
  line();
  for (const f of view.facts) line(`  ${f.label}: ${f.value}`);
  line();
  line(
    `Timeline (${view.timeline.length} of the events of its key, principal and source IPs, ±${view.aroundHours} h):`,
  );
  for (const e of view.timeline)
    line(
      `  ${e.time ?? '?'}  ${e.inIncident ? '*' : ' '} ${e.eventSource.replace('.amazonaws.com', '')}:${e.eventName}  ${e.sourceIp ?? '-'}  ${e.principal ?? '-'}${e.errorCode ? `  ${e.errorCode}` : ''}`,
    );
  if (view.custody.length) {
    line();
    line('Chain of custody (anything in it may be compromised):');
    for (const c of view.custody)
      line(
        `  ${c.at}  ${c.actor}  ${c.action}${c.placement ? `  ${JSON.stringify(c.placement)}` : ''}${c.note ? `  ${c.note}` : ''}`,
      );
  }
  line();
  line('Runbook:');
  view.runbook.forEach((s, n) => line(`  ${n + 1}. ${s}`));
  if (view.similar.length) {
    line();
    line(
      `Who else did this? (within ±${view.aroundHours} h; keysnare hunt --like searches every stored event)`,
    );
    for (const s of view.similar.slice(0, 10))
      line(`  ${s.principal}  score ${s.score.toFixed(2)}  shares ${s.shared.join(', ')}`);
  }
  if (i.history.length) {
    line();
    line('History:');
    for (const h of i.history) line(`  ${h.at}  ${h.by}  ${h.state}${h.why ? `: ${h.why}` : ''}`);
  }
  if (i.notes.length) {
    line();
    line('Notes:');
    for (const n of i.notes) line(`  ${n.at}  ${n.by}: ${n.text}`);
  }
}

function stateCommand(
  parent: Command,
  run: Parameters<RegisterCommand>[1],
  name: string,
  state: IncidentState,
  description: string,
): void {
  parent
    .command(`${name} <id>`)
    .description(description)
    .option('--note <text>', 'why (kept in the history and sent with the follow-up)')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const [id] = cmd.args as [string];
        const o = cmd.opts<{ note?: string; format?: string }>();
        const format = parseFormat(o.format);
        const { setIncidentState } = await import('../../pipeline/index.js');
        return withAlerting(
          ctx,
          async (_ws, deps) => {
            const r = await setIncidentState(deps, id, state, ctx.actor, o.note);
            if (format === 'jsonl') ctx.io.out(renderJsonl([r.incident]));
            else printIncidents(ctx, [r.incident], 'table');
            ctx.io.err(
              r.changed
                ? `${id} is now ${state}; ${r.alerts.length} follow-up alert(s) queued\n`
                : `${id} was already ${state}\n`,
            );
            return 0;
          },
          { ip: true },
        );
      }),
    );
}

/** `keysnare incidents …`: findings grouped into incidents, and their triage. */
export const registerIncidents: RegisterCommand = (program, run) => {
  const incidents = program
    .command('incidents')
    .description('incidents: findings grouped by token or principal and source, with their state');
  incidents
    .command('list')
    .description('list incidents, most recent activity first')
    .option('--state <state>', `only this state (${STATE_HELP})`)
    .option('--limit <n>', 'at most this many', '1000')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ state?: string; limit: string; format?: string }>();
        const { AppError } = await import('../../core/index.js');
        const limit = parseLimit(o.limit);
        let state: IncidentState | undefined;
        try {
          state = parseState(o.state);
        } catch (err) {
          throw new AppError('KS_USAGE', { reason: (err as Error).message });
        }
        parseFormat(o.format);
        return withAlerting(ctx, async (ws) => {
          const list = await ws.store.listIncidents({ limit, ...(state ? { state } : {}) });
          printIncidents(ctx, list, o.format);
          return 0;
        });
      }),
    );
  incidents
    .command('show <id>')
    .description(
      'triage view: the incident, everything its key, principal and source IPs did around it, custody, runbook, who else did this',
    )
    .option('--around <hours>', 'hours before and after the incident to show', '24')
    .option('--format <format>', 'table or jsonl (one JSON object: the whole view)', 'table')
    .action(
      run(async (ctx, cmd) => {
        const [id] = cmd.args as [string];
        const o = cmd.opts<{ around: string; format?: string }>();
        const format = parseFormat(o.format);
        const { AppError } = await import('../../core/index.js');
        const around = Number(o.around);
        if (!(around >= 0 && around <= 24 * 90))
          throw new AppError('KS_USAGE', { reason: '--around must be hours between 0 and 2160' });
        const { triageView } = await import('../../pipeline/index.js');
        return withAlerting(
          ctx,
          async (_ws, deps) => {
            const view = await triageView(deps, id, around);
            if (format === 'jsonl') ctx.io.out(renderJsonl([view]));
            else showText(ctx, view);
            return 0;
          },
          { ip: true },
        );
      }),
    );
  stateCommand(incidents, run, 'ack', 'acknowledged', 'acknowledge an incident (someone is on it)');
  stateCommand(
    incidents,
    run,
    'resolve',
    'resolved',
    'resolve an incident (PagerDuty and Opsgenie close it too)',
  );
  stateCommand(
    incidents,
    run,
    'false-positive',
    'false-positive',
    'mark an incident a false positive',
  );
  stateCommand(
    incidents,
    run,
    'reopen',
    'open',
    'open a resolved or false-positive incident again',
  );
  incidents
    .command('note <id> <text>')
    .description('add a note to an incident (notes do not alert)')
    .action(
      run(async (ctx, cmd) => {
        const [id, text] = cmd.args as [string, string];
        const { addIncidentNote } = await import('../../pipeline/index.js');
        return withAlerting(ctx, async (_ws, deps) => {
          await addIncidentNote(deps, id, ctx.actor, text);
          ctx.io.err(`note added to ${id}\n`);
          return 0;
        });
      }),
    );
};

export { withAlerting };
