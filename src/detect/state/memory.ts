/**
 * {@link StateStore} in process memory, bounded so hostile input cannot grow it without limit.
 *
 * Each namespace (one rule) evicts on its own, every {@link EVICT_EVERY} entries or sightings it
 * adds: what its retention no longer needs behind its own newest event time, less
 * {@link LATENESS_MS}. Files come in delivery order (pipeline/files.ts), so events arrive close to
 * event time, but not in it: a delivery file holds up to ~15 minutes of events, a region's file
 * can come late, and the next file of another account starts earlier again. The allowance keeps
 * an event that arrives that late from finding its window emptied. Driven by the namespace's own
 * additions, what is kept depends only on that rule's events in the files' order, never on how
 * many other events were evaluated (which depends on how files were split among threads: an
 * eviction every 10,000 events evaluated, behind the newest time of all events, made findings
 * change from run to run). Past {@link MAX_ENTRIES_PER_NAMESPACE} entries or
 * {@link MAX_SIGHTINGS_PER_NAMESPACE} buckets, whole keys go, those quiet longest first; one key
 * keeps at most {@link MAX_ENTRIES_PER_KEY} entries. `evict` is for the end of an ingest run.
 */
import type { StateSnapshot, StateStore, WindowEntry } from './state.js';
import { HOUR_MS } from './state.js';

/** Entries one key keeps at most. */
export const MAX_ENTRIES_PER_KEY = 2_000;
/** Distinct values one key keeps sightings of at most. */
export const MAX_VALUES_PER_KEY = 500;
/** Window entries one namespace keeps at most (a few hundred bytes each). */
export const MAX_ENTRIES_PER_NAMESPACE = 250_000;
/** Sighting buckets (key, value, hour) one namespace keeps at most. */
export const MAX_SIGHTINGS_PER_NAMESPACE = 1_000_000;
/** Additions to a namespace between its evictions by time. */
export const EVICT_EVERY = 10_000;
/** How late (behind its namespace's newest event) an event may arrive and still find its window. */
export const LATENESS_MS = 60 * 60 * 1000;

/** A namespace's size, newest event time and additions since it last evicted. */
interface Usage {
  entries: number;
  sightings: number;
  newestMs: number;
  added: number;
}

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

/** When a namespace evicts (the defaults above; smaller in tests). */
export interface StateLimits {
  readonly entriesPerNamespace: number;
  readonly sightingsPerNamespace: number;
  readonly evictEvery: number;
  readonly latenessMs: number;
}

const DEFAULT_LIMITS: StateLimits = {
  entriesPerNamespace: MAX_ENTRIES_PER_NAMESPACE,
  sightingsPerNamespace: MAX_SIGHTINGS_PER_NAMESPACE,
  evictEvery: EVICT_EVERY,
  latenessMs: LATENESS_MS,
};

/** An empty store, or one holding `from` (a snapshot of an earlier run). */
export function createMemoryState(
  from?: StateSnapshot,
  limits: StateLimits = DEFAULT_LIMITS,
): StateStore {
  const maxEntries = limits.entriesPerNamespace;
  const maxSightings = limits.sightingsPerNamespace;
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
  const usage = new Map<string, Usage>();
  const usageOf = (ns: string): Usage =>
    sub(usage, ns, () => ({ entries: 0, sightings: 0, newestMs: -Infinity, added: 0 }));
  for (const [ns, keys] of windows)
    for (const list of keys.values()) {
      const u = usageOf(ns);
      u.entries += list.length;
      u.newestMs = Math.max(u.newestMs, list[list.length - 1]?.timeMs ?? -Infinity);
    }
  for (const [ns, keys] of sightings)
    for (const values of keys.values())
      for (const times of values.values()) {
        const u = usageOf(ns);
        u.sightings += times.length;
        u.newestMs = Math.max(u.newestMs, times[times.length - 1] ?? -Infinity);
      }

  /** Drop a namespace's windows behind `cut`; returns how many entries went. */
  const evictWindows = (keys: Map<string, WindowEntry[]>, cut: number): number => {
    let dropped = 0;
    for (const [key, list] of keys) {
      const drop = lowerBound(list, cut, entryTime);
      dropped += drop;
      if (drop === list.length) keys.delete(key);
      else if (drop > 0) list.splice(0, drop);
    }
    return dropped;
  };
  /** Drop a namespace's sightings behind `cut`; returns how many buckets went. */
  const evictSightings = (keys: Map<string, Map<string, number[]>>, cut: number): number => {
    let dropped = 0;
    for (const [key, values] of keys) {
      for (const [value, times] of values) {
        const drop = lowerBound(times, cut, same);
        dropped += drop;
        if (drop === times.length) values.delete(value);
        else if (drop > 0) times.splice(0, drop);
      }
      if (values.size === 0) keys.delete(key);
    }
    return dropped;
  };
  /** Drop what a namespace's retention no longer needs behind `newestMs`. */
  const evictBehind = (ns: string, newestMs: number): void => {
    const u = usageOf(ns);
    const kept = retention.get(ns) ?? 0;
    const keys = windows.get(ns);
    if (keys) u.entries -= evictWindows(keys, newestMs - kept);
    const values = sightings.get(ns);
    if (values) u.sightings -= evictSightings(values, newestMs - kept - HOUR_MS);
  };
  /**
   * After an addition: every `evictEvery` of them, evict behind the namespace's own newest time
   * less the lateness allowance; past a cap, drop whole keys, those whose newest time is oldest
   * first, down to 3/4 of the cap (so a flood does not shrink it again on every entry).
   */
  const added = (ns: string): void => {
    const u = usageOf(ns);
    if (++u.added >= limits.evictEvery) {
      u.added = 0;
      evictBehind(ns, u.newestMs - limits.latenessMs);
    }
    const keys = windows.get(ns);
    if (keys && u.entries > maxEntries) {
      const quietFirst = [...keys].sort(
        (a, b) => (a[1][a[1].length - 1]?.timeMs ?? 0) - (b[1][b[1].length - 1]?.timeMs ?? 0),
      );
      for (const [key, list] of quietFirst) {
        if (u.entries <= (maxEntries * 3) / 4) break;
        keys.delete(key);
        u.entries -= list.length;
      }
    }
    const values = sightings.get(ns);
    if (values && u.sightings > maxSightings) {
      const latest = (m: Map<string, number[]>): number => {
        let t = -Infinity;
        for (const times of m.values()) t = Math.max(t, times[times.length - 1] ?? -Infinity);
        return t;
      };
      const quietFirst = [...values]
        .map(([key, m]) => ({ key, m, t: latest(m) }))
        .sort((a, b) => a.t - b.t);
      for (const { key, m } of quietFirst) {
        if (u.sightings <= (maxSightings * 3) / 4) break;
        values.delete(key);
        for (const times of m.values()) u.sightings -= times.length;
      }
    }
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
      const u = usageOf(ns);
      u.entries++;
      if (entry.timeMs > u.newestMs) u.newestMs = entry.timeMs;
      if (list.length > MAX_ENTRIES_PER_KEY) {
        u.entries -= list.length - MAX_ENTRIES_PER_KEY;
        list.splice(0, list.length - MAX_ENTRIES_PER_KEY);
      }
      added(ns);
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
      if (times[at] === bucket) return;
      times.splice(at, 0, bucket);
      const u = usageOf(ns);
      u.sightings++;
      if (bucket > u.newestMs) u.newestMs = bucket;
      added(ns);
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
      for (const ns of new Set([...windows.keys(), ...sightings.keys()])) evictBehind(ns, newestMs);
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
