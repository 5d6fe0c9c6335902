/**
 * The IAM credential report (reference/aws.md §3): CSV read by header name, AWS's value conventions
 * (`true`/`false` in any case; `N/A`, `no_information`, `not_supported` and empty mean "no value";
 * ISO timestamps with an offset) turned into typed rows. The report is treated as hostile input:
 * never throws, caps rows, field sizes and problem lines, and reports every value it could not read
 * with its row and column.
 */
import { parseCsv } from '../core/index.js';

/** One of a user's two access key slots (`access_key_1_*`, `access_key_2_*`). */
export interface KeySlot {
  readonly active?: boolean;
  /** ISO (`toISOString`): creation or last rotation of the key. */
  readonly lastRotated?: string;
  /** ISO (`toISOString`): first use within the latest 15-minute span of use. */
  readonly lastUsedDate?: string;
  readonly lastUsedRegion?: string;
  /** Service namespace (`s3`, `sts`, `iam` …). */
  readonly lastUsedService?: string;
}

/** One user of the report. The report has no access key id column: slots are positional. */
export interface CredentialReportRow {
  readonly user: string;
  readonly arn: string;
  /** True for the account's root row (`<root_account>`); kept so callers can decide. */
  readonly root: boolean;
  readonly keys: readonly [KeySlot, KeySlot];
}

/** Parsed rows and what could not be read. */
export interface CredentialReport {
  readonly rows: CredentialReportRow[];
  readonly problems: string[];
}

/** Data rows read at most (the header is not counted). */
export const MAX_REPORT_ROWS = 100_000;
/** Characters kept per field. */
export const MAX_REPORT_FIELD = 1_048_576;
/** Problem lines kept; past this one line says how many more there were. */
export const MAX_REPORT_PROBLEMS = 1_000;

/** The `user` value of the root row. */
export const ROOT_USER = '<root_account>';

const NO_VALUE = new Set(['', 'n/a', 'no_information', 'not_supported']);
const SLOT_FIELDS = [
  ['active', 'active'],
  ['lastRotated', 'last_rotated'],
  ['lastUsedDate', 'last_used_date'],
  ['lastUsedRegion', 'last_used_region'],
  ['lastUsedService', 'last_used_service'],
] as const;
const ISO_INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/i;
const NAMESPACE = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const USER = /^(?:<root_account>|[\w+=,.@-]{1,128})$/;
const ARN = /^arn:[\w.-]{1,32}:iam::\d{12}:[\x21-\x7e]{1,2000}$/;

type Column = { readonly name: string; readonly index: number | undefined };
type Problems = (message: string) => void;

/**
 * Parse a credential report's CSV text. Columns are found by header name, so appended or reordered
 * columns are fine; a missing `user` or `arn` column means no rows.
 */
export function parseCredentialReport(csv: string): CredentialReport {
  const problems: string[] = [];
  let dropped = 0;
  const report: Problems = (m) => {
    if (problems.length < MAX_REPORT_PROBLEMS) problems.push(m);
    else dropped++;
  };
  const parsed = parseCsv(csv, MAX_REPORT_ROWS + 1, MAX_REPORT_FIELD);
  parsed.problems.forEach(report);
  const rows = readRows(parsed.rows, report);
  if (dropped > 0) problems.push(`${dropped} more problems not listed`);
  return { rows, problems };
}

function readRows(table: readonly string[][], report: Problems): CredentialReportRow[] {
  const [header, ...records] = table;
  if (!header) {
    report('the report is empty: no header row');
    return [];
  }
  const columns = indexHeader(header, report);
  const missing = ['user', 'arn'].filter((name) => !columns.has(name));
  if (missing.length > 0) {
    report(`the header has no ${missing.join(' or ')} column; not a credential report`);
    return [];
  }
  const absent = slotColumnNames().filter((name) => !columns.has(name));
  if (absent.length > 0) report(`the header lacks columns ${absent.join(', ')}; read as empty`);
  const col = (name: string): Column => ({ name, index: columns.get(name) });
  const rows: CredentialReportRow[] = [];
  records.forEach((fields, i) => {
    const rowNo = i + 2;
    if (fields.length !== header.length) {
      report(`row ${rowNo}: ${fields.length} fields where the header has ${header.length}`);
    }
    const row = readRow(fields, rowNo, col, report);
    if (row) rows.push(row);
  });
  return rows;
}

