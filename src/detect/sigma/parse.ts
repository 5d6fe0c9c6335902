/**
 * Reads one Sigma rule file (Sigma specification v2) into typed rules, checking its shape and
 * naming file, line and column for every problem. It neither evaluates nor compiles detections
 * and leaves field modifiers and condition expressions uninterpreted: later stages do that, using
 * {@link SigmaDetectionRule.positions} for their own messages.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Scalar,
  type YAMLMap,
} from 'yaml';

/** Where in a rule file something is (1-based). */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

/** A rule file that cannot be used: what is wrong and where. */
export class SigmaParseError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly pos?: SourcePos,
    options?: ErrorOptions,
  ) {
    super(
      pos === undefined ? `${file}: ${reason}` : `${file}:${pos.line}:${pos.column}: ${reason}`,
      options,
    );
    this.name = 'SigmaParseError';
  }
}

/** The rule's `logsource`: which logs it reads. */
export interface SigmaLogsource {
  readonly product?: string;
  readonly service?: string;
  readonly category?: string;
}

/** Metadata shared by detection and correlation rules. */
export interface SigmaRuleMeta {
  readonly file: string;
  readonly id: string;
  readonly title: string;
  /** The rule's `name`, by which correlation rules may refer to it. */
  readonly name?: string;
  readonly status?: string;
  readonly level?: string;
  readonly description?: string;
  readonly author?: string;
  readonly tags: readonly string[];
  readonly references: readonly string[];
  readonly falsepositives: readonly string[];
}

/** A rule with a `detection` section. */
export interface SigmaDetectionRule extends SigmaRuleMeta {
  readonly kind: 'detection';
  readonly logsource: SigmaLogsource;
  /** Search identifiers → their YAML value (map, list of maps, or list of keywords), as plain JS data. */
  readonly searches: Readonly<Record<string, unknown>>;
  /** The condition(s): a list when the rule gives several (old syntax: OR-ed). */
  readonly conditions: readonly string[];
  /** Where each search identifier (its key) and the condition (its value) are. */
  readonly positions: Readonly<Record<string, SourcePos>>;
  /** `timeframe`, at the top level or (older rules) inside `detection`. */
  readonly timeframe?: string;
}

/** The correlation types of the Sigma correlation specification. */
export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
] as const;

/** A rule with a `correlation` section. */
export interface SigmaCorrelationRule extends SigmaRuleMeta {
  readonly kind: 'correlation';
  readonly type: (typeof CORRELATION_TYPES)[number];
  /** Referenced rule ids or names. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  /** As written, e.g. '5m'. */
  readonly timespan: string;
  readonly timespanMs: number;
  /** E.g. `{ gte: 10, field: 'x' }`; required for event_count and value_count. */
  readonly condition?: Readonly<Record<string, number | string>>;
  /** `aliases`: alias → referenced rule name (or id) → that rule's events' field. */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** `generate`: the referenced rules also make findings of their own (default false). */
  readonly generate: boolean;
}

/** One rule document of a file. */
export type SigmaRule = SigmaDetectionRule | SigmaCorrelationRule;

type YamlNode = NonNullable<Document['contents']>;

/** One parsed document of the file being read. */
interface Reader {
  readonly file: string;
  readonly lines: LineCounter;
  readonly doc: Document;
}

/** A map entry with a scalar key; `value` has aliases resolved and is null when empty. */
interface Entry {
  readonly key: Scalar;
  readonly value: YamlNode | null;
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };
const LOGSOURCE_KEYS = ['product', 'service', 'category'];
const COMPARISONS = ['gt', 'gte', 'lt', 'lte', 'eq'];
const CONDITION_SHAPE = `expected ${COMPARISONS.join('/')} with a number, or field with a string`;

function posOf(r: Reader, node: unknown): SourcePos | undefined {
  const range = (node as { range?: unknown } | null | undefined)?.range;
  if (!Array.isArray(range) || typeof range[0] !== 'number') return undefined;
  const { line, col } = r.lines.linePos(range[0]);
  return { line, column: col };
}

function fail(r: Reader, reason: string, node?: unknown): never {
  throw new SigmaParseError(r.file, reason, posOf(r, node));
}

