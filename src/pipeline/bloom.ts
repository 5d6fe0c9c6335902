/**
 * A small Bloom filter of the identifiers seen in a file. When a later pass learns new canary
 * identifiers, only files whose filter may hold one of them are read again.
 */

/** Bit array; the last word holds nothing but keeps the size a multiple of 32. */
export type Bloom = Uint32Array;

const HASHES = 5;

/** A filter sized for about `items` entries at ~1% false positives. */
export function createBloom(items: number): Bloom {
  const bits = Math.max(1024, Math.ceil((items * 10) / 32) * 32);
  return new Uint32Array(bits / 32);
}

// The two hashes of the last string, kept here so hashing allocates nothing (it runs for several
// identifiers of every record of a parsed file).
let h1 = 0;
let h2 = 0;

function hash(s: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  h1 = a >>> 0;
  h2 = (b >>> 0) | 1;
}

/** Add a string. */
export function bloomAdd(b: Bloom, s: string): void {
  const bits = b.length * 32;
  hash(s);
  for (let i = 0; i < HASHES; i++) {
    const bit = (h1 + i * h2) % bits;
    b[bit >>> 5]! |= 1 << (bit & 31);
  }
}

/** False means `s` was certainly never added. */
export function bloomHas(b: Bloom, s: string): boolean {
  const bits = b.length * 32;
  hash(s);
  for (let i = 0; i < HASHES; i++) {
    const bit = (h1 + i * h2) % bits;
    if (((b[bit >>> 5] ?? 0) & (1 << (bit & 31))) === 0) return false;
  }
  return true;
}
