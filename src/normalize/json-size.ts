/**
 * Iterative walks over parsed JSON values: a size estimate that stops early, and a stable
 * serialization for hashing. Both use an explicit stack, so a 10 000-deep array cannot overflow the
 * call stack (JSON.parse accepts such input; JSON.stringify does not).
 */

/** Result of {@link estimateJsonSize}. */
export interface JsonSizeEstimate {
  /** Estimated serialized length; once over the limit, the count so far (a lower bound). */
  readonly bytes: number;
  /** Deepest nesting seen (1 for a flat object). */
  readonly depth: number;
  /** True when the walk stopped early because `bytes` passed `maxBytes` or `depth` passed `maxDepth`. */
  readonly stopped: boolean;
}

function scalarSize(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return v.length + 2;
    case 'number':
      return Number.isFinite(v) ? String(v).length : 4;
    case 'boolean':
      return v ? 4 : 5;
    case 'bigint':
      return String(v).length;
    case 'object': // null
    case 'undefined':
    case 'function':
    case 'symbol':
      return 4; // JSON drops these or writes them as null
  }
}

/**
 * Estimate the JSON-serialized length of `value` (string lengths in UTF-16 units plus quotes; escapes
 * are not counted) without serializing it. Stops as soon as the estimate exceeds `maxBytes` or the
 * nesting exceeds `maxDepth`, so the cost is bounded by the limits, not by the input.
 */
export function estimateJsonSize(
  value: unknown,
  maxBytes = Number.POSITIVE_INFINITY,
  maxDepth = Number.POSITIVE_INFINITY,
): JsonSizeEstimate {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  let bytes = 0;
  let deepest = 0;
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop() ?? 0;
    if (v === null || typeof v !== 'object') {
      bytes += scalarSize(v);
    } else {
      const inner = depth + 1;
      if (inner > deepest) deepest = inner;
      if (inner > maxDepth) return { bytes, depth: deepest, stopped: true };
      if (Array.isArray(v)) {
        bytes += 2 + Math.max(0, v.length - 1);
        for (const item of v as unknown[]) {
          values.push(item);
          depths.push(inner);
        }
      } else {
        const keys = Object.keys(v);
        bytes += keys.length === 0 ? 2 : 1;
        for (const key of keys) {
          bytes += key.length + 4; // quotes, colon, comma or closing brace
          values.push((v as Record<string, unknown>)[key]);
          depths.push(inner);
        }
      }
    }
    if (bytes > maxBytes) return { bytes, depth: deepest, stopped: true };
  }
  return { bytes, depth: deepest, stopped: false };
}

/** A piece of already-serialized text on the work stack. */
class Raw {
  constructor(readonly text: string) {}
}

function pushObject(stack: unknown[], v: object): void {
  const keys = Object.keys(v).sort();
  stack.push(new Raw('}'));
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] ?? '';
    stack.push((v as Record<string, unknown>)[key]);
    stack.push(new Raw(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`));
  }
  stack.push(new Raw('{'));
}

function pushArray(stack: unknown[], v: readonly unknown[]): void {
  stack.push(new Raw(']'));
  for (let i = v.length - 1; i >= 0; i--) {
    stack.push(v[i] === undefined ? null : v[i]);
    if (i > 0) stack.push(new Raw(','));
  }
  stack.push(new Raw('['));
}

function scalarJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
    case 'bigint':
      return String(v);
    case 'object': // null
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
}

/**
 * Serialize `value` as JSON with object keys sorted, so equal records give equal text whatever
 * their key order. Iterative; an object met twice (only possible for values not made by JSON.parse)
 * is written as `"[seen]"`, so cycles terminate.
 */
export function stableJson(value: unknown): string {
  const out: string[] = [];
  const stack: unknown[] = [value];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (v instanceof Raw) {
      out.push(v.text);
    } else if (v === null || typeof v !== 'object') {
      out.push(scalarJson(v));
    } else if (seen.has(v)) {
      out.push('"[seen]"');
    } else {
      seen.add(v);
      if (Array.isArray(v)) pushArray(stack, v as unknown[]);
      else pushObject(stack, v);
    }
  }
  return out.join('');
}

/**
 * Human size: `512 bytes`, `4 KB`, `2.1 MB` (1024-based, one decimal, `.0` dropped).
 *
 * @example
 * formatBytes(2_200_000) // '2.1 MB'
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KB'] : [n / (1024 * 1024), 'MB'];
  return `${value.toFixed(1).replace(/\.0$/, '')} ${unit}`;
}
