import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable, safeText, parseLimit } from '../output.js';
import type { Alert, AlertStatus } from '../../core/index.js';
import { withAlerting } from './incidents.js';

function printAlerts(ctx: CommandContext, list: readonly Alert[], format: string | undefined) {
  if (parseFormat(format) === 'jsonl') {
    ctx.io.out(renderJsonl(list));
    return;
  }
  const rows = list.map((a) => [
    a.id,
    a.createdAt,
    a.sink,
    a.kind,
    a.status,
    a.attempts,
    a.status === 'pending' ? a.nextAttemptAt : (a.deliveredAt ?? ''),
    a.incidentId,
    a.lastError ?? '',
  ]);
  ctx.io.out(
    renderTable(
      [
        'ID',
        'CREATED',
        'SINK',
        'KIND',
        'STATUS',
        'TRIES',
        'NEXT/DELIVERED',
        'INCIDENT',
        'LAST ERROR',
      ],
      rows,
      70,
    ),
  );
}

/**
 * Deliver the outbox now, logging each attempt to stderr; `waitSeconds` keeps going while retries
 * fall due within it. Returns the dispatch figures.
 */
export async function deliverNow(
  ctx: CommandContext,
  ws: import('../../app.js').Workspace,
  waitSeconds: number,
): Promise<import('../../alert/index.js').DispatchStats> {
  const { buildSinks, sinkRates } = await import('../../app.js');
  const { deliverAlerts } = await import('../../pipeline/index.js');
  const sinks = await buildSinks(ws, ctx.now);
  try {
    return await deliverAlerts(ws.store, sinks, {
      now: ctx.now,
      ratePerMinute: sinkRates(ws),
      maxAgeMs: ws.config.alerts.maxAgeHours * 3_600_000,
      budgetMs: waitSeconds * 1000,
      onAttempt: (a, r) =>
        ctx.io.err(
          safeText(
            `keysnare: alert ${a.id} (${a.kind}, ${a.incidentId}) → ${a.sink}: ${
              r.kind === 'ok'
                ? 'delivered'
                : r.kind === 'rejected'
                  ? `refused: ${r.reason}`
                  : `will retry: ${r.error}`
            }`,
          ) + '\n',
        ),
    });
  } finally {
    for (const s of sinks.values()) await s.close?.();
  }
}

function parseStatus(v: string | undefined): AlertStatus | undefined {
  if (v === undefined) return undefined;
  if (v === 'pending' || v === 'delivered' || v === 'dead') return v;
  throw new Error('--status must be pending, delivered or dead');
}

