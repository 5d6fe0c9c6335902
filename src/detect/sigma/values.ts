/**
 * The value-matching half of the Sigma compiler (Sigma specification v2, modifiers appendix):
 * one detection item `field|mod|mod: value-or-list` becomes a test over a CloudTrail record.
 *
 * Choices where the spec leaves room (pySigma followed where the spec is silent):
 * - Values are case-insensitive strings; `cased` makes them exact, base64 output included.
 * - Wildcard patterns never run as one backtracking RegExp: they are split at `*` into
 *   fixed-width segments (escaped literals, `.` for `?`) placed leftmost in turn, O(text × rule).
 * - An event array matches when any element does; an object (also an array inside an array) is
 *   matched as its compact JSON text. `null`, `undefined` have no string form and match no string.
 * - Modifiers apply in the order written (`base64offset|contains`, not `contains|base64offset`).
 * - `neq` and the time modifiers (spec 2.1) are recognised but not supported yet: an error.
 * - `re` on RE2, linear time (see {@link REGEX_INPUT_CAP}).
 */
import { Buffer } from 'node:buffer';
import RE2 from 're2';
import { escapeRegExp } from '../../core/index.js';
import { regexLiteral } from './literal.js';

/** A problem in a detection item: unknown modifier, bad regex/CIDR, modifiers that do not go together, a value of the wrong type. */
export class SigmaValueError extends Error {
  override readonly name = 'SigmaValueError';
}

/** Reads a field of the event by its dotted path (the compiler supplies it). */
export type FieldGetter = (path: string) => unknown;

