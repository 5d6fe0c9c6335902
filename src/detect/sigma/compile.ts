/**
 * A parsed Sigma detection rule compiled, once, to a predicate over CloudTrail records (the JSON
 * record as CloudTrail writes it: Sigma's field names are CloudTrail's, `userIdentity.type`,
 * `requestParameters.bucketName`). Searches become matchers (values.ts), the condition a tree
 * bound to them (condition.ts). What the rule pins — the event names and sources it can match at
 * all — is worked out from the condition, so an engine can offer a record only to the Sigma rules
 * that can match it.
 */
import type { ConditionNode } from './condition.js';
import {
  bindCondition,
  identifiersFor,
  parseCondition,
  SigmaAggregationError,
  SigmaConditionError,
} from './condition.js';
import type { Mention } from '../rule.js';
import { conditionNeedles } from './needles.js';
import type { SigmaDetectionRule, SourcePos } from './parse.js';
import type { FieldGetter, ValueOptions } from './values.js';
import { compileFieldItem, compileKeywords, SigmaValueError } from './values.js';

/** A rule that parses but cannot be compiled: what is wrong and where. */
export class SigmaCompileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly pos?: SourcePos,
    /** A rule written in what Keysnare does not run (the old aggregation syntax), not a broken one. */
    readonly unsupported = false,
  ) {
    super(pos ? `${file}:${pos.line}:${pos.column}: ${reason}` : `${file}: ${reason}`);
  }
}

/** A compiled rule. */
export interface CompiledSigma {
  readonly rule: SigmaDetectionRule;
  /**
   * The event names (lower case: Sigma compares without case) the rule can match at all, or
   * undefined when it can match any; likewise event sources.
   */
  readonly eventNames: ReadonlySet<string> | undefined;
  readonly eventSources: ReadonlySet<string> | undefined;
  /**
   * Strings one of which (case-insensitive) is in the JSON text of every record the rule can
   * match, each where its field is, or undefined (needles.ts).
   */
  readonly needles: readonly Mention[] | undefined;
  matches(record: unknown): boolean;
}

/** Is the rule about AWS CloudTrail (`logsource: {product: aws, service: cloudtrail}`)? */
export function appliesToCloudTrail(rule: SigmaDetectionRule): boolean {
  const { product, service, category } = rule.logsource;
  return (
    product?.toLowerCase() === 'aws' &&
    (service === undefined || service.toLowerCase() === 'cloudtrail') &&
    category === undefined
  );
}

/**
 * The values at a dotted path in a record. An array met before the path ends is walked into,
 * each element in turn (`resources.ARN`); a key that itself holds dots is found too (before the
 * shorter key: `a.b` in `{"a.b": 1, "a": {"b": 2}}` is 1).
 */
export function valuesAt(record: unknown, path: string): unknown {
  // Plain objects all the way down, the commonest case, without allocating: the path's pieces
  // are worked out once per path.
  if (path === '') return record;
  const plan = planOf(path);
  let v = record;
  for (let k = 0; ; k++) {
    if (v === null || typeof v !== 'object') return undefined;
    const rest = plan.rests[k]!;
    if (Array.isArray(v)) return walkValues(v, rest);
    const o = v as Record<string, unknown>;
    if (Object.hasOwn(o, rest)) return o[rest];
    const head = plan.heads[k];
    if (head === undefined || !Object.hasOwn(o, head)) return undefined;
    v = o[head];
  }
}

/** The general walk, arrays included. */
function walkValues(record: unknown, path: string): unknown {
  const found: unknown[] = [];
  const walk = (v: unknown, rest: string): void => {
    if (rest === '') {
      found.push(v);
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v as unknown[]) walk(item, rest);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (Object.hasOwn(o, rest)) {
      found.push(o[rest]);
      return;
    }
    const dot = rest.indexOf('.');
    if (dot < 0) return;
    const head = rest.slice(0, dot);
    if (Object.hasOwn(o, head)) walk(o[head], rest.slice(dot + 1));
  };
  walk(record, path);
  if (found.length === 0) return undefined;
  return found.length === 1 ? found[0] : found.flat();
}

/** A path's pieces: `rests[k]` after k dots, `heads[k]` the piece before dot k+1. */
interface PathPlan {
  readonly rests: readonly string[];
  readonly heads: readonly string[];
}

const plans = new Map<string, PathPlan>();

function planOf(path: string): PathPlan {
  let plan = plans.get(path);
  if (plan) return plan;
  const rests = [path];
  const heads: string[] = [];
  for (let rest = path, dot = rest.indexOf('.'); dot >= 0; dot = rest.indexOf('.')) {
    heads.push(rest.slice(0, dot));
    rest = rest.slice(dot + 1);
    rests.push(rest);
  }
  plan = { rests, heads };
  // Paths come from rules (a bounded set); a caller's own paths are bounded too, for safety.
  if (plans.size < 65536) plans.set(path, plan);
  return plan;
}

type Search = (record: unknown, get: FieldGetter) => boolean;

