/**
 * A small deterministic pseudo-random generator for the benchmark data (xoshiro128**, seeded with
 * splitmix32). The same seed always yields the same data set; `Math.random` is never used.
 */

/** A deterministic random source. */
export interface Rng {
  /** Unsigned 32-bit integer. */
  u32(): number;
  /** Uniform float in [0, 1). */
  float(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** `n` characters drawn from `alphabet`. */
  chars(alphabet: string, n: number): string;
  /** A random version-4 UUID (lowercase). */
  uuid(): string;
  /** An independent generator derived from this one's seed and a label. */
  fork(label: string): Rng;
}

/** A list of values with weights, prepared for {@link pickWeighted}. */
export interface WeightedTable<T> {
  readonly items: readonly T[];
  readonly cumulative: readonly number[];
  readonly total: number;
}

const HEX = '0123456789abcdef';

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Create a generator from a 32-bit seed.
 *
 * @example
 * const rng = createRng(42);
 * rng.int(1, 6); // the same value on every run
 */
export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1;
  const u32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return result;
  };
  const float = (): number => u32() / 0x1_0000_0000;
  const int = (min: number, max: number): number => min + Math.floor(float() * (max - min + 1));
  const chars = (alphabet: string, n: number): string => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(float() * alphabet.length)];
    return out;
  };
  return {
    u32,
    float,
    int,
    chance: (p) => float() < p,
    pick: (items) => items[Math.floor(float() * items.length)]!,
    chars,
    uuid: () =>
      `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${'89ab'[u32() & 3]}${chars(HEX, 3)}-${chars(HEX, 12)}`,
    fork: (label) => createRng((seed ^ hashLabel(label)) >>> 0),
  };
}

/** Prepare a weighted table from `[value, weight]` pairs (weights > 0). */
export function weighted<T>(pairs: readonly (readonly [T, number])[]): WeightedTable<T> {
  const items: T[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [item, weight] of pairs) {
    total += weight;
    items.push(item);
    cumulative.push(total);
  }
  return { items, cumulative, total };
}

/** Draw one value from a weighted table. */
export function pickWeighted<T>(rng: Rng, table: WeightedTable<T>): T {
  const x = rng.float() * table.total;
  for (let i = 0; i < table.cumulative.length; i++) {
    if (x < table.cumulative[i]!) return table.items[i]!;
  }
  return table.items[table.items.length - 1]!;
}