export interface ValueOptions {
  /** Values for `|expand` placeholders (`%name%`), from config; a placeholder without values expands to nothing (the item then matches nothing, documented). */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

/** One compiled detection item `field|mod|mod: value-or-list`. */
export interface FieldItem {
  readonly field: string; // the dotted path before the first `|`
  readonly modifiers: readonly string[];
  test(get: FieldGetter): boolean;
}

/**
 * `re` runs on RE2 (the `re2` package): linear time in the text, whatever the pattern, so a rule
 * from a downloaded file cannot stall matching; patterns needing backtracking (lookaround,
 * backreferences) do not compile and are refused with RE2's reason. Only the first 64 KB (UTF-16
 * units) of a value are searched, which bounds the time per value (`$` may then match at the cut).
 */
export const REGEX_INPUT_CAP = 64 * 1024;
/** Alternatives one value may expand into (`expand` combinations). */
const MAX_EXPANSIONS = 4096;

const ANY = Symbol('*');
const ONE = Symbol('?');
/** `windash`: any of the five dash characters, matched as a class instead of 5^n permutations. */
const DASH = Symbol('windash');
interface Placeholder {
  readonly placeholder: string;
}
type Part = string | typeof ANY | typeof ONE | typeof DASH | Placeholder;
type Pattern = readonly Part[];
type Scalar = string | number | boolean | null;
type Encoding = 'utf8' | 'utf16le' | 'utf16be' | 'utf16';
type Mods = readonly string[];
type Kind = 'string' | 're' | 'cidr' | 'gt' | 'gte' | 'lt' | 'lte' | 'exists' | 'fieldref';

/** A field's value, with its string forms worked out once for all of an item's values. */
interface FieldValue {
  readonly raw: unknown;
  readonly elements: readonly unknown[];
  strings(): readonly string[];
}
type Test = (v: FieldValue, get: FieldGetter) => boolean;

const RE_FLAGS: Readonly<Record<string, 'i' | 'm' | 's'>> = {
  i: 'i',
  ignorecase: 'i',
  m: 'm',
  multiline: 'm',
  s: 's',
  dotall: 's',
};
const ENCODINGS: Readonly<Record<string, Encoding>> = {
  utf16le: 'utf16le',
  wide: 'utf16le',
  utf16be: 'utf16be',
  utf16: 'utf16',
};
const STRING_MODS = 'contains startswith endswith base64 base64offset windash expand'.split(' ');
const KINDS: Readonly<Record<string, readonly string[]>> = {
  re: ['all', ...Object.keys(RE_FLAGS)],
  cidr: ['all'],
  gt: ['all'],
  gte: ['all'],
  lt: ['all'],
  lte: ['all'],
  exists: [],
  fieldref: ['all', 'cased', 'contains', 'startswith', 'endswith'],
};
const FLAGS = ['all', 'cased'];
const UNSUPPORTED = ['neq', 'minute', 'hour', 'day', 'week', 'month', 'year'];
const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/** Own keys only: a modifier named `constructor` is unknown, not a prototype hit. */
const has = (table: object, key: string): boolean => Object.hasOwn(table, key);

function fail(message: string, cause?: unknown): never {
  throw new SigmaValueError(message, cause === undefined ? undefined : { cause });
}

function stringForm(x: unknown): string | undefined {
  if (typeof x === 'string') return x;
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  return x !== null && typeof x === 'object' ? JSON.stringify(x) : undefined;
}

function fieldValue(raw: unknown): FieldValue {
  const elements = Array.isArray(raw) ? (raw as unknown[]) : [raw];
  let strings: string[] | undefined;
  return {
    raw,
    elements,
    strings: () => (strings ??= elements.map(stringForm).filter((s) => s !== undefined)),
  };
}

/** Event numbers, and strings written as decimal numbers (`'12'`, `'1.5e3'`; not `''`, `'0x1'`). */
function toNumber(x: unknown): number | undefined {
  if (typeof x === 'number') return x;
  return typeof x === 'string' && NUMERIC.test(x) ? Number(x) : undefined;
}

/** Which kind of test the modifiers ask for; throws on unknown or clashing modifiers. */
function checkModifiers(mods: Mods, key: string): Kind {
  const known = (m: string) =>
    [KINDS, RE_FLAGS, ENCODINGS].some((t) => has(t, m)) ||
    STRING_MODS.includes(m) ||
    FLAGS.includes(m);
  for (const [i, m] of mods.entries()) {
    if (UNSUPPORTED.includes(m)) fail(`modifier '${m}' is not supported yet in '${key}'`);
    if (!known(m)) fail(`unknown modifier '${m}' in '${key}'`);
    if (mods.indexOf(m) !== i) fail(`modifier '${m}' is repeated in '${key}'`);
  }
  const kinds = mods.filter((m) => has(KINDS, m)) as Exclude<Kind, 'string'>[];
  const [kind, second] = kinds;
  if (second !== undefined)
    fail(`modifier '${second}' does not go together with '${kind}' in '${key}'`);
  if (kind !== undefined) {
    const other = mods.find((m) => m !== kind && !KINDS[kind]?.includes(m));
    if (other !== undefined)
      fail(`modifier '${other}' does not go together with '${kind}' in '${key}'`);
  }
  const flag = mods.find((m) => has(RE_FLAGS, m));
  if (flag !== undefined && kind !== 're') fail(`modifier '${flag}' needs 're' in '${key}'`);
  checkOrder(mods, key);
  return kind ?? 'string';
}

function checkOrder(mods: Mods, key: string): void {
  const at = (names: readonly string[]) => mods.filter((m) => names.includes(m));
  const clash = (a: string, b: string) =>
    fail(`modifier '${b}' does not go together with '${a}' in '${key}'`);
  const [place, place2] = at(['contains', 'startswith', 'endswith']);
  if (place !== undefined && place2 !== undefined) clash(place, place2);
  const [b64, b642] = at(['base64', 'base64offset']);
  if (b64 !== undefined && b642 !== undefined) clash(b64, b642);
  const [enc, enc2] = at(Object.keys(ENCODINGS));
  if (enc !== undefined && enc2 !== undefined) clash(enc, enc2);
  const b64At = b64 === undefined ? -1 : mods.indexOf(b64);
  if (enc !== undefined && mods.indexOf(enc) > b64At)
    fail(`modifier '${enc}' must come before base64 or base64offset in '${key}'`);
  if (b64 === undefined) return;
  if (mods.includes('windash')) clash(b64, 'windash');
  if (place !== undefined && mods.indexOf(place) < b64At)
    fail(`modifier '${place}' before '${b64}' would encode its wildcards in '${key}'`);
  if (b64 === 'base64offset' && place !== undefined && place !== 'contains') clash(b64, place);
}

/** A scalar or a list of them; per the spec `null` is never in a list, `all` needs 2+ values. */
function valueList(value: unknown, mods: Mods, key: string): Scalar[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) fail(`'${key}' has an empty value list`);
  for (const v of list) {
    const scalar = v === null || ['string', 'number', 'boolean'].includes(typeof v);
    if (!scalar) fail(`'${key}' takes a string, number, boolean, null or a list of those`);
    if (v === null && Array.isArray(value)) fail(`'${key}': null cannot be in a list`);
  }
  if (mods.includes('all') && list.length < 2)
    fail(`'${key}': 'all' needs a list of two or more values`);
  return list as Scalar[];
}

