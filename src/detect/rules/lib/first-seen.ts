/**
 * What the first-seen rules share (`anomaly.first-seen-api`, `anomaly.new-source-network`): their
 * options, UTC days, and the earliest hit of each group and day. They decide in `settle`, with the
 * whole run's state: delivery files arrive out of order, so the call that looked first when its
 * file was read may not be. The reader hands them, per principal identity and day, only the
 * earliest record of each value (`selector.earliestPer`), so the state they keep is complete at
 * day granularity, not hour.
 */
import { z } from 'zod';
import type { CloudEvent } from '../../../core/index.js';
import type { HitSummary, RuleContext, RuleSignal } from '../../rule.js';
import { principalGroupKey } from '../../rule.js';
import { isCanaryBusiness, isManagement } from './actor.js';
import type { RuleStateReader } from '../../state/state.js';

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

/** The options a first-seen rule's context carries. */
export type FirstSeenOptions = z.infer<typeof firstSeenOptions>;

/** How long a first-seen rule's sightings are kept: the lookback and the learning period. */
export function keptMs(o: FirstSeenOptions): number {
  return (o.lookbackDays + o.learningDays) * DAY_MS;
}

/**
 * A first-seen rule's signal for `value` of `principal` (the sighting is noted): none when the
 * principal had the value in an earlier hour (state only grows, so that holds whatever is read
 * later; settle decides among the rest), or the call is Keysnare's own or a canary's business
 * (checked last: few calls get that far).
 */
export function firstSeenSignal(
  event: CloudEvent,
  ctx: RuleContext<FirstSeenOptions>,
  principal: string,
  value: string,
  note: RuleSignal['note'],
): RuleSignal | undefined {
  if (ctx.state.seenBefore(principal, value, keptMs(ctx.options)) !== undefined) return undefined;
  if (isManagement(event, ctx.managementPrincipals) || isCanaryBusiness(event, ctx.canaries))
    return undefined;
  return { groupKey: firstSeenKey(principal, value), ...(note ? { note } : {}) };
}

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

/** A first-seen hit's group key (see `principalGroupKey`). */
export function firstSeenKey(principal: string, value: string): string {
  return principalGroupKey(principal, value);
}

/** The principal and value of a {@link firstSeenKey}. */
export function splitFirstSeenKey(groupKey: string): { principal: string; value: string } {
  const at = groupKey.indexOf('|');
  return { principal: groupKey.slice(0, at), value: groupKey.slice(at + 1) };
}

/**
 * The hits of a first-seen rule that stand, with the run's final state: the earliest of each
 * principal, value and day, when the principal had not had that value on an earlier day within
 * `lookbackDays` and was first seen at least `learningDays` before. The rule notes each value as
 * a sighting under the principal, so the principal's earliest sighting is when it was first seen.
 */
export function settleFirstSeen(
  hits: readonly HitSummary[],
  state: RuleStateReader,
  options: { readonly lookbackDays: number; readonly learningDays: number },
): HitSummary[] {
  return earliestPerDay(hits).filter((h) => {
    const time = h.timeMs ?? 0;
    const { principal, value } = splitFirstSeenKey(h.groupKey);
    const lookbackMs = options.lookbackDays * DAY_MS;
    if (state.lastSeenBefore(principal, value, dayStart(time), lookbackMs) !== undefined)
      return false;
    const since = state.firstSeen(principal);
    return since !== undefined && since <= time - options.learningDays * DAY_MS;
  });
}
