import type { RegisterCommand } from '../action.js';
import { printFindings } from './detect.js';

/** `keysnare findings list`: findings stored by `ingest`. */
export const registerFindings: RegisterCommand = (program, run) => {
  const findings = program.command('findings').description('stored findings');
  findings
    .command('list')
    .description('list stored findings, newest first')
    .option('--rule <id>', 'only this rule')
    .option('--token <id>', 'only this canary token')
    .option('--limit <n>', 'at most this many', '1000')
    .option('--format <format>', 'table or jsonl', 'table')
    .action(
      run(async (ctx, cmd) => {
        const o = cmd.opts<{ rule?: string; token?: string; limit: string; format?: string }>();
        const { AppError } = await import('../../core/index.js');
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new AppError('KS_USAGE', { reason: '--limit must be a positive integer' });
        const { openWorkspace } = await import('../../app.js');
        const ws = openWorkspace(ctx.home);
        try {
          const list = ws.store.listFindings({
            limit,
            ...(o.rule ? { rule: o.rule } : {}),
            ...(o.token ? { tokenId: o.token } : {}),
          });
          printFindings(ctx, list, o.format);
        } finally {
          ws.close();
        }
        return 0;
      }),
    );
};