/**
 * Sigma string syntax: `*` any run, `?` one character; `\` escapes `*`, `?`, `\` (and `%` when
 * placeholders are on, per the spec: `\%plain%name%`); before anything else it is literal.
 */
function parseSigmaString(s: string, placeholders: boolean): Part[] {
  const parts: Part[] = [];
  const special = placeholders ? '*?\\%' : '*?\\';
  const name = /%(\w+)%/y;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    const next = s.charAt(i + 1);
    name.lastIndex = i;
    const ph = placeholders && c === '%' ? name.exec(s) : null;
    if (c === '\\' && next !== '' && special.includes(next)) {
      parts.push(next);
      i++;
    } else if (c === '*' || c === '?') {
      parts.push(c === '*' ? ANY : ONE);
    } else if (ph?.[1] !== undefined) {
      parts.push({ placeholder: ph[1] });
      i += ph[0].length - 1;
    } else {
      parts.push(c);
    }
  }
  return normalize(parts);
}

/**
 * The literal runs of a Sigma string (the text between its wildcards, escapes resolved): what a
 * value that matches it must contain. Placeholders are not expanded (`%name%` stays literal text
 * unless `placeholders`, when it splits the runs like a wildcard).
 */
export function sigmaLiterals(s: string, placeholders = false): string[] {
  return parseSigmaString(s, placeholders).filter((p): p is string => typeof p === 'string');
}

/** Merges adjacent literals, drops empty ones and collapses runs of `*`. */
function normalize(parts: readonly Part[]): Part[] {
  const out: Part[] = [];
  for (const p of parts) {
    const last = out[out.length - 1];
    if (p === '' || (p === ANY && last === ANY)) continue;
    if (typeof p === 'string' && typeof last === 'string') out[out.length - 1] = last + p;
    else out.push(p);
  }
  return out;
}

function literalText(p: Pattern, mod: string): string {
  if (!p.every((x) => typeof x === 'string'))
    fail(`'${mod}' cannot encode wildcards or placeholders`);
  return p.join('');
}

function encode(text: string, enc: Encoding): Buffer {
  const le = () => Buffer.from(text, 'utf16le');
  if (enc === 'utf8') return Buffer.from(text, 'utf8');
  if (enc === 'utf16le') return le();
  return enc === 'utf16be' ? le().swap16() : Buffer.concat([Buffer.from([0xff, 0xfe]), le()]);
}

/** pySigma's shifts: encode after 0, 1, 2 bytes of prefix, trim what the neighbours affect. */
function base64Offsets(bytes: Buffer): string[] {
  const start = [0, 2, 3];
  const end = [undefined, -3, -2];
  return [0, 1, 2].map((i) => {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const variant = b64.slice(start[i], end[(bytes.length + i) % 3]);
    return variant === '' ? fail('the value is too short for base64offset') : variant;
  });
}

/** `windash`: a dash starting a word (pySigma's `\B[-/]\b`, widened to the spec's 5 dashes). */
function windash(p: Pattern): Pattern {
  const split = (s: string): Part[] =>
    s.split(/\B([-/–—―])\b/).map((piece, i) => (i % 2 === 1 ? DASH : piece));
  return normalize(p.flatMap((x) => (typeof x === 'string' ? split(x) : [x])));
}

