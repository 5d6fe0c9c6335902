/**
 * What a Sigma rule's matching record must contain as text: a few strings, one of which appears
 * (case-insensitively) in the JSON text of every record the rule can match. The reader uses them
 * to leave unparsed the records of a rule that pins neither event name nor source (SigmaHQ's
 * "AWS STS AssumeRole Misuse" keys on `userIdentity.type`). Worked out from the condition the way
 * the pins are: `and` takes the most selective part, `or` and `1 of` unite, `not` says nothing.
 *
 * A needle holds only printable ASCII other than `"` and `\`: such text is written the same in
 * CloudTrail's JSON as in the decoded value and in the compact JSON an object is matched as, so
 * finding it in the raw record is necessary for the value to match. Values that a modifier
 * transforms (base64, utf16, windash, expand), compares otherwise (cidr, gt…, fieldref, exists)
 * or that are not strings give none; `re` gives the longest literal run it certainly contains.
 */
import type { Mention } from '../rule.js';
import type { ConditionNode } from './condition.js';
import { identifiersFor } from './condition.js';
import { longestPiece, regexLiteral, usable } from './literal.js';
import { sigmaLiterals } from './values.js';

/** More needles than this: not worth a text scan. */
const MAX_NEEDLES = 32;

type Needles = readonly Mention[] | undefined;

/** Modifiers that keep a value's literal text in the matched value. */
const PLAIN_MODS = new Set(['contains', 'startswith', 'endswith', 'all', 'cased']);
const RE_MODS = new Set(['re', 'all', 'i', 'ignorecase', 'm', 'multiline', 's', 'dotall']);

/** One value's needle (the longest literal piece), or undefined. */
function valueNeedle(v: unknown, re: boolean): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (re) return regexLiteral(v);
  const pieces = sigmaLiterals(v).map(longestPiece);
  return usable(pieces.reduce((a, b) => (b.length > a.length ? b : a), ''));
}

/** Needles of a value list: each value's (any one, under `all`), or undefined. */
function listNeedles(value: unknown, all: boolean, re: boolean, scope: Mention['in']): Needles {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) return undefined;
  const each = list.map((v) => valueNeedle(v, re));
  const as = (t: string): Mention => ({ text: t, in: scope });
  if (all) return best(each.map((n) => (n === undefined ? undefined : [as(n)])));
  if (!each.every((n) => n !== undefined)) return undefined;
  return [...new Set(each)].map(as);
}

/**
 * Where a field's value is in the record's text: `userIdentity.*` inside the identity, the user
 * agent and the event name in their own values, anything else somewhere in the record.
 */
function scopeOf(field: string): Mention['in'] {
  if (field.startsWith('userIdentity.')) return 'identity';
  if (field === 'userAgent') return 'userAgent';
  if (field === 'eventName') return 'eventName';
  return 'record';
}

/** A detection item's needles (`field|mods: value`). */
function itemNeedles(key: string, value: unknown): Needles {
  const [field = '', ...mods] = key.split('|');
  // A plain event name or source is a pin, which the reader tests already (compile.ts).
  if ((field === 'eventName' || field === 'eventSource') && mods.length === 0) return undefined;
  const all = mods.includes('all');
  const scope = field === '' ? 'record' : scopeOf(field);
  if (mods.includes('re')) {
    return mods.every((m) => RE_MODS.has(m)) ? listNeedles(value, all, true, scope) : undefined;
  }
  return mods.every((m) => PLAIN_MODS.has(m)) ? listNeedles(value, all, false, scope) : undefined;
}

/** A search's needles: a map (its best item), a list of maps (all united), or keywords. */
function searchNeedles(value: unknown): Needles {
  if (Array.isArray(value)) {
    const list = value as unknown[];
    if (list.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v)))
      return union(list.map(searchNeedles));
    return listNeedles(list, false, false, 'record');
  }
  if (value !== null && typeof value === 'object')
    return best(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => itemNeedles(k, v)),
    );
  return listNeedles(value, false, false, 'record');
}

function union(sets: readonly Needles[]): Needles {
  if (sets.length === 0 || sets.some((s) => s === undefined)) return undefined;
  const seen = new Map<string, Mention>();
  for (const m of sets.flatMap((s) => s ?? [])) seen.set(`${m.in}\u0000${m.text}`, m);
  return seen.size <= MAX_NEEDLES ? [...seen.values()] : undefined;
}

/** The most selective of the known sets: the longest shortest needle, then the fewest needles. */
function best(sets: readonly Needles[]): Needles {
  let chosen: readonly Mention[] | undefined;
  const shortest = (s: readonly Mention[]) => Math.min(...s.map((n) => n.text.length));
  for (const s of sets) {
    if (!s || s.length === 0 || s.length > MAX_NEEDLES) continue;
    if (
      !chosen ||
      shortest(s) > shortest(chosen) ||
      (shortest(s) === shortest(chosen) && s.length < chosen.length)
    )
      chosen = s;
  }
  return chosen;
}

/**
 * Strings one of which (case-insensitive) is in the JSON text of every record the condition can
 * match, each in the part of the record its field is in, or undefined when no short list is known.
 */
export function conditionNeedles(
  node: ConditionNode,
  searches: Readonly<Record<string, unknown>>,
): Needles {
  switch (node.kind) {
    case 'ref':
      return searchNeedles(searches[node.name]);
    case 'not':
      return undefined;
    case 'and':
      return best(node.of.map((n) => conditionNeedles(n, searches)));
    case 'or':
      return union(node.of.map((n) => conditionNeedles(n, searches)));
    case 'quantified': {
      const targets = identifiersFor(node.pattern, Object.keys(searches));
      const sets = targets.map((t) => searchNeedles(searches[t]));
      return node.all ? best(sets) : union(sets);
    }
  }
}
