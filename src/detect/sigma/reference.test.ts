/**
 * Property test: a compiled rule agrees with a plain reference evaluator of the same rule (written
 * here, straight from the specification's words, with no shared code) on random rules and events.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileSigma } from './compile.js';
import type { SigmaDetectionRule } from './parse.js';
import { parseSigma } from './parse.js';

const FIELDS = ['eventName', 'eventSource', 'userAgent', 'requestParameters.userName'] as const;
const MODS = ['', 'contains', 'startswith', 'endswith'] as const;
const ALPHABET = ['a', 'B', 'k', '*', '?', '\\', '-'];

/** A Sigma string over a small alphabet, so wildcards, escapes and case all come up. */
const pattern = fc
  .array(fc.constantFrom(...ALPHABET), { minLength: 1, maxLength: 5 })
  .map((cs) => cs.join(''));
const text = fc
  .array(fc.constantFrom('a', 'A', 'b', 'B', 'k', '*', '?', '\\', '-'), { maxLength: 7 })
  .map((cs) => cs.join(''));

interface Item {
  readonly field: (typeof FIELDS)[number];
  readonly mod: (typeof MODS)[number];
  readonly cased: boolean;
  readonly all: boolean;
  readonly values: readonly string[];
}
const item: fc.Arbitrary<Item> = fc.record({
  field: fc.constantFrom(...FIELDS),
  mod: fc.constantFrom(...MODS),
  cased: fc.boolean(),
  all: fc.boolean(),
  values: fc.array(pattern, { minLength: 2, maxLength: 3 }),
});
/** A search: a map of items (AND), or a list of such maps (OR). */
const search = fc.oneof(
  fc.uniqueArray(item, { minLength: 1, maxLength: 3, selector: (i) => i.field }),
  fc.array(fc.uniqueArray(item, { minLength: 1, maxLength: 2, selector: (i) => i.field }), {
    minLength: 2,
    maxLength: 2,
  }),
);
type Search = Item[] | Item[][];

type Cond =
  | { k: 'ref'; n: number }
  | { k: 'not'; c: Cond }
  | { k: 'and' | 'or'; a: Cond; b: Cond }
  | { k: 'of'; all: boolean };
const cond: fc.Arbitrary<Cond> = fc.letrec<{ c: Cond }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('ref' as const), n: fc.integer({ min: 0, max: 2 }) }),
    fc.record({ k: fc.constant('not' as const), c: tie('c') }),
    fc.record({ k: fc.constantFrom('and' as const, 'or' as const), a: tie('c'), b: tie('c') }),
    fc.record({ k: fc.constant('of' as const), all: fc.boolean() }),
  ),
})).c;

const event = fc.record({
  eventName: text,
  eventSource: text,
  userAgent: fc.option(text, { nil: undefined }),
  requestParameters: fc.option(fc.record({ userName: text }), { nil: undefined }),
});

const NAMES = ['sel_a', 'sel_b', 'sel_c'];

function conditionText(c: Cond): string {
  switch (c.k) {
    case 'ref':
      return NAMES[c.n]!;
    case 'not':
      return `not (${conditionText(c.c)})`;
    case 'and':
    case 'or':
      return `(${conditionText(c.a)}) ${c.k} (${conditionText(c.b)})`;
    case 'of':
      return `${c.all ? 'all' : '1'} of sel_*`;
  }
}

const keyOf = (i: Item): string =>
  [i.field, i.mod, i.cased ? 'cased' : '', i.all ? 'all' : ''].filter(Boolean).join('|');

function ruleText(searches: readonly Search[], c: Cond): string {
  const map = (items: readonly Item[]) =>
    Object.fromEntries(items.map((i) => [keyOf(i), [...i.values]]));
  const detection: Record<string, unknown> = {};
  searches.forEach((s, n) => {
    detection[NAMES[n]!] = Array.isArray(s[0]) ? (s as Item[][]).map(map) : map(s as Item[]);
  });
  detection['condition'] = conditionText(c);
  return stringify({
    title: 'random',
    id: '5e1f0000-0000-4000-8000-0000000000aa',
    logsource: { product: 'aws', service: 'cloudtrail' },
    detection,
  });
}

/** A literal character (`=x`) or a wildcard (`*`, `?`). */
type Tok = string;

/** The reference: a Sigma string as a list of literal characters and wildcards, matched naively. */
function tokens(p: string): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const next = p[i + 1];
    if (c === '\\' && (next === '*' || next === '?' || next === '\\')) {
      out.push(`=${next}`);
      i++;
    } else if (c === '*' || c === '?') out.push(c);
    else out.push(`=${c}`);
  }
  return out;
}

function wildMatch(t: readonly Tok[], s: string, cased: boolean): boolean {
  const fold = (x: string) => (cased ? x : x.toLowerCase());
  const go = (ti: number, si: number): boolean => {
    if (ti === t.length) return si === s.length;
    const tok = t[ti]!;
    if (tok === '*') {
      for (let k = si; k <= s.length; k++) if (go(ti + 1, k)) return true;
      return false;
    }
    if (si === s.length) return false;
    if (tok === '?') return go(ti + 1, si + 1);
    return fold(tok.slice(1)) === fold(s[si]!) && go(ti + 1, si + 1);
  };
  return go(0, 0);
}

function referenceItem(i: Item, e: Record<string, unknown>): boolean {
  const v =
    i.field === 'requestParameters.userName'
      ? (e['requestParameters'] as { userName?: string } | undefined)?.userName
      : (e[i.field] as string | undefined);
  if (typeof v !== 'string') return false;
  const one = (p: string): boolean => {
    const t = tokens(p);
    const wrapped =
      i.mod === 'contains'
        ? ['*' as const, ...t, '*' as const]
        : i.mod === 'startswith'
          ? [...t, '*' as const]
          : i.mod === 'endswith'
            ? ['*' as const, ...t]
            : t;
    return wildMatch(wrapped, v, i.cased);
  };
  return i.all ? i.values.every(one) : i.values.some(one);
}

function referenceSearch(s: Search, e: Record<string, unknown>): boolean {
  if (Array.isArray(s[0])) return (s as Item[][]).some((m) => m.every((i) => referenceItem(i, e)));
  return (s as Item[]).every((i) => referenceItem(i, e));
}

function referenceCond(c: Cond, hits: readonly boolean[]): boolean {
  switch (c.k) {
    case 'ref':
      return hits[c.n]!;
    case 'not':
      return !referenceCond(c.c, hits);
    case 'and':
      return referenceCond(c.a, hits) && referenceCond(c.b, hits);
    case 'or':
      return referenceCond(c.a, hits) || referenceCond(c.b, hits);
    case 'of':
      return c.all ? hits.every(Boolean) : hits.some(Boolean);
  }
}

describe('compiled Sigma rules', () => {
  it('agree with a reference evaluator of the same rule on random rules and events', () => {
    fc.assert(
      fc.property(
        fc.tuple(search, search, search),
        cond,
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (searches, c, events) => {
          const [rule] = parseSigma(ruleText(searches, c), 'random.yml');
          const compiled = compileSigma(rule as SigmaDetectionRule);
          for (const e of events) {
            const record = e as Record<string, unknown>;
            const hits = searches.map((s) => referenceSearch(s, record));
            expect(compiled.matches(record)).toBe(referenceCond(c, hits));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
