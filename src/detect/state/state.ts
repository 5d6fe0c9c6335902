/**
 * Rule state in event time. Rules stay pure: they read and add state only through
 * {@link RuleState}, which the engine binds to the event being evaluated. State is keyed by event
 * time, not arrival, and adding is idempotent per eventID, so files read in any order, late or
 * twice, leave the same state behind. The {@link StateStore} interface is what the engine needs;
 * memory.ts implements it for one process, and a shared store can stand in for many workers.
 */
import type { EventSummary } from '../rule.js';

/** One event kept in a window: when, which value it carried, and its summary for the finding. */
export interface WindowEntry {
  readonly eventId: string;
  readonly timeMs: number;
  readonly value: string;
  readonly event: EventSummary;
}

/** A rule's view of its state, bound to the event being evaluated. */
export interface RuleState {
  /**
   * Keep the current event under `key` with `value` (once per eventID), and return the key's
   * entries within `windowMs` either side of the event's time, oldest first, this one included.
   * An event without a readable time is not kept and gets an empty list.
   */
  window(key: string, value: string, windowMs: number): readonly WindowEntry[];
  /**
   * Note that `value` was seen for `key` at the event's time, and return the latest earlier time it
   * had been seen (hour granularity) within `lookbackMs` before, or undefined when it had not.
   */
  seenBefore(key: string, value: string, lookbackMs: number): number | undefined;
}

/** Read-only state, for describing findings once every event is in. */
export interface RuleStateReader {
  /** The latest time (hour granularity) before `beforeMs` and within `lookbackMs` that `value` was seen for `key`. */
  lastSeenBefore(
    key: string,
    value: string,
    beforeMs: number,
    lookbackMs: number,
  ): number | undefined;
  /**
   * The earliest time (hour granularity) the state still keeps a sighting of `value` for `key`,
   * or of any value for `key` when `value` is omitted.
   */
  firstSeen(key: string, value?: string): number | undefined;
  /** How many keys (whose text contains `keyContains`, when given) have a sighting of `value`. */
  keysWith(value: string, keyContains?: string): number;
}

/** Everything a store holds, as plain JSON (for persisting between runs). */
export interface StateSnapshot {
  readonly version: 1;
  /** namespace → key → entries. */
  readonly windows: Record<string, Record<string, WindowEntry[]>>;
  /** namespace → key → value → hour buckets (epoch ms), ascending. */
  readonly sightings: Record<string, Record<string, Record<string, number[]>>>;
  /** namespace → how long its entries are kept behind the newest event time. */
  readonly retentionMs: Record<string, number>;
}

/** The state behind every rule; namespaces are rule ids. */
export interface StateStore {
  /** Add an entry; false when that eventID is already kept under the key. */
  addEntry(ns: string, key: string, entry: WindowEntry, retentionMs: number): boolean;
  /** The key's entries with `fromMs <= timeMs <= toMs`, oldest first. */
  entries(ns: string, key: string, fromMs: number, toMs: number): WindowEntry[];
  /** Note a sighting of `value` under `key` at `timeMs` (hour granularity). */
  addSighting(ns: string, key: string, value: string, timeMs: number, retentionMs: number): void;
  /** The latest hour bucket of sightings with `fromMs <= bucket <= toMs`, if any. */
  latestSighting(
    ns: string,
    key: string,
    value: string,
    fromMs: number,
    toMs: number,
  ): number | undefined;
  /** Hour buckets of sightings with `fromMs <= bucket <= toMs`, ascending. */
  sightings(ns: string, key: string, value: string, fromMs: number, toMs: number): number[];
  /** How many keys (containing `keyContains`, when given) have a sighting of `value`. */
  keysWith(ns: string, value: string, keyContains?: string): number;
  /** The earliest hour bucket of a sighting of any value under `key`. */
  earliestSighting(ns: string, key: string): number | undefined;
  /** Drop what every namespace's retention no longer needs, behind `newestMs`. */
  evict(newestMs: number): void;
  snapshot(): StateSnapshot;
}

/** Sighting granularity. */
export const HOUR_MS = 3_600_000;