/** One search identifier's matcher: a map (AND of items), a list of maps (OR), or keywords. */
function compileSearch(value: unknown, o: ValueOptions): Search {
  if (Array.isArray(value)) {
    const list = value as unknown[];
    if (list.every((v) => v !== null && typeof v === 'object' && !Array.isArray(v))) {
      const maps = list.map((m) => compileSearch(m, o));
      return (r, get) => maps.some((m) => m(r, get));
    }
    const keywords = compileKeywords(list, o);
    return (r) => keywords(r);
  }
  if (value !== null && typeof value === 'object') {
    const items = Object.entries(value as Record<string, unknown>).map(([k, v]) =>
      compileFieldItem(k, v, o),
    );
    return (_r, get) => items.every((i) => i.test(get));
  }
  const keywords = compileKeywords(value, o);
  return (r) => keywords(r);
}

/** The rule's conditions as one tree (several conditions, the old syntax, are OR-ed). */
function conditionTree(rule: SigmaDetectionRule): ConditionNode {
  const trees = rule.conditions.map((c) => parseCondition(c));
  return trees.length === 1 ? trees[0]! : { kind: 'or', of: trees };
}

/**
 * Compile a detection rule. Throws SigmaCompileError, naming the search or the condition and
 * where it is (`unsupported` for the old aggregation syntax).
 */
export function compileSigma(rule: SigmaDetectionRule, o: ValueOptions = {}): CompiledSigma {
  const names = Object.keys(rule.searches);
  const searches = new Map<string, Search>();
  for (const name of names) {
    try {
      searches.set(name, compileSearch(rule.searches[name], o));
    } catch (err) {
      if (!(err instanceof SigmaValueError)) throw err;
      throw new SigmaCompileError(rule.file, `${name}: ${err.message}`, rule.positions[name]);
    }
  }
  let tree: ConditionNode;
  let bound: ReturnType<typeof bindCondition>;
  try {
    tree = conditionTree(rule);
    bound = bindCondition(tree, names);
  } catch (err) {
    if (!(err instanceof SigmaConditionError)) throw err;
    const where = rule.positions['condition'];
    const unsupported = err instanceof SigmaAggregationError;
    throw new SigmaCompileError(rule.file, `condition: ${err.message}`, where, unsupported);
  }
  // Each search is tested at most once per record, its verdict kept for the record's generation
  // (matching is synchronous: one record at a time per compiled rule).
  const order = new Map(names.map((n, i) => [n, i]));
  const tests = names.map((n) => searches.get(n)!);
  const stamps = new Int32Array(names.length);
  const verdicts = new Uint8Array(names.length);
  let generation = 0;
  let current: unknown;
  const get: FieldGetter = (path) => valuesAt(current, path);
  const lookup = (name: string): boolean => {
    const i = order.get(name)!;
    if (stamps[i] === generation) return verdicts[i] === 1;
    const hit = tests[i]!(current, get);
    stamps[i] = generation;
    verdicts[i] = hit ? 1 : 0;
    return hit;
  };
  return {
    rule,
    eventNames: pinned(tree, rule.searches, 'eventName'),
    eventSources: pinned(tree, rule.searches, 'eventSource'),
    needles: conditionNeedles(tree, rule.searches),
    matches(record) {
      current = record;
      generation = (generation + 1) | 0;
      if (generation === 0) {
        stamps.fill(0);
        generation = 1;
      }
      return bound(lookup);
    },
  };
}

/** Plain values of a field item with no modifier and no wildcard (what an index can use). */
function plainValues(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const out: string[] = [];
  for (const v of list) {
    if (typeof v !== 'string' || /[*?\\]/.test(v)) return undefined;
    out.push(v.toLowerCase());
  }
  return out;
}

/** What one search pins `field` to (lower case), or undefined when it does not pin it. */
function searchPins(value: unknown, field: string): Set<string> | undefined {
  if (Array.isArray(value)) {
    const list = value as unknown[];
    if (!list.every((v) => v !== null && typeof v === 'object')) return undefined;
    const sets = list.map((m) => searchPins(m, field));
    return union(sets);
  }
  if (value === null || typeof value !== 'object') return undefined;
  const plain = plainValues((value as Record<string, unknown>)[field]);
  return Object.hasOwn(value, field) && plain ? new Set(plain) : undefined;
}

function union(sets: readonly (Set<string> | undefined)[]): Set<string> | undefined {
  if (sets.length === 0 || sets.some((s) => s === undefined)) return undefined;
  return new Set(sets.flatMap((s) => [...s!]));
}

function intersection(sets: readonly (Set<string> | undefined)[]): Set<string> | undefined {
  const known = sets.filter((s): s is Set<string> => s !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((a, b) => new Set([...a].filter((x) => b.has(x))));
}

/**
 * The values of `field` (eventName, eventSource) an event must have for the condition to hold,
 * or undefined when any will do. `not` pins nothing; `and` the narrowest of its parts; `or` (and
 * `1 of`) the union, when every part pins.
 */
function pinned(
  node: ConditionNode,
  searches: Readonly<Record<string, unknown>>,
  field: string,
): Set<string> | undefined {
  switch (node.kind) {
    case 'ref':
      return searchPins(searches[node.name], field);
    case 'not':
      return undefined;
    case 'and':
      return intersection(node.of.map((n) => pinned(n, searches, field)));
    case 'or':
      return union(node.of.map((n) => pinned(n, searches, field)));
    case 'quantified': {
      const targets = identifiersFor(node.pattern, Object.keys(searches));
      const sets = targets.map((t) => searchPins(searches[t], field));
      return node.all ? intersection(sets) : union(sets);
    }
  }
}