/** Every combination of the placeholders' values (Sigma strings themselves: wildcards apply). */
function expand(p: Pattern, table: Readonly<Record<string, readonly string[]>>): Pattern[] {
  let out: Part[][] = [[]];
  for (const x of p) {
    if (typeof x !== 'object') out.forEach((o) => o.push(x));
    else {
      const values = Object.hasOwn(table, x.placeholder) ? (table[x.placeholder] ?? []) : [];
      out = out.flatMap((o) => values.map((v) => [...o, ...parseSigmaString(v, false)]));
      if (out.length > MAX_EXPANSIONS) fail(`placeholders expand to over ${MAX_EXPANSIONS} values`);
    }
  }
  return out.map(normalize);
}

/** Applies the string modifiers in the order written: one value becomes its alternatives. */
function transform(mods: Mods, start: Pattern, o: ValueOptions): Pattern[] {
  let out: Pattern[] = [start];
  let enc: Encoding = 'utf8';
  for (const m of mods) {
    if (m === 'contains') out = out.map((p) => normalize([ANY, ...p, ANY]));
    else if (m === 'startswith') out = out.map((p) => normalize([...p, ANY]));
    else if (m === 'endswith') out = out.map((p) => normalize([ANY, ...p]));
    else if (has(ENCODINGS, m)) enc = ENCODINGS[m] ?? enc;
    else if (m === 'base64')
      out = out.map((p) => [encode(literalText(p, m), enc).toString('base64')]);
    else if (m === 'base64offset')
      out = out.flatMap((p) =>
        base64Offsets(encode(literalText(p, m), enc)).map((s): Pattern => [ANY, s, ANY]),
      );
    else if (m === 'windash') out = out.map(windash);
    else if (m === 'expand') out = out.flatMap((p) => expand(p, o.placeholders ?? {}));
  }
  return out;
}

function segmentSource(parts: readonly Part[]): string {
  const piece = (x: Part) =>
    typeof x === 'string'
      ? x.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')
      : x === DASH
        ? '[-/–—―]'
        : '.';
  return parts.map(piece).join('');
}

/** Whole-value wildcard matcher: segments between `*` placed leftmost in turn, ends anchored. */
function compileWildcard(p: Pattern, cased: boolean): (s: string) => boolean {
  const flags = cased ? 'su' : 'isu';
  if (!p.includes(ANY)) {
    const whole = new RegExp(`^${segmentSource(p)}$`, flags);
    if (!p.every((x) => typeof x === 'string')) return (s) => whole.test(s);
    // Plain equality, the commonest item: Unicode simple case folding maps a BMP character to
    // one BMP character, so a string of another length cannot match, and an equal one does.
    const literal = p.join('');
    if (cased) return (s) => s === literal;
    return (s) => s.length === literal.length && (s === literal || whole.test(s));
  }
  const segments: Part[][] = [[]];
  for (const x of p) {
    if (x === ANY) segments.push([]);
    else segments[segments.length - 1]?.push(x);
  }
  const head = segments.shift() ?? [];
  const tail = segments.pop() ?? [];
  const headRe = new RegExp(segmentSource(head), flags + 'y');
  const middle = segments.map((seg) => new RegExp(segmentSource(seg), flags + 'g'));
  const tailRe = new RegExp(`${segmentSource(tail)}$`, flags + 'g');
  return (s) => {
    headRe.lastIndex = 0;
    if (headRe.exec(s) === null) return false;
    let pos = headRe.lastIndex;
    for (const re of middle) {
      re.lastIndex = pos;
      if (re.exec(s) === null) return false;
      pos = re.lastIndex;
    }
    tailRe.lastIndex = pos;
    return tailRe.exec(s) !== null;
  };
}

