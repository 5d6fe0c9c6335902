/**
 * Query-protocol parameters: `application/x-www-form-urlencoded` parsing, `.member.N` list
 * flattening, and the lowerCamelCase nesting CloudTrail logs as `requestParameters`.
 */
import { AwsFault, validationError } from './fault.js';

/** Decoded form fields, in order. */
export type FormFields = ReadonlyMap<string, string>;

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (err) {
    throw new AwsFault('MalformedQueryString', 'The query string is not properly encoded.', 400, {
      cause: err,
    });
  }
}

/** Parse `a=1&b=2` (form encoding: `+` is a space). Later duplicates win. */
export function parseForm(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    fields.set(key, eq < 0 ? '' : decodeComponent(pair.slice(eq + 1)));
  }
  return fields;
}

/** Typed access to an operation's parameters. */
export class Params {
  readonly fields: FormFields;

  constructor(fields: FormFields) {
    this.fields = fields;
  }

  /** A scalar parameter, or undefined when absent. */
  get(name: string): string | undefined {
    return this.fields.get(name);
  }

  /** A required scalar; missing → ValidationError naming the member in lowerCamelCase. */
  require(name: string): string {
    const value = this.fields.get(name);
    if (value === undefined) {
      throw validationError(lowerFirst(name), undefined, 'Member must not be null');
    }
    return value;
  }

  /** An integer parameter within [min, max], or `fallback` when absent. */
  int(name: string, min: number, max: number, fallback: number): number {
    const raw = this.fields.get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw validationError(
        lowerFirst(name),
        raw,
        `Member must have value between ${min} and ${max}`,
      );
    }
    return n;
  }

  /** `Name.member.N.Field` entries grouped by N (in N order) as field → value records. */
  members(name: string): Record<string, string>[] {
    const byIndex = new Map<number, Record<string, string>>();
    const prefix = `${name}.member.`;
    for (const [key, value] of this.fields) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const dot = rest.indexOf('.');
      const index = Number(dot < 0 ? rest : rest.slice(0, dot));
      if (!Number.isInteger(index) || index < 1) continue;
      const record = byIndex.get(index) ?? {};
      record[dot < 0 ? '' : rest.slice(dot + 1)] = value;
      byIndex.set(index, record);
    }
    return [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, record]) => record);
  }
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

type Nested = { [key: string]: Nested | Nested[] | string | number } | Nested[] | string | number;

const NUMERIC = new Set(['DurationSeconds', 'MaxItems']);
// Parameter names are attacker-controlled; never let them reach an object's prototype.
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function setPath(root: Record<string, Nested>, segments: string[], value: string): void {
  if (segments.some((s) => UNSAFE_KEYS.has(s))) return;
  let node: Record<string, Nested> | Nested[] = root;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] ?? '';
    const last = i === segments.length - 1;
    const isList = segments[i + 1] === 'member' && /^\d+$/.test(segments[i + 2] ?? '');
    const key: string | number = Array.isArray(node) ? Number(seg) - 1 : lowerFirst(seg);
    const slot = node as Record<string | number, Nested>;
    if (last) {
      slot[key] = NUMERIC.has(seg) && /^\d+$/.test(value) ? Number(value) : value;
      return;
    }
    slot[key] ??= isList ? [] : {};
    node = slot[key] as Record<string, Nested> | Nested[];
    if (isList) i += 1; // skip "member"
  }
}

/**
 * The request as CloudTrail logs it: nested, lowerCamelCase, lists as arrays (e.g.
 * `{ userName, tags: [{ key, value }] }`), or null when there are no parameters.
 */
export function toRequestParameters(fields: FormFields): Record<string, unknown> | null {
  const root: Record<string, Nested> = {};
  for (const [key, value] of fields) {
    if (key === 'Action' || key === 'Version') continue;
    setPath(root, key.split('.'), value);
  }
  for (const [k, v] of Object.entries(root)) {
    if (Array.isArray(v)) root[k] = v.filter((x) => x !== undefined);
  }
  return Object.keys(root).length === 0 ? null : root;
}
