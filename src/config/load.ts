/**
 * Load and validate `keysnare.yaml` once: every problem (YAML syntax and schema) is reported at
 * once, each with its config path and, where it can be located, its line.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import { z } from 'zod';
import { AppError, describeError } from '../core/errors.js';
import { configSchema } from './schema.js';
import type { KeysnareConfig } from './schema.js';

/** Re-exported for callers that only import the loader. */
export { configJsonSchema } from './schema.js';

/** One problem in a config file. `path` is like `canary.nameTemplates[2]` ('' for the file). */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
  /** 1-based line in the YAML file, when the problem can be located. */
  readonly line?: number;
}

/** The outcome of validating a config: the config, or every issue found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: KeysnareConfig }
  | { readonly ok: false; readonly file: string; readonly issues: ConfigIssue[] };

type PathSegment = string | number;

/**
 * Format a config path the way users write it.
 *
 * @example
 * formatConfigPath(['canary', 'nameTemplates', 2]) // 'canary.nameTemplates[2]'
 * formatConfigPath(['canary', 'tags', 'cost center']) // 'canary.tags["cost center"]'
 */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && /^[A-Za-z_$][\w$-]*$/.test(seg)) {
      out += out === '' ? seg : `.${seg}`;
    } else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/** One issue as one line: `path: message (line N)`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return issue.path === '' ? `${issue.message}${where}` : `${issue.path}: ${issue.message}${where}`;
}

/** The line of the deepest node along `path` (a key's own line for map entries), if any. */
function lineOf(doc: Document.Parsed, counter: LineCounter, path: readonly PathSegment[]) {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (!item) break;
      offset = (item as Node).range?.[0];
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}

/** The keys an object in the schema accepts at `path`, for "unknown key" messages. */
function knownKeys(path: readonly PathSegment[]): string[] {
  let schema: z.ZodType = configSchema;
  for (let i = 0; ; i++) {
    while (
      schema instanceof z.ZodDefault ||
      schema instanceof z.ZodPrefault ||
      schema instanceof z.ZodOptional
    ) {
      schema = schema.unwrap() as z.ZodType;
    }
    if (!(schema instanceof z.ZodObject)) return [];
    const seg = path[i];
    if (seg === undefined) return Object.keys(schema.shape);
    const next = (schema.shape as Record<string, z.ZodType | undefined>)[String(seg)];
    if (!next) return [];
    schema = next;
  }
}

function toPath(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((seg) => (typeof seg === 'number' ? seg : String(seg)));
}

function schemaIssues(
  error: z.ZodError,
  locate: (path: readonly PathSegment[]) => number | undefined,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const push = (path: PathSegment[], message: string): void => {
    const line = locate(path);
    const issue = { path: formatConfigPath(path), message };
    issues.push(line === undefined ? issue : { ...issue, line });
  };
  for (const issue of error.issues) {
    const path = toPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const expected = knownKeys(path).join(', ');
      for (const key of issue.keys)
        push([...path, key], `unknown key; expected one of: ${expected}`);
    } else if (issue.code === 'invalid_key') {
      push(path, `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`);
    } else {
      push(path, issue.message);
    }
  }
  return issues;
}

/** A yaml error message without its "at line X, column Y:" suffix and source excerpt. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

function syntaxIssues(doc: Document.Parsed): ConfigIssue[] {
  return doc.errors.map((err) => {
    const line = err.linePos?.[0].line;
    const message = `YAML syntax: ${yamlMessage(err.message)}`;
    return line === undefined ? { path: '', message } : { path: '', message, line };
  });
}

/**
 * A mapping entry with nothing after the colon (`aws:` with every child commented out) means
 * "unset", not null: drop such entries so the section's defaults apply.
 */
function dropNullEntries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNullEntries);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    // defineProperty keeps a `__proto__` key an ordinary (and so unknown) key.
    const entryValue = dropNullEntries(entry);
    if (entry !== null) {
      Object.defineProperty(out, key, {
        value: entryValue,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/**
 * Validate config text. `file` names the source in the result (and in errors built from it).
 *
 * @example
 * const r = parseConfig('version: 1\n', 'keysnare.yaml'); // r.ok === true, defaults filled in
 */
export function parseConfig(text: string, file: string): ConfigResult {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, file, issues: syntaxIssues(doc) };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, file, issues: [{ path: '', message: `YAML: ${describeError(err)}` }] };
  }
  if (data === null || data === undefined) {
    return {
      ok: false,
      file,
      issues: [{ path: '', message: 'the file is empty; expected at least "version: 1"' }],
    };
  }
  const parsed = configSchema.safeParse(dropNullEntries(data));
  if (parsed.success) return { ok: true, config: parsed.data };
  const locate = (path: readonly PathSegment[]) =>
    path.length === 0 ? undefined : lineOf(doc, counter, path);
  return { ok: false, file, issues: schemaIssues(parsed.error, locate) };
}

/**
 * Read and validate a config file. Throws KS_CONFIG_READ when the file cannot be read; returns
 * every validation issue otherwise.
 */
export function loadConfig(file: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : describeError(err);
    throw new AppError('KS_CONFIG_READ', { file, reason }, { cause: err });
  }
  return parseConfig(text, file);
}

/** {@link loadConfig}, throwing KS_CONFIG_INVALID with one line per issue. */
export function loadConfigOrThrow(file: string): KeysnareConfig {
  const result = loadConfig(file);
  if (result.ok) return result.config;
  throw new AppError(
    'KS_CONFIG_INVALID',
    { file },
    { lines: result.issues.map(formatConfigIssue) },
  );
}
