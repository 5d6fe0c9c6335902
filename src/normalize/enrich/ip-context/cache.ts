/**
 * A bounded memo for lookups keyed by attacker-controlled strings: two generations of at most
 * `max / 2` entries each. A hit in the young generation costs one Map lookup and no write; a key
 * found only in the old one is promoted; when the young one fills up it becomes the old one and
 * the previous old one is dropped. Memory stays bounded whatever the input, and keys in use
 * (CloudTrail repeats a few source IPs heavily) survive turnover.
 */

/** Memoize `compute` over at most `max` distinct keys (undefined results are remembered too). */
export function boundedMemo<V extends object>(
  max: number,
  compute: (key: string) => V | undefined,
): (key: string) => V | undefined {
  const half = Math.max(1, Math.floor(max / 2));
  let young = new Map<string, V | null>();
  let old = new Map<string, V | null>();
  return (key) => {
    const hit = young.get(key);
    if (hit !== undefined) return hit ?? undefined;
    let value = old.get(key);
    if (value === undefined) value = compute(key) ?? null;
    if (young.size >= half) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
    return value ?? undefined;
  };
}