function resolve(r: Reader, node: unknown): YamlNode | null {
  const n = isAlias(node) ? node.resolve(r.doc) : node;
  if (isScalar(n) && n.value === null) return null;
  return isScalar(n) || isMap(n) || isSeq(n) ? n : null;
}

function entries(r: Reader, map: YAMLMap): Map<string, Entry> {
  const out = new Map<string, Entry>();
  for (const pair of map.items) {
    const name = isScalar(pair.key) ? pair.key.value : undefined;
    if (typeof name !== 'string' && typeof name !== 'number' && typeof name !== 'boolean') {
      fail(r, 'map keys must be plain names', pair.key);
    }
    out.set(String(name), { key: pair.key as Scalar, value: resolve(r, pair.value) });
  }
  return out;
}

function mapAt(r: Reader, node: YamlNode | null, what: string, at: unknown): Map<string, Entry> {
  if (!isMap(node)) fail(r, `${what} must be a map`, node ?? at);
  return entries(r, node);
}

function optionalString(r: Reader, e: Entry | undefined, what: string): string | undefined {
  if (e === undefined || e.value === null) return undefined;
  if (!isScalar(e.value) || typeof e.value.value !== 'string')
    fail(r, `${what} must be a string`, e.value);
  return e.value.value;
}

function requiredString(r: Reader, m: Map<string, Entry>, key: string, at: unknown): string {
  const value = optionalString(r, m.get(key), key);
  if (value === undefined || value.trim() === '') {
    fail(r, `missing ${key}`, m.get(key)?.key ?? at);
  }
  return value;
}

