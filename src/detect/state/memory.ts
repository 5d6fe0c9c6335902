/**
 * {@link StateStore} in process memory, bounded: entries older than their namespace's retention
 * behind the newest event time are evicted, and one key keeps at most {@link MAX_ENTRIES_PER_KEY}
 * entries (the oldest go first), so hostile input cannot grow it without limit.
 */
import type { StateSnapshot, StateStore, WindowEntry } from './state.js';
import { HOUR_MS } from './state.js';

/** Entries one key keeps at most. */
export const MAX_ENTRIES_PER_KEY = 2_000;
/** Distinct values one key keeps sightings of at most. */
export const MAX_VALUES_PER_KEY = 500;

type Windows = Map<string, Map<string, WindowEntry[]>>;
type Sightings = Map<string, Map<string, Map<string, number[]>>>;

function sub<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

/** Index of the first element of the ascending `list` (by `at`) whose value is `>= t`. */
function lowerBound<T>(list: readonly T[], t: number, at: (x: T) => number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(list[mid]!) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const entryTime = (e: WindowEntry): number => e.timeMs;
const same = (t: number): number => t;

/** An empty store, or one holding `from` (a snapshot of an earlier run). */
export function createMemoryState(from?: StateSnapshot): StateStore {
  const windows: Windows = new Map();
  const sightings: Sightings = new Map();
  const retention = new Map<string, number>(Object.entries(from?.retentionMs ?? {}));
  for (const [ns, keys] of Object.entries(from?.windows ?? {}))
    windows.set(ns, new Map(Object.entries(keys).map(([k, list]) => [k, [...list]])));
  for (const [ns, keys] of Object.entries(from?.sightings ?? {}))
    sightings.set(
      ns,
      new Map(
        Object.entries(keys).map(([k, values]) => [
          k,
          new Map(Object.entries(values).map(([v, times]) => [v, [...times]])),
        ]),
      ),
    );
  const keep = (ns: string, ms: number): void => {
    if (ms > (retention.get(ns) ?? 0)) retention.set(ns, ms);
  };

  return {
    addEntry(ns, key, entry, retentionMs) {
      keep(ns, retentionMs);
      const keys = sub(windows, ns, () => new Map<string, WindowEntry[]>());
      const list = sub(keys, key, (): WindowEntry[] => []);
      const at = lowerBound(list, entry.timeMs, entryTime);
      for (let i = at; i < list.length && list[i]!.timeMs === entry.timeMs; i++)
        if (list[i]!.eventId === entry.eventId) return false;
      for (let i = at - 1; i >= 0 && list[i]!.timeMs === entry.timeMs; i--)
        if (list[i]!.eventId === entry.eventId) return false;
      // Equal times keep eventID order, so the same events always give the same list.
      let pos = at;
      while (
        pos < list.length &&
        list[pos]!.timeMs === entry.timeMs &&
        list[pos]!.eventId < entry.eventId
      )
        pos++;
      list.splice(pos, 0, entry);
      if (list.length > MAX_ENTRIES_PER_KEY) list.splice(0, list.length - MAX_ENTRIES_PER_KEY);
      return true;
    },
    entries(ns, key, fromMs, toMs) {
      const list = windows.get(ns)?.get(key);
      if (!list) return [];
      const out: WindowEntry[] = [];
      for (let i = lowerBound(list, fromMs, entryTime); i < list.length; i++) {
        if (list[i]!.timeMs > toMs) break;
        out.push(list[i]!);
      }
      return out;
    },
    addSighting(ns, key, value, timeMs, retentionMs) {
      keep(ns, retentionMs);
      const keys = sub(sightings, ns, () => new Map<string, Map<string, number[]>>());
      const values = sub(keys, key, () => new Map<string, number[]>());
      if (!values.has(value) && values.size >= MAX_VALUES_PER_KEY) return;
      const times = sub(values, value, (): number[] => []);
      const bucket = Math.floor(timeMs / HOUR_MS) * HOUR_MS;
      const at = lowerBound(times, bucket, same);
      if (times[at] !== bucket) times.splice(at, 0, bucket);
    },
    latestSighting(ns, key, value, fromMs, toMs) {
      const times = sightings.get(ns)?.get(key)?.get(value);
      if (!times) return undefined;
      const last = times[lowerBound(times, toMs + 1, same) - 1];
      return last !== undefined && last >= fromMs ? last : undefined;
    },
    sightings(ns, key, value, fromMs, toMs) {
      const times = sightings.get(ns)?.get(key)?.get(value);
      if (!times) return [];
      return times.slice(lowerBound(times, fromMs, same), lowerBound(times, toMs + 1, same));
    },
    earliestSighting(ns, key) {
      let first: number | undefined;
      for (const times of sightings.get(ns)?.get(key)?.values() ?? []) {
        const t = times[0];
        if (t !== undefined && (first === undefined || t < first)) first = t;
      }
      return first;
    },
    keysWith(ns, value, keyContains) {
      let n = 0;
      for (const [key, values] of sightings.get(ns) ?? [])
        if (values.has(value) && (keyContains === undefined || key.includes(keyContains))) n++;
      return n;
    },
    evict(newestMs) {
      for (const [ns, keys] of windows) {
        const cut = newestMs - (retention.get(ns) ?? 0);
        for (const [key, list] of keys) {
          const drop = lowerBound(list, cut, entryTime);
          if (drop === list.length) keys.delete(key);
          else if (drop > 0) list.splice(0, drop);
        }
      }
      for (const [ns, keys] of sightings) {
        const cut = newestMs - (retention.get(ns) ?? 0) - HOUR_MS;
        for (const [key, values] of keys) {
          for (const [value, times] of values) {
            const drop = lowerBound(times, cut, same);
            if (drop === times.length) values.delete(value);
            else if (drop > 0) times.splice(0, drop);
          }
          if (values.size === 0) keys.delete(key);
        }
      }
    },
    snapshot() {
      const obj = <V, R>(m: Map<string, V>, f: (v: V) => R): Record<string, R> =>
        Object.fromEntries([...m].map(([k, v]) => [k, f(v)]));
      return {
        version: 1,
        windows: obj(windows, (keys) => obj(keys, (list) => [...list])),
        sightings: obj(sightings, (keys) => obj(keys, (values) => obj(values, (t) => [...t]))),
        retentionMs: Object.fromEntries(retention),
      };
    },
  };
}
