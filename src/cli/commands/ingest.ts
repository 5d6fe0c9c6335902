import type { Command } from 'commander';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl } from '../output.js';
import { createRunReporter, progressWanted, RUN_HELP } from '../run-report.js';
import {
  collectRules,
  exitCodeOf,
  parseRunFlags,
  printFindings,
  RULES_FLAG_HELP,
  runSigma,
  summaryLine,
} from './detect.js';
import type { PipelineFlags } from './detect.js';

async function ingestAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<PipelineFlags>();
  const format = parseFormat(o.format);
  const { openWorkspace, listInputFiles, resolveWorkers, ingestIntoWorkspace } =
    await import('../../app.js');
  const ws = openWorkspace(ctx.home);
  try {
    const flags = await parseRunFlags(o, ws.config.detect);
    const rules = await runSigma(ctx, ws.config, o.rules);
    const s3 = cmd.args.filter((a) => a.startsWith('s3://'));
    const local = cmd.args.filter((a) => !a.startsWith('s3://'));
    if (s3.length > 0) {
      const done = await backfillFromS3(ctx, ws, s3, flags.quietGapMs);
      if (local.length === 0) return done;
    }
    const input = listInputFiles(local);
    const report = createRunReporter(ctx, {
      progress: progressWanted(ctx, format),
      totalBytes: input.bytes,
      explicit: input.explicit,
    });
    for (const p of input.problems) report.rejection(p);
    const result = await ingestIntoWorkspace(
      ws,
      {
        files: input.files,
        quietGapMs: flags.quietGapMs,
        workers: resolveWorkers(flags.workers, input.files.length, input.bytes, ws.config.limits),
        onRejection: report.rejection,
        onSkipped: report.skipped,
        onProgress: report.progress,
        onStage: report.stage,
        now: ctx.now,
      },
      (message) => ctx.io.err(`keysnare: ${message}\n`),
      rules.sigma,
    );
    report.finish();
    if (format === 'jsonl') ctx.io.out(renderJsonl(result.changed));
    else printFindings(ctx, result.changed, 'table');
    ctx.io.err(summaryLine(result.stats, result.changed.length));
    ctx.io.err(
      `stored ${result.newEvents} new event(s), ${result.duplicates} already stored; ${result.changed.length} finding(s) new or updated\n`,
    );
    ctx.io.err(
      `${result.incidents.length} incident(s) opened or changed; ${result.alertsQueued} alert(s) queued\n`,
    );
    if (Object.keys(ws.config.alerts.sinks).length > 0) {
      const { deliverNow } = await import('./alerts.js');
      const s = await deliverNow(ctx, ws, 0);
      if (s.delivered + s.retried + s.dead + s.pending > 0)
        ctx.io.err(
          `alerts: delivered ${s.delivered}, retrying ${s.pending} (keysnare alerts dispatch), dead ${s.dead} (keysnare alerts list --status dead)\n`,
        );
    }
    return exitCodeOf(input.problems.length + rules.failed, result.stats);
  } finally {
    await ws.close();
  }
}

/** `ingest s3://bucket/prefix…`: backfill each bucket prefix, resuming from its checkpoint. */
async function backfillFromS3(
  ctx: CommandContext,
  ws: import('../../app.js').Workspace,
  urls: readonly string[],
  quietGapMs: number,
): Promise<number> {
  const { backfillS3 } = await import('../../app.js');
  const tty = progressWanted(ctx, 'table');
  let quarantined = 0;
  for (const url of urls) {
    const r = await backfillS3(ws, url, {
      now: ctx.now,
      quietGapMs,
      onError: (m) => ctx.io.err(`keysnare: ${m}\n`),
      ...(tty
        ? {
            onProgress: (p) =>
              ctx.io.err(
                `\r${url}: ${p.objectsDone}/${p.objectsTotal ?? `${p.objectsListed}+`} files, ${(p.bytesDone / 1e6).toFixed(1)} MB`,
              ),
          }
        : {}),
    });
    if (tty) ctx.io.err('\n');
    quarantined += r.quarantined;
    ctx.io.err(
      `${url}: ${r.files} file(s) ingested, ${r.newEvents} new event(s)${r.quarantined ? `, ${r.quarantined} quarantined (see the spool's quarantine folder)` : ''}\n`,
    );
  }
  return quarantined > 0 ? 1 : 0;
}

/** `keysnare ingest PATH…`: the detection pipeline into the workspace. */
export const registerIngest: RegisterCommand = (program, run) => {
  program
    .command('ingest <paths...>')
    .description(
      'read CloudTrail files or s3://bucket/prefix (resumed from a checkpoint) into the workspace: events kept (once per eventID), findings stored',
    )
    .option('--format <format>', 'table or jsonl (the findings that are new or changed)', 'table')
    .option('--rules <sigma:PATH>', RULES_FLAG_HELP, collectRules)
    .option(
      '--workers <n>',
      'files read in parallel (the main thread and N-1 worker threads): auto (one per CPU) or a number',
    )
    .option('--quiet-gap <minutes>', 'canary events further apart than this start a new finding')
    .addHelpText('after', RUN_HELP)
    .action(run(ingestAction));
};
