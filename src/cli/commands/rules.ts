import type { RegisterCommand } from '../action.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';

/** `keysnare rules list`: every rule, with the workspace's settings applied. */
export const registerRules: RegisterCommand = (program, run) => {
  const rules = program.command('rules').description('detection rules and their settings');
  rules
    .command('list')
    .description(
      'list every rule: id, severity, whether it is enabled, what it looks at and its options (docs/rules.md has the runbooks)',
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const format = parseFormat(cmd.opts<{ format?: string }>().format);
        const { listRules } = await import('../../app.js');
        const list = await listRules(ctx.home);
        if (format === 'jsonl') {
          ctx.io.out(renderJsonl(list.map(({ optionHelp: _help, ...entry }) => entry)));
          return 0;
        }
        const options = (o: Readonly<Record<string, unknown>>): string =>
          Object.entries(o)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ');
        ctx.io.out(
          renderTable(
            ['ID', 'SEVERITY', 'ENABLED', 'SEES', 'OPTIONS'],
            list.map((r) => [
              r.id,
              r.effectiveSeverity,
              r.enabled ? 'yes' : 'no',
              r.sees,
              options(r.options),
            ]),
            80,
          ),
        );
        return 0;
      }),
    );
};