function stringTest(v: Scalar, mods: Mods, key: string, o: ValueOptions): Test {
  if (v === null) {
    if (mods.length > 0) fail(`'${key}': a null value takes no modifiers`);
    // Absent or null; an array counts when an element is null (any-element rule).
    return ({ raw, elements }) => raw === undefined || elements.includes(null);
  }
  const transforms = mods.filter((m) => !FLAGS.includes(m));
  if (typeof v === 'number' && transforms.length === 0)
    return ({ elements }) => elements.some((x) => typeof x !== 'boolean' && toNumber(x) === v);
  const start = parseSigmaString(String(v), mods.includes('expand'));
  const matchers = transform(mods, start, o).map((p) => compileWildcard(p, mods.includes('cased')));
  return (fv) => fv.strings().some((s) => matchers.some((m) => m(s)));
}

function regexTest(v: Scalar, mods: Mods, key: string): Test {
  if (typeof v !== 'string') fail(`'${key}': a regular expression must be a string`);
  const flags = [...new Set(mods.map((m) => RE_FLAGS[m] ?? ''))].join('');
  let re: RE2;
  try {
    re = new RE2(v, flags);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    fail(`'${key}': invalid regular expression (${reason})`, err);
  }
  // Text every match holds, tested first without case (a superset): RE2 costs microseconds a
  // call, mostly copying the string to UTF-8, and most values do not hold it.
  const literal = regexLiteral(v);
  const pre = literal === undefined ? undefined : new RegExp(escapeRegExp(literal), 'iu');
  return (fv) =>
    fv
      .strings()
      .some(
        (s) =>
          (pre === undefined || pre.test(s)) &&
          re.test(s.length > REGEX_INPUT_CAP ? s.slice(0, REGEX_INPUT_CAP) : s),
      );
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(?:0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256))
    return undefined;
  return parts.reduce((n, p) => (n << 8n) | BigInt(p), 0n);
}

