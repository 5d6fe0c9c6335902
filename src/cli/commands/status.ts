import type { RegisterCommand } from '../action.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';

/** `keysnare status`: what the workspace holds, and how each intake path of the server is doing. */
export const registerStatus: RegisterCommand = (program, run) => {
  program
    .command('status')
    .description(
      'incidents, findings, events and alerts in the workspace, and the health of each intake path',
    )
    .option('--format <format>', 'table or jsonl (one object)', 'table')
    .action(
      run(async (ctx, cmd) => {
        const format = parseFormat(cmd.opts<{ format?: string }>().format);
        const { openWorkspace } = await import('../../app.js');
        const { HEALTH_KEY } = await import('../../server/index.js');
        const ws = openWorkspace(ctx.home);
        try {
          const { workspaceCounts } = await import('../../pipeline/index.js');
          const sources = JSON.parse((await ws.store.getValue(HEALTH_KEY)) ?? '[]') as Record<
            string,
            unknown
          >[];
          const status = { ...(await workspaceCounts(ws.store)), sources };
          if (format === 'jsonl') {
            ctx.io.out(renderJsonl([status]));
            return 0;
          }
          ctx.io.out(
            renderTable(
              ['WHAT', 'COUNT'],
              [
                ...Object.entries(status.incidents).map(([k, v]) => [`incidents ${k}`, v]),
                ['findings', status.findings],
                ['events', status.events],
                ...Object.entries(status.alerts).map(([k, v]) => [`alerts ${k}`, v]),
              ],
            ),
          );
          ctx.io.out(
            sources.length === 0
              ? '\nno intake health recorded (keysnare serve records it while it runs)\n'
              : '\n' +
                  renderTable(
                    [
                      'SOURCE',
                      'KIND',
                      'LAST RECEIVED',
                      'NEWEST EVENT',
                      'LAG (s)',
                      'RECEIVED',
                      'ERRORS',
                      'LAST ERROR',
                    ],
                    sources.map((h) => [
                      h['name'],
                      h['kind'],
                      h['lastReceivedAt'] ?? '',
                      h['newestEventTime'] ?? '',
                      typeof h['lagMs'] === 'number' ? Math.round(h['lagMs'] / 1000) : '',
                      h['received'],
                      h['errors'],
                      h['lastError'] ?? '',
                    ]),
                  ),
          );
          if ((status.alerts['dead'] ?? 0) > 0)
            ctx.io.err(
              `${status.alerts['dead']} dead alert(s): keysnare alerts list --status dead\n`,
            );
          return 0;
        } finally {
          await ws.close();
        }
      }),
    );
};
