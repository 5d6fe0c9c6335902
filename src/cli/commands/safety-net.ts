import type { Command } from 'commander';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, safeText } from '../output.js';
import { printFindings } from './detect.js';

async function pass(ctx: CommandContext, format: string | undefined): Promise<number> {
  const { openWorkspace, runSafetyNetPass } = await import('../../app.js');
  const streaming = parseFormat(format) === 'jsonl';
  const ws = openWorkspace(ctx.home);
  let progressShown = false;
  const endProgress = (): void => {
    if (progressShown) ctx.io.err('\n');
    progressShown = false;
  };
  try {
    const sn = ws.config.safetyNet;
    const run = await runSafetyNetPass(ws, {
      requestsPerSecond: sn.requestsPerSecond,
      useCredentialReport: sn.useCredentialReport,
      granularityMs: sn.granularityMinutes * 60_000,
      log: (l) => {
        endProgress();
        ctx.io.err(`${safeText(l)}\n`);
      },
      ...(streaming ? { onFinding: (f) => ctx.io.out(renderJsonl([f])) } : {}),
      ...(ctx.io.isTty
        ? {
            onProgress: (n: number, total: number) => {
              progressShown = true;
              ctx.io.err(`\rsafety net: ${n}/${total} keys checked`);
            },
          }
        : {}),
    });
    endProgress();
    if (!streaming) printFindings(ctx, run.findings, format);
    for (const i of run.indeterminate)
      ctx.io.err(
        `safety net: could not read last-used data of ${i.tokenId}: ${safeText(i.error)}\n`,
      );
    ctx.io.err(
      `safety net: ${run.keysQueried} key(s) queried, ${run.checked} with last-used data, credential report ${run.reportUsed ? 'used' : 'not used'}, ${run.findings.length} new finding(s)\n`,
    );
    if (Object.keys(ws.config.alerts.sinks).length > 0) {
      const { deliverNow } = await import('./alerts.js');
      await deliverNow(ctx, ws, 0);
    }
    return run.indeterminate.length && run.indeterminate.length === run.keysQueried ? 1 : 0;
  } finally {
    endProgress();
    await ws.close();
  }
}

async function safetyNetAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<{ once?: boolean; every?: string; format?: string }>();
  parseFormat(o.format);
  const { AppError } = await import('../../core/index.js');
  if (o.once === undefined && o.every === undefined)
    throw new AppError('KS_USAGE', { reason: 'give --once, or --every MINUTES to keep polling' });
  if (o.once && o.every !== undefined)
    throw new AppError('KS_USAGE', {
      reason: 'give either --once (one pass) or --every MINUTES (keep polling), not both',
    });
  if (o.once) return pass(ctx, o.format);
  const minutes = Number(o.every);
  if (!Number.isFinite(minutes) || minutes < 1)
    throw new AppError('KS_USAGE', { reason: '--every must be at least 1 minute' });
  for (;;) {
    const code = await pass(ctx, o.format);
    if (code !== 0) ctx.io.err('safety net: pass failed; trying again at the next interval\n');
    await new Promise((r) => setTimeout(r, minutes * 60_000));
  }
}

/** `keysnare safety-net`: catch canary use that CloudTrail never logged. */
export const registerSafetyNet: RegisterCommand = (program, run) => {
  program
    .command('safety-net')
    .description(
      "compare IAM's last-used data of every canary key with what CloudTrail showed; alert on unlogged use",
    )
    .option('--once', 'one pass, then exit')
    .option('--every <minutes>', 'keep running a pass every N minutes')
    .option('--format <format>', 'table or jsonl (the new findings)', 'table')
    .action(run(safetyNetAction));
};
