/**
 * What `detect` and `ingest` print on stderr while they run: rejections (capped per run), files
 * given on the command line that were skipped, and progress when stderr is a terminal.
 */
import type { RecordRejection } from '../core/index.js';
import type { RunStats } from '../app.js';
import type { CommandContext } from './context.js';
import type { Format } from './output.js';
import { safeText } from './output.js';

/** Rejection and skip lines printed per run; the rest are counted in one closing line. */
export const MAX_REJECTION_LINES = 200;
/** Progress is redrawn at most this often (and always for the last file). */
export const PROGRESS_INTERVAL_MS = 250;

/** `--help` text shared by `detect` and `ingest`. */
export const RUN_HELP = `
Exit codes: 0 done (findings or not); 1 when a path given (or a file or folder under it) is
missing or cannot be read, or a Sigma rule file is in error (every other path and rule is still
read and run, and each failure named); 2 usage or configuration error.
Rejected files and records are named on stderr, at most ${MAX_REJECTION_LINES} lines per run;
the summary line counts them all. Progress goes to stderr when it is a terminal
(not under CI, not with --format jsonl).
`;

/** One line on stderr per rejection: file, record index (once), why. */
export function rejectionLine(r: RecordRejection): string {
  const where = r.index === undefined ? r.file : `${r.file} record ${r.index}`;
  return `keysnare: skipped ${safeText(where)}: ${safeText(r.reason)}\n`;
}

/** Stderr output of one run. */
export interface RunReporter {
  readonly rejection: (r: RecordRejection) => void;
  /** A file skipped on purpose (empty, digest …): named only when it was given explicitly. */
  readonly skipped: (file: string, why: string) => void;
  readonly progress: (done: number, total: number, s: RunStats) => void;
  /** A phase after the files (progress only). */
  readonly stage: (what: string) => void;
  /** Close an open progress line and say how many lines were not shown. */
  readonly finish: () => void;
}

/** Progress only for people: stderr a terminal, not CI, not machine output. */
export function progressWanted(ctx: CommandContext, format: Format): boolean {
  const ci = ctx.env['CI'];
  const underCi = ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
  return ctx.io.isTty && !underCi && format === 'table';
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}

/** A reporter writing to `ctx.io.err`. */
export function createRunReporter(
  ctx: CommandContext,
  o: {
    readonly progress: boolean;
    readonly totalBytes: number;
    readonly explicit: ReadonlySet<string>;
    readonly maxLines?: number;
  },
): RunReporter {
  const max = o.maxLines ?? MAX_REJECTION_LINES;
  let shown = 0;
  let hidden = 0;
  let open = false;
  let last = Number.NEGATIVE_INFINITY;
  const line = (text: string): void => {
    if (open) ctx.io.err('\n');
    open = false;
    if (shown < max) {
      shown++;
      ctx.io.err(text);
    } else hidden++;
  };
  return {
    rejection: (r) => line(rejectionLine(r)),
    skipped: (file, why) => {
      if (o.explicit.has(file)) line(rejectionLine({ file, reason: why }));
    },
    progress: (done, total, s) => {
      if (!o.progress) return;
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS && done !== total) return;
      last = now;
      const bytes = `${mb(s.bytes)}/${mb(Math.max(o.totalBytes, s.bytes))} MB`;
      ctx.io.err(
        `\r  ${done}/${total} files, ${bytes}, ${s.records} records, ${s.rejected} rejected`,
      );
      open = done !== total;
      if (!open) ctx.io.err('\n');
    },
    stage: (what) => {
      if (!o.progress) return;
      if (open) ctx.io.err('\n');
      ctx.io.err(`  ${what}…\n`);
      open = false;
    },
    finish: () => {
      if (open) ctx.io.err('\n');
      open = false;
      if (hidden > 0) {
        ctx.io.err(
          `keysnare: ${hidden} more rejection line(s) not shown (at most ${max} per run; the summary counts every rejection)\n`,
        );
      }
    },
  };
}