function stringList(r: Reader, e: Entry | undefined, what: string): string[] {
  if (e === undefined || e.value === null) return [];
  if (!isSeq(e.value)) fail(r, `${what} must be a list of strings`, e.value);
  return e.value.items.map((item) => {
    const n = resolve(r, item);
    if (!isScalar(n) || typeof n.value !== 'string') {
      fail(r, `${what} must be a list of strings`, n ?? item);
    }
    return n.value;
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function meta(r: Reader, m: Map<string, Entry>): SigmaRuleMeta {
  const root = r.doc.contents;
  return {
    file: r.file,
    id: requiredString(r, m, 'id', root),
    title: requiredString(r, m, 'title', root),
    ...optional('name', optionalString(r, m.get('name'), 'name')),
    ...optional('status', optionalString(r, m.get('status'), 'status')),
    ...optional('level', optionalString(r, m.get('level'), 'level')),
    ...optional('description', optionalString(r, m.get('description'), 'description')),
    ...optional('author', optionalString(r, m.get('author'), 'author')),
    tags: stringList(r, m.get('tags'), 'tags'),
    references: stringList(r, m.get('references'), 'references'),
    falsepositives: stringList(r, m.get('falsepositives'), 'falsepositives'),
  };
}

function logsource(r: Reader, m: Map<string, Entry>): SigmaLogsource {
  const e = m.get('logsource');
  if (e === undefined) fail(r, 'missing logsource', r.doc.contents);
  const out: Record<string, string> = {};
  for (const [key, field] of mapAt(r, e.value, 'logsource', e.key)) {
    const value = optionalString(r, field, `logsource.${key}`);
    if (value !== undefined && LOGSOURCE_KEYS.includes(key)) out[key] = value;
  }
  return out;
}

function isPlainValue(n: YamlNode | null): boolean {
  return n === null || (isScalar(n) && typeof n.value !== 'object');
}

function checkFieldMap(r: Reader, name: string, map: YAMLMap): void {
  const fields = entries(r, map);
  if (fields.size === 0) fail(r, `search ${name} is an empty map`, map);
  for (const [field, { value }] of fields) {
    if (isPlainValue(value)) continue;
    if (isSeq(value)) {
      const bad = value.items.find((item) => !isPlainValue(resolve(r, item)));
      if (bad === undefined) continue;
      fail(r, `${name}.${field}: a value list holds only plain values`, bad);
    }
    fail(r, `${name}.${field}: expected a value or a list of values`, value);
  }
}

/** A search is a field map, a list of field maps (OR-ed), or a list of keywords. */
function checkSearch(r: Reader, name: string, e: Entry): void {
  const node = e.value;
  if (isMap(node)) return checkFieldMap(r, name, node);
  if (!isSeq(node) || node.items.length === 0) {
    fail(r, `search ${name} must be a map, a list of maps or a list of keywords`, node ?? e.key);
  }
  const items = node.items.map((item) => resolve(r, item));
  const keywords = isScalar(items[0]);
  items.forEach((item, i) => {
    if (keywords ? isScalar(item) : isMap(item)) {
      if (isMap(item)) checkFieldMap(r, `${name}[${i}]`, item);
      return;
    }
    const expected = keywords ? 'a keyword (list of plain values)' : 'a map (list of maps)';
    fail(r, `search ${name}[${i}]: expected ${expected}`, item ?? node.items[i]);
  });
}

function plain(r: Reader, e: Entry): unknown {
  try {
    return e.value?.toJS(r.doc);
  } catch (err) {
    // yaml refuses to expand too many aliases (a "billion laughs" document).
    throw new SigmaParseError(r.file, 'cannot expand the YAML aliases', posOf(r, e.key), {
      cause: err,
    });
  }
}

function conditions(r: Reader, e: Entry): string[] {
  const list = isSeq(e.value) ? stringList(r, e, 'condition') : [optionalString(r, e, 'condition')];
  if (list.length === 0 || list.some((c) => c === undefined || c.trim() === '')) {
    fail(r, 'condition must be a non-empty string or list of strings', e.value ?? e.key);
  }
  return list as string[];
}

function detectionRule(r: Reader, m: Map<string, Entry>, section: Entry): SigmaDetectionRule {
  const parts = mapAt(r, section.value, 'detection', section.key);
  const searches: Record<string, unknown> = {};
  const positions: Record<string, SourcePos> = {};
  for (const [name, e] of parts) {
    if (name === 'condition' || name === 'timeframe') continue;
    checkSearch(r, name, e);
    searches[name] = plain(r, e);
    const pos = posOf(r, e.key);
    if (pos !== undefined) positions[name] = pos;
  }
  const condition = parts.get('condition');
  if (condition === undefined) fail(r, 'detection has no condition', section.key);
  if (Object.keys(searches).length === 0)
    fail(r, 'detection has no search identifier', section.key);
  const conditionPos = posOf(r, condition.value ?? condition.key);
  if (conditionPos !== undefined) positions['condition'] = conditionPos;
  const timeframe =
    optionalString(r, m.get('timeframe'), 'timeframe') ??
    optionalString(r, parts.get('timeframe'), 'detection.timeframe');
  return {
    kind: 'detection',
    ...meta(r, m),
    logsource: logsource(r, m),
    searches,
    conditions: conditions(r, condition),
    positions,
    ...optional('timeframe', timeframe),
  };
}

function timespanMs(r: Reader, e: Entry | undefined, at: unknown): { text: string; ms: number } {
  const text = optionalString(r, e, 'timespan');
  if (e === undefined || text === undefined) fail(r, 'missing timespan', e?.key ?? at);
  const match = /^(\d+)([smhd])$/.exec(text);
  const unit = TIME_UNITS_MS[match?.[2] ?? ''];
  if (match === null || unit === undefined) {
    fail(r, 'timespan must be a number and one of s, m, h, d (e.g. 5m)', e.value);
  }
  return { text, ms: Number(match[1]) * unit };
}

function correlationCondition(
  r: Reader,
  e: Entry,
  type: SigmaCorrelationRule['type'],
): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [key, field] of mapAt(r, e.value, 'correlation.condition', e.key)) {
    const value = isScalar(field.value) ? field.value.value : undefined;
    if (key === 'field' && typeof value === 'string') out[key] = value;
    else if (COMPARISONS.includes(key) && typeof value === 'number') out[key] = value;
    else fail(r, `condition ${key}: ${CONDITION_SHAPE}`, field.key);
  }
  if (!Object.keys(out).some((k) => COMPARISONS.includes(k))) {
    fail(r, `condition needs one of ${COMPARISONS.join(', ')}`, e.key);
  }
  if (type === 'value_count' && out['field'] === undefined) {
    fail(r, 'a value_count condition needs a field', e.key);
  }
  return out;
}

function correlationRule(r: Reader, m: Map<string, Entry>, section: Entry): SigmaCorrelationRule {
  const parts = mapAt(r, section.value, 'correlation', section.key);
  const typeEntry = parts.get('type');
  const type = optionalString(r, typeEntry, 'correlation.type');
  if (!CORRELATION_TYPES.some((t) => t === type)) {
    const expected = `correlation type must be one of ${CORRELATION_TYPES.join(', ')}`;
    fail(r, expected, typeEntry?.value ?? section.key);
  }
  const known = type as SigmaCorrelationRule['type'];
  const rules = stringList(r, parts.get('rules'), 'correlation.rules');
  if (rules.length === 0) fail(r, 'correlation.rules must list at least one rule', section.key);
  const condition = parts.get('condition');
  if (condition === undefined && (known === 'event_count' || known === 'value_count')) {
    fail(r, `a ${known} correlation needs a condition`, section.key);
  }
  const span = timespanMs(r, parts.get('timespan'), section.key);
  return {
    kind: 'correlation',
    ...meta(r, m),
    type: known,
    rules,
    groupBy: stringList(r, parts.get('group-by'), 'correlation.group-by'),
    timespan: span.text,
    timespanMs: span.ms,
    ...optional('condition', condition && correlationCondition(r, condition, known)),
    aliases: correlationAliases(r, parts.get('aliases')),
    generate: generateFlag(r, m.get('generate') ?? parts.get('generate')),
  };
}

function correlationAliases(
  r: Reader,
  e: Entry | undefined,
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  if (e === undefined) return out;
  for (const [alias, byRule] of mapAt(r, e.value, 'correlation.aliases', e.key)) {
    const fields: Record<string, string> = {};
    for (const [rule, field] of mapAt(
      r,
      byRule.value,
      `correlation.aliases.${alias}`,
      byRule.key,
    )) {
      const value = optionalString(r, field, `correlation.aliases.${alias}.${rule}`);
      if (value === undefined) fail(r, `alias ${alias} needs a field for ${rule}`, field.key);
      fields[rule] = value;
    }
    out[alias] = fields;
  }
  return out;
}

function generateFlag(r: Reader, e: Entry | undefined): boolean {
  if (e === undefined) return false;
  const v = isScalar(e.value) ? e.value.value : undefined;
  if (typeof v !== 'boolean') fail(r, 'generate must be true or false', e.value ?? e.key);
  return v;
}

function ruleOf(r: Reader): SigmaRule {
  const m = mapAt(r, r.doc.contents, 'a rule document', null);
  const action = m.get('action');
  if (action !== undefined) {
    fail(r, 'rule collections (action: global/reset/repeat) are not supported', action.key);
  }
  const detection = m.get('detection');
  const correlation = m.get('correlation');
  if (detection !== undefined && correlation !== undefined) {
    fail(r, 'a rule has either a detection or a correlation section, not both', correlation.key);
  }
  if (correlation !== undefined) return correlationRule(r, m, correlation);
  if (detection === undefined) fail(r, 'missing detection (or correlation)', r.doc.contents);
  return detectionRule(r, m, detection);
}

function checkSyntax(r: Reader): void {
  const error = r.doc.errors[0];
  if (error === undefined) return;
  const { line, col } = r.lines.linePos(error.pos[0]);
  throw new SigmaParseError(r.file, error.message, { line, column: col }, { cause: error });
}

/**
 * Parse the text of one rule file into one {@link SigmaRule} per YAML document (`---`
 * separated; empty documents are skipped). Rule collections — documents with `action:
 * global/reset/repeat` — are not supported and rejected. Duplicate keys, YAML syntax errors and
 * wrong shapes throw {@link SigmaParseError} with the line and column of the offending node.
 */
export function parseSigma(text: string, file: string): SigmaRule[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const rules: SigmaRule[] = [];
  for (const doc of docs) {
    const r: Reader = { file, lines, doc };
    checkSyntax(r);
    if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) continue;
    rules.push(ruleOf(r));
  }
  if (rules.length === 0) throw new SigmaParseError(file, 'the file holds no rule');
  return rules;
}
