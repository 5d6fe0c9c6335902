/**
 * Output helpers for the CLI: JSON lines for machines, tables for people, and the one place that
 * turns errors into text. Everything printed from CloudTrail is attacker-controlled: tables and
 * messages pass it through {@link safeText} (controls, bidi and zero-width characters, line
 * breaks become spaces) and cap widths.
 */
import { AppError, describeError, safeCell, safeText } from '../core/index.js';

export { safeText };

/** Output format of list-like commands. */
export type Format = 'table' | 'jsonl';

/** Writable text streams (process.stdout/stderr in real use, buffers in tests). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly isTty: boolean;
}

/** Parse a --format value. */
export function parseFormat(v: string | undefined, fallback: Format = 'table'): Format {
  if (v === undefined) return fallback;
  if (v === 'table' || v === 'jsonl') return v;
  throw new AppError('KS_USAGE', { reason: `--format must be table or jsonl, not "${v}"` });
}

/** A `--limit` value: a positive integer, else a usage error. */
export function parseLimit(v: string): number {
  const limit = Number(v);
  if (!Number.isInteger(limit) || limit < 1)
    throw new AppError('KS_USAGE', { reason: '--limit must be a positive integer' });
  return limit;
}

/** A plain-text table; cells are sanitized and cut to `max` characters. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly unknown[])[],
  max = 60,
): string {
  const cells = rows.map((r) => r.map((c) => safeCell(c, max)));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return (
    [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n'
  );
}

/** One JSON object per line. */
export function renderJsonl(items: readonly unknown[]): string {
  return items.map((i) => JSON.stringify(i)).join('\n') + (items.length ? '\n' : '');
}

/** Print an error the way the CLI does; returns the exit code. */
export function reportError(err: unknown, io: Io, debug: boolean): number {
  if (err instanceof AppError) {
    io.err(`keysnare: ${safeText(err.message)}\n`);
    for (const l of err.lines) io.err(`  ${safeText(l)}\n`);
    if (debug && err.stack) io.err(`${err.stack}\n`);
    return err.exitCode;
  }
  io.err(`keysnare: unexpected error: ${safeText(describeError(err))}\n`);
  if (debug && err instanceof Error && err.stack) io.err(`${err.stack}\n`);
  else io.err('  (run again with --debug for the stack trace)\n');
  return 1;
}
