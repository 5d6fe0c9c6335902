/**
 * Threshold windows that give the same answer whatever order events arrive in: an event belongs to
 * the answer when some window of the given length holding it has enough distinct values. The last
 * event of such a window to arrive sees all of it, so the union over a run does not depend on order.
 */
import type { WindowEntry } from './state.js';

/**
 * Entries of every window `[s, s + windowMs]` that holds time `atMs` and at least `min` distinct
 * values, oldest first (empty when there is none). `entries` must be oldest first, as
 * {@link RuleState.window} returns them.
 */
export function denseWindowEntries(
  entries: readonly WindowEntry[],
  atMs: number,
  windowMs: number,
  min: number,
): WindowEntry[] {
  const counts = new Map<string, number>();
  const keep = new Array<boolean>(entries.length).fill(false);
  let end = 0;
  for (let start = 0; start < entries.length; start++) {
    const s = entries[start]!.timeMs;
    if (s > atMs) break;
    while (end < entries.length && entries[end]!.timeMs <= s + windowMs) {
      const v = entries[end]!.value;
      counts.set(v, (counts.get(v) ?? 0) + 1);
      end++;
    }
    if (s + windowMs >= atMs && counts.size >= min) keep.fill(true, start, end);
    const v = entries[start]!.value;
    const n = (counts.get(v) ?? 1) - 1;
    if (n === 0) counts.delete(v);
    else counts.set(v, n);
  }
  return entries.filter((_, i) => keep[i]);
}
