/**
 * The audit as a plain-text table for people: one row per token. Every cell is cleaned of control
 * characters and capped, so hostile token fields cannot break the layout or the terminal.
 */
import type { AuditResult } from './audit.js';
import { cleanText } from './text.js';

const HEADER = ['TOKEN', 'KEY', 'ACCOUNT', 'SCORE', 'TOP PROBLEM'] as const;

function topProblem(result: AuditResult): string {
  const first = result.problems[0];
  if (first) {
    const more = result.problems.length > 1 ? ` (+${result.problems.length - 1} more)` : '';
    return `${first.severity}: ${first.message}${more}`;
  }
  const unknown = result.indeterminate[0];
  if (unknown) return `could not check ${unknown.check}: ${unknown.error}`;
  return 'none found';
}

/** Score, marked `?` when some check could not tell (the score is then an upper bound). */
function scoreCell(result: AuditResult): string {
  return result.indeterminate.length > 0 ? `${result.score}?` : String(result.score);
}

function row(result: AuditResult): string[] {
  return [
    cleanText(result.tokenId, 40),
    cleanText(result.accessKeyId, 32),
    cleanText(result.accountId ?? '-', 16),
    scoreCell(result),
    cleanText(topProblem(result), 160),
  ];
}

/**
 * Render `results` as an aligned table followed by a one-line summary.
 *
 * @example
 * formatAuditTable(await auditTokens(tokens, ctx))
 */
export function formatAuditTable(results: readonly AuditResult[]): string {
  const rows = [[...HEADER], ...results.map(row)];
  const widths = HEADER.map((_, col) => Math.max(...rows.map((r) => [...(r[col] ?? '')].length)));
  const lines = rows.map((r) =>
    r
      .map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const withProblems = results.filter((r) => r.problems.length > 0).length;
  const unsure = results.filter((r) => r.indeterminate.length > 0).length;
  lines.push(
    `${results.length} token(s) audited, ${withProblems} with problems` +
      (unsure > 0 ? `, ${unsure} with checks that could not tell (score marked ?)` : '') +
      '; score 100 = nothing recognisable found, lower = easier to tell it is a canary',
  );
  return lines.join('\n');
}
