import type { Command } from 'commander';
import type { Finding } from '../../core/index.js';
import type { RegisterCommand } from '../action.js';
import type { CommandContext } from '../context.js';
import { parseFormat, renderJsonl, renderTable, safeText } from '../output.js';
import type { RunStats } from '../../app.js';
import { createRunReporter, progressWanted, RUN_HELP } from '../run-report.js';
export { rejectionLine } from '../run-report.js';

/** Options shared by `detect` and `ingest`. */
export interface PipelineFlags {
  readonly workers?: string;
  readonly quietGap?: string;
  readonly prefilter?: boolean;
  readonly stats?: boolean;
  readonly format?: string;
  /** `--rules sigma:PATH`, repeatable. */
  readonly rules?: readonly string[];
}

/** `--rules` values collected (commander calls this once per occurrence). */
export function collectRules(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** Help for `--rules`. */
export const RULES_FLAG_HELP =
  'also run the Sigma rules in PATH (a folder or a file; repeatable), beside sigma.folders in keysnare.yaml';

/**
 * The Sigma rules of a run (config folders and `--rules sigma:PATH`): each rule file in error is
 * named on stderr with its reason, then one summary line. `failed`: how many were in error.
 */
export async function runSigma(
  ctx: CommandContext,
  config: import('../../config/schema.js').KeysnareConfig,
  specs: readonly string[] = [],
): Promise<{ sigma: import('../../detect/index.js').SigmaSet | undefined; failed: number }> {
  const { AppError } = await import('../../core/index.js');
  const paths = specs.map((spec) => {
    const m = /^sigma:(.+)$/.exec(spec);
    if (!m?.[1])
      throw new AppError('KS_USAGE', {
        reason: `--rules takes sigma:PATH (a folder or file of Sigma rules), not "${spec}"`,
      });
    return m[1];
  });
  const { sigmaForRun } = await import('../../app.js');
  const { sigma, statuses } = await sigmaForRun(ctx.home, config, paths);
  if (statuses.length === 0) {
    // Folders given (or configured) that hold no rule file: said, so a typo is not silent.
    if (paths.length > 0 || config.sigma.folders.length > 0)
      ctx.io.err('keysnare: no Sigma rule files (.yml, .yaml) in the rule folders given\n');
    return { sigma, failed: 0 };
  }
  const count = (s: string) => statuses.filter((x) => x.status === s).length;
  for (const s of statuses) {
    if (s.status === 'error')
      ctx.io.err(`keysnare: sigma rule not loaded: ${safeText(s.reason ?? s.file)}\n`);
  }
  const failed = count('error');
  ctx.io.err(
    `sigma: ${count('loaded')} rule(s) loaded, ${count('unsupported')} unsupported, ${count('not-applicable')} not for CloudTrail, ${failed} in error (keysnare rules check PATH says why)\n`,
  );
  return { sigma, failed };
}

/** Parse --workers / --quiet-gap. */
export async function parseRunFlags(
  o: PipelineFlags,
  cfg: { workers: 'auto' | number; quietGapMinutes: number },
) {
  const { AppError } = await import('../../core/index.js');
  const workers =
    o.workers === undefined ? cfg.workers : o.workers === 'auto' ? 'auto' : Number(o.workers);
  if (workers !== 'auto' && (!Number.isInteger(workers) || workers < 1 || workers > 64)) {
    throw new AppError('KS_USAGE', {
      reason: `--workers must be auto or 1..64, not "${o.workers ?? ''}"`,
    });
  }
  const gap = o.quietGap === undefined ? cfg.quietGapMinutes : Number(o.quietGap);
  if (!Number.isFinite(gap) || gap <= 0)
    throw new AppError('KS_USAGE', { reason: '--quiet-gap must be a positive number of minutes' });
  return { workers, quietGapMs: gap * 60_000 };
}

/** The closing summary of a run. */
export function summaryLine(s: RunStats, findings: number): string {
  const mb = (s.bytes / 1048576).toFixed(1);
  const over = s.passedOver
    ? `; ${s.passedOver} file(s) passed over (nothing an enabled rule looks for)`
    : '';
  const skipped = s.skipped ? `; ${s.skipped} file(s) skipped (digest/not events)` : '';
  return `read ${s.files} file(s), ${mb} MB: ${s.records} record(s), ${s.considered} considered, ${s.rejected} rejected${over}${skipped}; ${findings} finding(s)\n`;
}

/** Print findings as JSON lines or a table. */
export function printFindings(
  ctx: CommandContext,
  findings: readonly Finding[],
  format: string | undefined,
): void {
  if (parseFormat(format) === 'jsonl') {
    ctx.io.out(renderJsonl(findings));
    return;
  }
  const rows = findings.map((f) => [
    f.time,
    f.severity,
    f.rule,
    typeof f.details['userAgentClass'] === 'string' ? f.details['userAgentClass'] : '',
    f.title,
    f.eventIds.length,
    (f.regions ?? []).join(' '),
  ]);
  const headers = ['TIME', 'SEVERITY', 'RULE', 'AGENT', 'TITLE', 'EVENTS', 'REGIONS'];
  ctx.io.out(renderTable(headers, rows, 80));
}

async function detectAction(ctx: CommandContext, cmd: Command): Promise<number> {
  const o = cmd.opts<PipelineFlags & { tokens?: string }>();
  const format = parseFormat(o.format);
  const started = Date.now();
  const { listInputFiles } = await import('../../pipeline/files.js');
  const input = listInputFiles(cmd.args);
  // Worker threads load their modules while this thread loads its own and reads the settings and
  // canaries: a guess from --workers and the input (detectFiles stops any the settings do not want).
  const { prestartWorkers, resolveWorkers } = await import('../../pipeline/threads.js');
  const guess = o.workers === undefined || o.workers === 'auto' ? 'auto' : Number(o.workers);
  if (guess === 'auto' || (Number.isInteger(guess) && guess >= 1 && guess <= 64))
    prestartWorkers(resolveWorkers(guess, input.files.length, input.bytes) - 1);
  const { configOrDefaults, detectFiles } = await import('../../app.js');
  const config = configOrDefaults(ctx.home);
  const flags = await parseRunFlags(o, config.detect);
  const rules = await runSigma(ctx, config, o.rules);
  const report = createRunReporter(ctx, {
    progress: progressWanted(ctx, format),
    totalBytes: input.bytes,
    explicit: input.explicit,
  });
  for (const p of input.problems) report.rejection(p);
  const result = await detectFiles(ctx.home, {
    files: input.files,
    tokenFiles: o.tokens ? [o.tokens] : [],
    now: ctx.now(),
    nowMs: ctx.now().getTime(),
    quietGapMs: flags.quietGapMs,
    workers: resolveWorkers(flags.workers, input.files.length, input.bytes, config.limits),
    prefilter: o.prefilter !== false,
    ...(rules.sigma ? { sigma: rules.sigma } : {}),
    onRejection: report.rejection,
    onSkipped: report.skipped,
    onProgress: report.progress,
    onIpDataError: (message) => ctx.io.err(`keysnare: ${message}\n`),
  });
  report.finish();
  if (result.tokens === 0)
    ctx.io.err(
      'keysnare: no canary tokens registered or given (--tokens FILE); canary rules will not fire\n',
    );
  printFindings(ctx, result.findings, format);
  ctx.io.err(summaryLine(result.stats, result.findings.length));
  if (o.stats) {
    const maxRssBytes = process.resourceUsage().maxRSS * 1024;
    ctx.io.err(
      `stats ${JSON.stringify({ ...result.stats, findings: result.findings.length, elapsedMs: Date.now() - started, maxRssBytes })}\n`,
    );
  }
  return exitCodeOf(input.problems.length + rules.failed, result.stats);
}

/**
 * 1 when any path given (or a file under it) could not be read, or a Sigma rule file was in
 * error, after the rest was processed.
 */
export function exitCodeOf(problems: number, stats: RunStats): number {
  return problems > 0 || stats.unreadable > 0 ? 1 : 0;
}

/** `keysnare detect PATH…`: offline detection over CloudTrail exports. */
export const registerDetect: RegisterCommand = (program, run) => {
  program
    .command('detect <paths...>')
    .description(
      'run detection over CloudTrail files or folders and print findings (writes nothing)',
    )
    .option(
      '--tokens <file>',
      'extra canary tokens (JSON/YAML list, same format as `token import`)',
    )
    .option('--format <format>', 'table or jsonl', 'table')
    .option('--rules <sigma:PATH>', RULES_FLAG_HELP, collectRules)
    .option(
      '--workers <n>',
      'files read in parallel (the main thread and N-1 worker threads): auto (one per CPU) or a number',
    )
    .option('--quiet-gap <minutes>', 'canary events further apart than this start a new finding')
    .option(
      '--no-prefilter',
      'normalize every record of every file, even where no enabled rule could match (for checking)',
    )
    .option('--stats', 'print a final `stats {json}` line on stderr')
    .addHelpText('after', RUN_HELP)
    .action(run(detectAction));
};