/** `keysnare alerts …`: the outbox. */
export const registerAlerts: RegisterCommand = (program, run) => {
  const alerts = program
    .command('alerts')
    .description('the alert outbox: deliveries to the sinks in alerts.sinks');
  alerts
    .command('list')
    .description('list alerts, oldest first (dead letters with --status dead)')
    .option('--status <status>', 'pending, delivered or dead')
    .option('--sink <name>', 'only this sink')
    .option('--incident <id>', 'only this incident')
    .option('--limit <n>', 'at most this many', '1000')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{
          status?: string;
          sink?: string;
          incident?: string;
          limit: string;
          format?: string;
        }>();
        const { AppError } = await import('../../core/index.js');
        const limit = parseLimit(o.limit);
        let status: AlertStatus | undefined;
        try {
          status = parseStatus(o.status);
        } catch (err) {
          throw new AppError('KS_USAGE', { reason: (err as Error).message });
        }
        parseFormat(o.format);
        return withAlerting(ctx, async (ws) => {
          const list = await ws.store.listAlerts({
            limit,
            ...(status ? { status } : {}),
            ...(o.sink ? { sink: o.sink } : {}),
            ...(o.incident ? { incidentId: o.incident } : {}),
          });
          printAlerts(ctx, list, o.format);
          return 0;
        });
      }),
    );
  alerts
    .command('retry <id>')
    .description('queue a dead alert again and deliver the outbox')
    .action(
      run(async (ctx, cmd) => {
        const [id] = cmd.args as [string];
        const { retryAlert } = await import('../../pipeline/index.js');
        return withAlerting(ctx, async (ws) => {
          await retryAlert(ws.store, id, ctx.now());
          ctx.io.err(`alert ${id} queued again\n`);
          const stats = await deliverNow(ctx, ws, 0);
          const a = await ws.store.getAlert(id);
          ctx.io.err(
            `delivered ${stats.delivered}, retrying ${stats.pending}, dead ${stats.dead}\n`,
          );
          return a?.status === 'delivered' ? 0 : 1;
        });
      }),
    );
  alerts
    .command('test <sink>')
    .description('send a clearly marked test alert to one sink, now')
    .action(
      run(async (ctx, cmd) => {
        const [sink] = cmd.args as [string];
        const { queueTestAlert } = await import('../../pipeline/index.js');
        return withAlerting(ctx, async (ws, deps) => {
          const alert = await queueTestAlert(deps, sink);
          await deliverNow(ctx, ws, 0);
          const after = await ws.store.getAlert(alert.id);
          const ok = after?.status === 'delivered';
          ctx.io.err(
            ok
              ? `test alert ${alert.id} delivered to ${sink}\n`
              : safeText(
                  `test alert ${alert.id} to ${sink} not delivered: ${after?.lastError ?? after?.status ?? '?'}`,
                ) + '\n',
          );
          return ok ? 0 : 1;
        });
      }),
    );
  alerts
    .command('dispatch')
    .description(
      'deliver the pending alerts that are due (cron-friendly; serve does this continuously)',
    )
    .option('--wait <seconds>', 'keep going while retries fall due within this time', '0')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ wait: string }>();
        const { AppError } = await import('../../core/index.js');
        const wait = Number(o.wait);
        if (!(wait >= 0 && wait <= 86_400))
          throw new AppError('KS_USAGE', { reason: '--wait must be seconds between 0 and 86400' });
        return withAlerting(ctx, async (ws) => {
          const s = await deliverNow(ctx, ws, wait);
          ctx.io.err(
            `delivered ${s.delivered}, retried ${s.retried}, dead ${s.dead}, pending ${s.pending}\n`,
          );
          return s.dead > 0 ? 1 : 0;
        });
      }),
    );
};

/** `keysnare hunt --like INCIDENT`: who else did what this incident's attacker did. */
export const registerHunt: RegisterCommand = (program, run) => {
  program
    .command('hunt')
    .description(
      "search every stored event for other principals that share an incident's source IPs, user agents, keys and rare APIs",
    )
    .requiredOption('--like <incident>', 'the incident whose indicators to hunt for')
    .option('--limit <n>', 'at most this many principals', '50')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ like: string; limit: string; format?: string }>();
        const format = parseFormat(o.format);
        const limit = parseLimit(o.limit);
        const { huntLike, incidentOrThrow } = await import('../../pipeline/index.js');
        return withAlerting(ctx, async (ws, deps) => {
          const inc = await incidentOrThrow(ws.store, o.like);
          const found = await huntLike(deps, inc, undefined, limit);
          if (format === 'jsonl') ctx.io.out(renderJsonl(found));
          else
            ctx.io.out(
              renderTable(
                ['PRINCIPAL', 'SCORE', 'EVENTS', 'FIRST SEEN', 'LAST SEEN', 'SHARES'],
                found.map((s) => [
                  s.principal,
                  s.score,
                  s.events,
                  s.firstSeen ?? '',
                  s.lastSeen ?? '',
                  s.shared.join(' '),
                ]),
                90,
              ),
            );
          ctx.io.err(`${found.length} other principal(s) share indicators with ${inc.id}\n`);
          return 0;
        });
      }),
    );
};
