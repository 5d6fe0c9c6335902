/**
 * Tolerant parsing of CloudTrail time values. `eventTime` is ISO-8601 UTC in practice, but exports,
 * LookupEvents, STS responses and hand-made files carry other shapes; all are read as UTC unless an
 * offset is given. Regexes here are anchored, have no nested quantifiers and run on capped input.
 */

/** Inputs longer than this are not times. */
const MAX_TIME_TEXT = 64;
/** Numbers below this are epoch seconds, above it epoch milliseconds (1e11 s is the year 5138). */
const SECONDS_LIMIT = 1e11;
/** The range a JavaScript Date can represent. */
const MAX_DATE_MS = 8.64e15;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const BASIC =
  /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?(?:[.,](\d{1,9}))?(Z|[+-]\d{2}(?:\d{2})?)?$/i;
const NUMERIC = /^-?\d{1,20}(?:\.\d{1,9})?$/;
const JAVA =
  /^([A-Za-z]{3})[A-Za-z]*\.? {1,2}(\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?[ \u00a0\u202f]?([AaPp][Mm])$/;

const MONTHS: Readonly<Record<string, number>> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

/** A parsed instant. */
export interface ParsedTime {
  /** `toISOString()` form. */
  readonly iso: string;
  readonly ms: number;
}

function fromMs(ms: number): ParsedTime | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return undefined;
  return { iso: new Date(ms).toISOString(), ms };
}

function fromEpoch(n: number): ParsedTime | undefined {
  if (!Number.isFinite(n)) return undefined;
  return fromMs(Math.abs(n) < SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n));
}

/** Offset text (`Z`, `+02`, `+0230`, `-05:00`) in minutes east of UTC, or undefined when malformed. */
function offsetMinutes(text: string | undefined): number | undefined {
  if (text === undefined || text === 'Z' || text === 'z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  frac?: string | undefined;
  offset?: string | undefined;
}

/** Build the instant from calendar fields, rejecting out-of-range values instead of rolling over. */
function fromFields(f: Fields): ParsedTime | undefined {
  // Date.UTC maps years 0–99 to 1900–1999, and no CloudTrail event predates the year 100.
  if (f.y < 100 || f.mo < 0 || f.mo > 11 || f.d < 1) return undefined;
  if (f.h > 23 || f.mi > 59 || f.s > 60) return undefined;
  const offset = offsetMinutes(f.offset);
  if (offset === undefined) return undefined;
  const day = Date.UTC(f.y, f.mo, f.d);
  if (new Date(day).getUTCDate() !== f.d) return undefined; // 31 February and friends
  const fracMs = f.frac === undefined ? 0 : Math.floor(Number(`0.${f.frac}`) * 1000);
  return fromMs(Date.UTC(f.y, f.mo, f.d, f.h, f.mi, f.s) + fracMs - offset * 60_000);
}

function parseIsoLike(m: RegExpExecArray): ParsedTime | undefined {
  return fromFields({
    y: Number(m[1]),
    mo: Number(m[2]) - 1,
    d: Number(m[3]),
    h: Number(m[4]),
    mi: Number(m[5]),
    s: Number(m[6] ?? 0),
    frac: m[7],
    offset: m[8]?.toUpperCase(),
  });
}

function parseJava(m: RegExpExecArray): ParsedTime | undefined {
  const month = MONTHS[(m[1] ?? '').toLowerCase()];
  const hour12 = Number(m[4]);
  if (month === undefined || hour12 < 1 || hour12 > 12) return undefined;
  const pm = (m[7] ?? '').toLowerCase() === 'pm';
  const h = (hour12 % 12) + (pm ? 12 : 0);
  return fromFields({
    y: Number(m[3]),
    mo: month,
    d: Number(m[2]),
    h,
    mi: Number(m[5]),
    s: Number(m[6] ?? 0),
  });
}

/** Value of `len` decimal digits at `at`, or -1. */
function digitsAt(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function daysInMonth(y: number, month: number): number {
  if (month === 2) return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Fast path for the form CloudTrail writes (`2025-01-01T10:05:07Z`): no regex, no Date object. */
function parseCanonical(s: string): ParsedTime | undefined {
  if (s.length !== 20 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':')
    return undefined;
  if (s[16] !== ':' || s[19] !== 'Z') return undefined;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 2);
  const d = digitsAt(s, 8, 2);
  const h = digitsAt(s, 11, 2);
  const mi = digitsAt(s, 14, 2);
  const sec = digitsAt(s, 17, 2);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return undefined;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  return { iso: `${s.slice(0, 19)}.000Z`, ms: Date.UTC(y, mo - 1, d, h, mi, sec) };
}

/**
 * Parse a CloudTrail time value: ISO-8601 with or without fractional seconds or offset, the same
 * with a space instead of `T`, basic format (`20131102T010628Z`), epoch seconds or milliseconds (as
 * a number or numeric string), or Java-style (`Jul 18, 2014 4:07:39 PM`, `Nov 30, 2024, 8:43:17 PM`).
 * Without an offset the time is UTC. Returns undefined for anything else, never throws.
 */
export function parseTime(value: unknown): ParsedTime | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value.length > MAX_TIME_TEXT) return undefined;
  const canonical = parseCanonical(value);
  if (canonical) return canonical;
  const s = value.trim();
  const iso = ISO.exec(s);
  if (iso) return parseIsoLike(iso);
  if (NUMERIC.test(s)) return fromEpoch(Number(s));
  const basic = BASIC.exec(s);
  if (basic) return parseIsoLike(basic);
  const java = JAVA.exec(s);
  return java ? parseJava(java) : undefined;
}
