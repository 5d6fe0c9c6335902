/**
 * Bulk deployment inventories: a CSV with a header row naming at least `host`; other known
 * columns are `path`, `owner`, `notes`, `label`, `format` (bait format) and `profile`.
 */
import { readFileSync } from 'node:fs';
import type { Placement } from '../core/index.js';
import { AppError, describeError, parseCsv } from '../core/index.js';
import { placementValueProblem } from './placement.js';

/** One inventory row. */
export interface InventoryRow {
  readonly line: number;
  readonly placement: Placement;
  readonly label?: string;
  readonly format?: string;
  readonly profile?: string;
}

const PLACEMENT_COLUMNS = ['host', 'path', 'owner', 'notes'];
const KNOWN = [...PLACEMENT_COLUMNS, 'label', 'format', 'profile'];

/** Parse inventory CSV text; every problem is reported at once. */
export function parseInventory(text: string, file: string): InventoryRow[] {
  const { rows, problems } = parseCsv(text, 10_000, 4096);
  const [header, ...body] = rows;
  const cols = (header ?? []).map((h) => h.trim().toLowerCase());
  const issues = [...problems];
  if (!cols.includes('host')) issues.push('the header row must name a "host" column');
  const unknown = cols.filter((c) => !KNOWN.includes(c));
  if (unknown.length)
    issues.push(`unknown column(s): ${unknown.join(', ')} (known: ${KNOWN.join(', ')})`);
  const out: InventoryRow[] = [];
  body.forEach((r, i) => {
    const get = (c: string): string | undefined => {
      const v = r[cols.indexOf(c)]?.trim();
      return v ? v : undefined;
    };
    if (!get('host')) issues.push(`line ${i + 2}: host is empty`);
    for (const c of KNOWN) {
      const problem = placementValueProblem(c, get(c) ?? '');
      if (problem) issues.push(`line ${i + 2}: ${problem}`);
    }
    const placement = Object.fromEntries(
      PLACEMENT_COLUMNS.flatMap((c) => (get(c) ? [[c, get(c)]] : [])),
    );
    const extra = { label: get('label'), format: get('format'), profile: get('profile') };
    out.push({
      line: i + 2,
      placement,
      ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v)),
    });
  });
  if (issues.length)
    throw new AppError(
      'KS_INPUT_INVALID',
      { file, reason: 'invalid inventory' },
      { lines: issues },
    );
  return out;
}

/** Read and parse an inventory file. */
export function readInventory(file: string): InventoryRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('KS_INPUT_READ', { file, reason: describeError(err) }, { cause: err });
  }
  return parseInventory(text, file);
}