function parseIPv6(text: string): bigint | undefined {
  let s = text;
  if (s.includes('.')) {
    const cut = s.lastIndexOf(':') + 1;
    const v4 = parseIPv4(s.slice(cut));
    if (v4 === undefined || cut === 0) return undefined;
    s = `${s.slice(0, cut)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const count = groups.flat().length;
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...(groups[0] ?? []), ...Array<string>(8 - count).fill('0'), ...(groups[1] ?? [])];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return all.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

/**
 * `cidr`: IPv4 or IPv6, prefix optional (one address); as in Python's ip_network, host bits must be
 * zero. Families never mix (`::ffff:10.0.0.1` is not in `10.0.0.0/8`).
 */
function cidrTest(v: Scalar, key: string): Test {
  const text = typeof v === 'string' ? v : '';
  const [addr = '', prefixText, extra] = text.split('/');
  const v6 = addr.includes(':');
  const bits = v6 ? 128 : 32;
  const parse = v6 ? parseIPv6 : parseIPv4;
  const base = parse(addr);
  const prefix =
    prefixText === undefined ? bits : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (base === undefined || extra !== undefined || !(prefix >= 0 && prefix <= bits))
    fail(`'${key}': '${String(v)}' is not a CIDR network`);
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  if ((base & mask) !== base) fail(`'${key}': '${text}' has host bits set`);
  return ({ elements }) =>
    elements.some((x) => {
      const a = typeof x === 'string' ? parse(x) : undefined;
      return a !== undefined && (a & mask) === base;
    });
}

function compareTest(kind: 'gt' | 'gte' | 'lt' | 'lte', v: Scalar, key: string): Test {
  const limit = typeof v === 'boolean' ? undefined : toNumber(v);
  if (limit === undefined) fail(`'${key}': '${kind}' needs a number, not '${String(v)}'`);
  const ops = {
    gt: (n: number) => n > limit,
    gte: (n: number) => n >= limit,
    lt: (n: number) => n < limit,
    lte: (n: number) => n <= limit,
  };
  return ({ elements }) =>
    elements.some((x) => {
      const n = typeof x === 'boolean' ? undefined : toNumber(x);
      return n !== undefined && ops[kind](n);
    });
}

/** `fieldref`: string forms vs the referenced field's (any elements); absent/null never match. */
function fieldrefTest(v: Scalar, mods: Mods, key: string): Test {
  if (typeof v !== 'string' || v === '') fail(`'${key}': a field reference must be a field path`);
  const fold = mods.includes('cased') ? (s: string) => s : (s: string) => s.toLowerCase();
  const cmp: (a: string, b: string) => boolean = mods.includes('contains')
    ? (a, b) => a.includes(b)
    : mods.includes('startswith')
      ? (a, b) => a.startsWith(b)
      : mods.includes('endswith')
        ? (a, b) => a.endsWith(b)
        : (a, b) => a === b;
  return (fv, get) => {
    const refs = fieldValue(get(v)).strings().map(fold);
    return fv
      .strings()
      .map(fold)
      .some((s) => refs.some((r) => cmp(s, r)));
  };
}

function buildTest(kind: Kind, v: Scalar, mods: Mods, key: string, o: ValueOptions): Test {
  switch (kind) {
    case 'string':
      return stringTest(v, mods, key, o);
    case 're':
      return regexTest(v, mods, key);
    case 'cidr':
      return cidrTest(v, key);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return compareTest(kind, v, key);
    case 'fieldref':
      return fieldrefTest(v, mods, key);
    case 'exists':
      // The spec: presence only, "be it empty or null".
      if (typeof v !== 'boolean') fail(`'${key}': 'exists' takes true or false`);
      return ({ raw }) => (raw !== undefined) === v;
  }
}

/** Keyword patterns: `*v*`, case-insensitive; numbers and booleans as their string forms. */
function keywordMatchers(values: unknown): ((s: string) => boolean)[] {
  const list = Array.isArray(values) ? (values as unknown[]) : [values];
  if (list.length === 0) fail('an empty keyword list');
  return list.map((v) => {
    if (!['string', 'number', 'boolean'].includes(typeof v))
      fail('a keyword must be a plain value');
    return compileWildcard(normalize([ANY, ...parseSigmaString(String(v), false), ANY]), false);
  });
}

/**
 * Compile `key` (e.g. `requestParameters.policyDocument|contains|all`) with its YAML value (scalar, null, or list of scalars). Throws SigmaValueError.
 *
 * A field-less key (the spec's `'|all': [keywords]`) is a keyword search over `get('')`, which
 * must return the whole record (as the compiler's getter does); only `all` may follow it.
 */
export function compileFieldItem(key: string, value: unknown, o: ValueOptions = {}): FieldItem {
  const [field = '', ...modifiers] = key.split('|');
  const all = modifiers.includes('all');
  if (field === '') {
    const bad = modifiers.find((m) => m !== 'all');
    if (bad !== undefined) fail(`keyword search '${key}' takes only 'all', not '${bad}'`);
    valueList(value, modifiers, key);
    const matchers = keywordMatchers(value);
    const test = (get: FieldGetter) => {
      const text: string | undefined = JSON.stringify(get(''));
      const hit = (m: (s: string) => boolean) => text !== undefined && m(text);
      return all ? matchers.every(hit) : matchers.some(hit);
    };
    return { field, modifiers, test };
  }
  const kind = checkModifiers(modifiers, key);
  if (kind === 'exists' && Array.isArray(value)) fail(`'${key}': 'exists' takes true or false`);
  const tests = valueList(value, modifiers, key).map((v) => buildTest(kind, v, modifiers, key, o));
  return {
    field,
    modifiers,
    test(get) {
      const fv = fieldValue(get(field));
      return all ? tests.every((t) => t(fv, get)) : tests.some((t) => t(fv, get));
    },
  };
}

/**
 * Keyword (field-less) search: a list of strings (or one string) matched, case-insensitively with wildcards, as substrings of the record's compact JSON text (JSON.stringify).
 *
 * The text is JSON's, so a keyword meets nested strings as JSON writes them (`\\` for `\`).
 * Keywords take no modifiers, so `o` is unused (placeholders are not expanded).
 */
export function compileKeywords(values: unknown, _o?: ValueOptions): (record: unknown) => boolean {
  const matchers = keywordMatchers(values);
  return (record) => {
    const text: string | undefined = JSON.stringify(record);
    return text !== undefined && matchers.some((m) => m(text));
  };
}
