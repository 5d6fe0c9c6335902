/**
 * What the first-seen rules share (`anomaly.first-seen-api`, `anomaly.new-source-network`): their
 * options, UTC days, and the earliest hit of each group and day. They decide in `settle`, with the
 * whole run's state: delivery files arrive out of order, so the call that looked first when its
 * file was read may not be. The reader hands them, per principal identity and day, only the
 * earliest record of each value (`selector.earliestPer`), so the state they keep is complete at
 * day granularity, not hour.
 */
import { z } from 'zod';
import type { HitSummary } from '../../rule.js';

export const DAY_MS = 24 * 3_600_000;

/** Start of the UTC day holding `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Options of a first-seen rule. */
export const firstSeenOptions = z.object({
  learningDays: z
    .number()
    .int()
    .min(0)
    .max(90)
    .default(7)
    .describe(
      'a principal is learned for this many days after Keysnare first sees it: nothing it does then is "new"',
    ),
  lookbackDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .default(30)
    .describe('"new" means not seen on any earlier day within this many days'),
});

/** Hits sorted by time then eventId (timed hits only). */
function byTime(hits: readonly HitSummary[]): HitSummary[] {
  return hits
    .filter((h) => h.timeMs !== undefined)
    .sort((a, b) =>
      a.timeMs !== b.timeMs
        ? (a.timeMs ?? 0) - (b.timeMs ?? 0)
        : a.eventId < b.eventId
          ? -1
          : a.eventId > b.eventId
            ? 1
            : 0,
    );
}

/** The earliest hit (time, then eventId) of each group key and UTC day. */
export function earliestPerDay(hits: readonly HitSummary[]): HitSummary[] {
  const seen = new Set<string>();
  const out: HitSummary[] = [];
  for (const h of byTime(hits)) {
    const k = `${h.groupKey}\u0000${dayStart(h.timeMs ?? 0)}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(h);
  }
  return out;
}
