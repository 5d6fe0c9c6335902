import type { RegisterCommand } from '../action.js';
import { parseLimit } from '../output.js';
import { printFindings } from './detect.js';

/** Refuse a --rule that no rule has: an unknown id would only ever list nothing. */
async function checkRuleId(id: string): Promise<void> {
  const { rules } = await import('../../detect/rules/index.js');
  const { SAFETY_NET_RULE } = await import('../../detect/safety-net.js');
  const { AppError } = await import('../../core/index.js');
  const known: string[] = [...rules.map((r) => r.id), SAFETY_NET_RULE.id];
  if (!known.includes(id))
    throw new AppError('KS_USAGE', {
      reason: `--rule: no rule "${id}"; known rule ids: ${known.join(', ')}`,
    });
}

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
        const limit = parseLimit(o.limit);
        if (o.rule !== undefined) await checkRuleId(o.rule);
        const { openWorkspace } = await import('../../app.js');
        const ws = openWorkspace(ctx.home);
        try {
          const list = await ws.store.listFindings({
            limit,
            ...(o.rule ? { rule: o.rule } : {}),
            ...(o.token ? { tokenId: o.token } : {}),
          });
          printFindings(ctx, list, o.format);
        } finally {
          await ws.close();
        }
        return 0;
      }),
    );
};
