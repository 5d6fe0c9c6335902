/**
 * Sigma conditions (specification v2): `and`, `or`, `not`, parentheses, and the quantifiers
 * `1 of x*`, `all of x*`, `1 of them`, `all of them`, over a rule's search identifiers. Parsed to
 * a tree once, then bound to the identifiers a rule defines, so a condition that names one it
 * does not define fails when the rule loads, not when an event comes. `not` binds tightest, then
 * `and`, then `or`. The old aggregation syntax (`selection | count() by x > 5`, `| near`) is
 * refused as unsupported: correlation rules say the same thing and run on the engine's state.
 */

/** A condition as parsed. */
export type ConditionNode =
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'not'; readonly of: ConditionNode }
  | { readonly kind: 'and' | 'or'; readonly of: readonly ConditionNode[] }
  | { readonly kind: 'quantified'; readonly all: boolean; readonly pattern: string };

/** A condition that does not parse, or names what the rule does not define. */
export class SigmaConditionError extends Error {
  constructor(
    readonly reason: string,
    /** Offset in the condition text, when the problem is at one place. */
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at character ${offset + 1})`);
  }
}

/** The old aggregation syntax: refused as unsupported, not as a broken rule. */
export class SigmaAggregationError extends SigmaConditionError {}

interface Token {
  readonly text: string;
  readonly at: number;
}

const WORD = /[A-Za-z0-9_*?.-]+/y;

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ text: c, at: i++ });
    } else if (c === '|') {
      throw new SigmaAggregationError(
        `aggregation expressions ("${text.slice(i).trim()}") are not supported: write a correlation rule instead`,
        i,
      );
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(text);
      if (!m) throw new SigmaConditionError(`unexpected "${c}"`, i);
      out.push({ text: m[0], at: i });
      i += m[0].length;
    }
  }
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'of', 'them', 'all', '1']);

/** Parse a condition. Throws SigmaConditionError (SigmaAggregationError for `| count()`…). */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos]?.text.toLowerCase();
  const where = (): number => tokens[pos]?.at ?? text.length;
  const expect = (what: string): void => {
    if (peek() !== what) throw new SigmaConditionError(`expected "${what}"`, where());
    pos++;
  };
  const or = (): ConditionNode => {
    const parts = [and()];
    while (peek() === 'or') {
      pos++;
      parts.push(and());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', of: parts };
  };
  const and = (): ConditionNode => {
    const parts = [unary()];
    while (peek() === 'and') {
      pos++;
      parts.push(unary());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', of: parts };
  };
  const unary = (): ConditionNode => {
    const t = peek();
    if (t === 'not') {
      pos++;
      return { kind: 'not', of: unary() };
    }
    if (t === '(') {
      pos++;
      const inner = or();
      expect(')');
      return inner;
    }
    if (t === '1' || t === 'all') {
      pos++;
      expect('of');
      const target = tokens[pos];
      if (!target || target.text === '(' || target.text === ')')
        throw new SigmaConditionError('expected a search identifier pattern or "them"', where());
      pos++;
      return { kind: 'quantified', all: t === 'all', pattern: target.text };
    }
    const token = tokens[pos];
    if (!token) throw new SigmaConditionError('expected a search identifier', text.length);
    if (KEYWORDS.has(token.text.toLowerCase()) || token.text === ')')
      throw new SigmaConditionError(`unexpected "${token.text}"`, token.at);
    if (/^\d+$/.test(token.text))
      throw new SigmaConditionError(
        `only "1 of" and "all of" are defined, not "${token.text} of"`,
        token.at,
      );
    pos++;
    return { kind: 'ref', name: token.text };
  };
  if (tokens.length === 0) throw new SigmaConditionError('the condition is empty');
  const node = or();
  if (pos < tokens.length)
    throw new SigmaConditionError(`unexpected "${tokens[pos]!.text}"`, tokens[pos]!.at);
  return node;
}

/** A search identifier pattern (`selection_*`, `filter?`) as a matcher over names. */
function patternMatcher(pattern: string): (name: string) => boolean {
  const re = new RegExp(
    `^${pattern.replace(/[.*+?^${}()|[\]\\-]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`))}$`,
  );
  return (name) => re.test(name);
}

/** The identifiers `pattern` stands for among `names` (`them`: all but those starting with `_`). */
export function identifiersFor(pattern: string, names: readonly string[]): string[] {
  if (pattern.toLowerCase() === 'them') return names.filter((n) => !n.startsWith('_'));
  const matches = patternMatcher(pattern);
  return names.filter(matches);
}

/**
 * Bind a condition to a rule's search identifiers: a predicate over "does search X match this
 * event?". Throws SigmaConditionError for an identifier the rule does not define, or a pattern
 * that stands for none.
 */
export function bindCondition(
  node: ConditionNode,
  names: readonly string[],
): (matches: (name: string) => boolean) => boolean {
  const defined = new Set(names);
  const bind = (n: ConditionNode): ((m: (name: string) => boolean) => boolean) => {
    switch (n.kind) {
      case 'ref': {
        if (!defined.has(n.name))
          throw new SigmaConditionError(
            `the condition names "${n.name}", which detection does not define`,
          );
        const name = n.name;
        return (m) => m(name);
      }
      case 'not': {
        const inner = bind(n.of);
        return (m) => !inner(m);
      }
      case 'and': {
        const parts = n.of.map(bind);
        return (m) => parts.every((p) => p(m));
      }
      case 'or': {
        const parts = n.of.map(bind);
        return (m) => parts.some((p) => p(m));
      }
      case 'quantified': {
        const targets = identifiersFor(n.pattern, names);
        if (targets.length === 0)
          throw new SigmaConditionError(
            `"${n.pattern}" stands for no search identifier of this rule`,
          );
        return n.all ? (m) => targets.every((t) => m(t)) : (m) => targets.some((t) => m(t));
      }
    }
  };
  return bind(node);
}

/** Every search identifier a bound condition can consult (for indexing and for `rules check`). */
export function referencedNames(node: ConditionNode, names: readonly string[]): string[] {
  switch (node.kind) {
    case 'ref':
      return [node.name];
    case 'not':
      return referencedNames(node.of, names);
    case 'and':
    case 'or':
      return [...new Set(node.of.flatMap((n) => referencedNames(n, names)))];
    case 'quantified':
      return identifiersFor(node.pattern, names);
  }
}