/** Header name (trimmed, lowercase) → first column index holding it. */
function indexHeader(header: readonly string[], report: Problems): Map<string, number> {
  const columns = new Map<string, number>();
  header.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    if (name === '') return;
    if (columns.has(name)) report(`column ${index + 1}: header ${quote(name)} repeats; ignored`);
    else columns.set(name, index);
  });
  return columns;
}

function slotColumnNames(): string[] {
  return [1, 2].flatMap((n) => SLOT_FIELDS.map(([, suffix]) => `access_key_${n}_${suffix}`));
}

function readRow(
  fields: readonly string[],
  rowNo: number,
  col: (name: string) => Column,
  report: Problems,
): CredentialReportRow | undefined {
  const cell = (c: Column): string => (c.index === undefined ? '' : (fields[c.index] ?? ''));
  const user = cell(col('user')).trim();
  const arn = cell(col('arn')).trim();
  if (!USER.test(user)) {
    report(`row ${rowNo}, column user: ${quote(user)} is not an IAM user name; row skipped`);
    return undefined;
  }
  if (!ARN.test(arn)) {
    report(`row ${rowNo} (user ${user}), column arn: ${quote(arn)} is not an IAM ARN; row skipped`);
    return undefined;
  }
  const where = (c: Column): string => `row ${rowNo} (user ${user}), column ${c.name}`;
  const slot = (n: 1 | 2): KeySlot => {
    const out: Record<string, string | boolean> = {};
    for (const [key, suffix] of SLOT_FIELDS) {
      const c = col(`access_key_${n}_${suffix}`);
      const value = readValue(key, cell(c), (m) => report(`${where(c)}: ${m}`));
      if (value !== undefined) out[key] = value;
    }
    return out;
  };
  return { user, arn, root: user === ROOT_USER, keys: [slot(1), slot(2)] };
}

function readValue(
  key: (typeof SLOT_FIELDS)[number][0],
  raw: string,
  report: (message: string) => void,
): string | boolean | undefined {
  const value = raw.trim();
  if (NO_VALUE.has(value.toLowerCase())) return undefined;
  let out: string | boolean | undefined;
  switch (key) {
    case 'active':
      out = parseBoolean(value);
      break;
    case 'lastRotated':
    case 'lastUsedDate':
      out = parseInstant(value);
      break;
    case 'lastUsedRegion':
    case 'lastUsedService':
      out = NAMESPACE.test(value) ? value : undefined;
      break;
  }
  if (out === undefined) report(`cannot read ${quote(value)}; left empty`);
  return out;
}

/** `true`/`false` in any case; anything else is undefined. */
export function parseBoolean(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : undefined;
}

/**
 * An ISO-8601 instant with `Z` or an offset (`2017-06-10T02:35:07+00:00`) as `toISOString()`, or
 * undefined when it is not one or names a day or time that does not exist (no rolling over).
 */
export function parseInstant(value: string): string | undefined {
  const m = ISO_INSTANT.exec(value.trim());
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const [year, month, date, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const offset = (m[8] === '-' ? -1 : 1) * (n(9) * 60 + n(10));
  if (hour > 23 || minute > 59 || second > 59 || n(9) > 14 || n(10) > 59) return undefined;
  const day = new Date(0);
  day.setUTCFullYear(year, month - 1, date);
  if (day.getUTCMonth() !== month - 1 || day.getUTCDate() !== date) return undefined;
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const minutes = hour * 60 + minute - offset;
  return new Date(day.getTime() + (minutes * 60 + second) * 1000 + millis).toISOString();
}

/** A hostile value for a problem line: escaped and at most 80 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}
