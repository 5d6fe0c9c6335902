import type { RegisterCommand } from '../action.js';
import { parseFormat, renderJsonl, renderTable } from '../output.js';

/**
 * `keysnare rules list`: every rule, with the workspace's settings applied. `keysnare rules check
 * PATH…`: what becomes of each Sigma rule file (exit 2 when any is broken).
 */
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
  rules
    .command('check <paths...>')
    .description(
      'load Sigma rule files (folders are searched for .yml/.yaml) and report each: loaded (with warnings about what looks wrong, such as a value naming a field without |fieldref), not-applicable (another log source than AWS CloudTrail), unsupported (with the reason) or error (file:line:column and what is wrong); exit 2 when any is an error',
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const format = parseFormat(cmd.opts<{ format?: string }>().format);
        const { loadSigma } = await import('../../detect/sigma/load.js');
        const { statuses } = loadSigma(cmd.args);
        const rows = statuses.map((s) => ({
          file: s.file,
          id: s.id ?? null,
          title: s.title ?? null,
          status: s.status,
          reason: s.reason ?? null,
          warnings: s.warnings ?? [],
        }));
        if (format === 'jsonl') ctx.io.out(renderJsonl(rows));
        else
          ctx.io.out(
            renderTable(
              ['STATUS', 'FILE', 'ID', 'TITLE / REASON'],
              rows.map((r) => [
                r.warnings.length > 0 ? `${r.status} (warning)` : r.status,
                r.file,
                r.id ?? '',
                r.reason ?? (r.warnings.length > 0 ? r.warnings.join('; ') : (r.title ?? '')),
              ]),
              100,
            ),
          );
        const count = (status: string): number => rows.filter((r) => r.status === status).length;
        const warned = rows.filter((r) => r.warnings.length > 0).length;
        ctx.io.err(
          `${rows.length} rule file(s): ${count('loaded')} loaded (${warned} with warnings), ${count('not-applicable')} not applicable, ${count('unsupported')} unsupported, ${count('error')} with errors\n`,
        );
        return count('error') > 0 ? 2 : 0;
      }),
    );
};
