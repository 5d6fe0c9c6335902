/**
 * Sigma correlation rules (event_count, value_count, temporal, temporal_ordered) as stateful
 * Keysnare rules on the engine's windowed state. Each event that one of the referenced detection
 * rules matches is kept in a window under its `group-by` values (aliases resolved per rule); the
 * correlation fires for the events of every window of `timespan` that meets the condition. The
 * windows slide and the answer does not depend on the order events arrive in (state/windows.ts):
 * the last event of a qualifying window to arrive sees all of it.
 *
 * Conditions with an upper bound (`lt`, `lte`, `eq`) need a window that has closed, which a
 * stream of events never has: they are reported as unsupported, as are correlations of
 * correlations (chains).
 */
import type { CloudEvent } from '../../core/index.js';
import type { HitSummary, Rule, RuleSelector } from '../rule.js';
import type { WindowEntry } from '../state/state.js';
import { denseWindowEntries } from '../state/windows.js';
import type { CompiledSigma } from './compile.js';
import { SigmaCompileError, valuesAt } from './compile.js';
import type { SigmaCorrelationRule, SigmaRule } from './parse.js';
import { describeSigmaHits, sigmaMeta } from './rule.js';

/** A correlation with its referenced detection rules, in the order written. */
export interface CompiledCorrelation {
  readonly rule: SigmaCorrelationRule;
  readonly members: readonly CompiledSigma[];
  /** Per member, the field to read for each `group-by` entry (aliases resolved). */
  readonly groupFields: readonly (readonly string[])[];
  /** The least count (events, distinct values or distinct rules) that fires. */
  readonly min: number;
}

const SEP = '\u0000';

/**
 * Compile a correlation against the rules of the same load (referenced by id or name). Throws
 * SigmaCompileError: unknown references are errors; chains and upper-bound conditions unsupported.
 */
export function compileCorrelation(
  rule: SigmaCorrelationRule,
  detections: readonly CompiledSigma[],
  all: readonly SigmaRule[],
): CompiledCorrelation {
  const members: CompiledSigma[] = [];
  for (const ref of rule.rules) {
    const found = detections.find((d) => d.rule.id === ref || d.rule.name === ref);
    if (found) {
      members.push(found);
      continue;
    }
    const other = all.find((r) => r.id === ref || r.name === ref);
    if (other?.kind === 'correlation')
      throw new SigmaCompileError(
        rule.file,
        `refers to the correlation ${ref}: correlations of correlations are not run yet`,
        undefined,
        true,
      );
    const why = other
      ? `refers to ${ref}, which did not load (its own status says why)`
      : `refers to ${ref}, which no rule loaded here has as id or name`;
    throw new SigmaCompileError(rule.file, why);
  }
  const cond = rule.condition ?? {};
  const upper = ['lt', 'lte', 'eq'].filter((k) => cond[k] !== undefined);
  if (upper.length > 0)
    throw new SigmaCompileError(
      rule.file,
      `condition ${upper.join(', ')}: an upper bound needs a closed time window; correlations run on sliding windows as events arrive, with gt and gte`,
      undefined,
      true,
    );
  const gte = typeof cond['gte'] === 'number' ? cond['gte'] : undefined;
  const gt = typeof cond['gt'] === 'number' ? cond['gt'] + 1 : undefined;
  const temporal = rule.type === 'temporal' || rule.type === 'temporal_ordered';
  const min = Math.max(1, gte ?? gt ?? (temporal ? new Set(members).size : 1), gt ?? 0);
  const groupFields = members.map((m) =>
    rule.groupBy.map((g) => {
      const alias = rule.aliases[g];
      return alias?.[m.rule.name ?? ''] ?? alias?.[m.rule.id] ?? g;
    }),
  );
  return { rule, members, groupFields, min };
}

/** A value's text for a group key or a counted field (absent: undefined). */
function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** The selector: what every member can match (united), any case. */
function correlationSelector(c: CompiledCorrelation): RuleSelector {
  const unite = <T>(pick: (m: CompiledSigma) => Iterable<T> | undefined): T[] | undefined =>
    c.members.every((m) => pick(m) !== undefined)
      ? [...new Set(c.members.flatMap((m) => [...pick(m)!]))]
      : undefined;
  const names = unite((m) => m.eventNames);
  const sources = unite((m) => m.eventSources);
  const mentions = unite((m) => m.needles);
  return {
    ...(names ? { eventNames: names } : {}),
    ...(sources ? { eventSources: sources } : {}),
    ...(mentions ? { mentions } : {}),
    anyCase: true,
  };
}

/** Entries of every window holding `atMs` in which the members matched in the order given. */
function orderedEntries(
  list: readonly WindowEntry[],
  atMs: number,
  windowMs: number,
  members: number,
): WindowEntry[] {
  const keep = new Array<boolean>(list.length).fill(false);
  const has = (e: WindowEntry, i: number) => e.value.split(',').includes(String(i));
  for (let start = 0; start < list.length; start++) {
    const s = list[start]!.timeMs;
    if (s > atMs) break;
    if (s + windowMs < atMs || !has(list[start]!, 0)) continue;
    let want = 1;
    let end = start;
    for (let j = start + 1; j < list.length && want < members; j++) {
      const e = list[j]!;
      if (e.timeMs > s + windowMs) break;
      // A later rule's event at the same time as the earlier one's still comes after it.
      if (has(e, want)) {
        want++;
        end = j;
      }
    }
    if (want >= members) keep.fill(true, start, end + 1);
  }
  return list.filter((_, i) => keep[i]);
}

/** A compiled correlation as a stateful {@link Rule}. */
export function correlationRule(c: CompiledCorrelation): Rule {
  const r = c.rule;
  // The engine calls admit, then match, on the same event: the members are matched once for it.
  let last: CloudEvent | undefined;
  let lastHits: number[] = [];
  const matched = (event: CloudEvent): number[] => {
    if (event === last) return lastHits;
    const raw = event.raw;
    const out: number[] = [];
    if (raw !== undefined) {
      c.members.forEach((m, i) => {
        if (m.matches(raw)) out.push(i);
      });
    }
    last = event;
    lastHits = out;
    return out;
  };
  const ordered = r.type === 'temporal_ordered';
  return {
    ...sigmaMeta(r),
    selector: correlationSelector(c),
    stateful: true,
    readsRecord: true,
    admit: (event) => matched(event).length > 0,
    match(event, ctx) {
      const hits = matched(event);
      const raw = event.raw;
      if (hits.length === 0 || raw === undefined) return undefined;
      const first = hits[0]!;
      const group = (c.groupFields[first] ?? [])
        .map((f) => textOf(valuesAt(raw, f)) ?? '')
        .join(SEP);
      let value: string;
      if (r.type === 'event_count') value = event.eventId;
      else if (r.type === 'value_count') {
        const field = String(r.condition?.['field'] ?? '');
        const v = textOf(valuesAt(raw, field));
        // An event without the counted field adds no value.
        if (v === undefined) return undefined;
        value = v;
      } else value = hits.join(',');
      const list = ctx.state.window(group, value, r.timespanMs);
      const at = event.timeMs;
      if (at === undefined) return undefined;
      let events: WindowEntry[];
      if (ordered) events = orderedEntries(list, at, r.timespanMs, c.members.length);
      else if (r.type === 'temporal') events = temporalEntries(list, at, r.timespanMs, c.min);
      else events = denseWindowEntries(list, at, r.timespanMs, c.min);
      if (events.length === 0) return undefined;
      return { groupKey: group === '' ? 'all' : group, events };
    },
    describe(hits: readonly HitSummary[]) {
      const group = Object.fromEntries(
        r.groupBy.map((g, i) => [g, (hits[0]?.groupKey ?? '').split(SEP)[i] ?? '']),
      );
      return describeSigmaHits(r, hits, {
        correlation: {
          type: r.type,
          rules: c.members.map((m) => m.rule.title),
          groupBy: group,
          timespan: r.timespan,
          ...(r.condition ? { condition: r.condition } : {}),
        },
      });
    },
    samples: { match: [], nonMatch: [] },
  };
}

/** Windows in which at least `min` distinct members matched (an entry may carry several). */
function temporalEntries(
  list: readonly WindowEntry[],
  atMs: number,
  windowMs: number,
  min: number,
): WindowEntry[] {
  const spread = list.flatMap((e) => e.value.split(',').map((v) => ({ ...e, value: v })));
  const keep = new Set(denseWindowEntries(spread, atMs, windowMs, min).map((e) => e.eventId));
  return list.filter((e) => keep.has(e.eventId));
}
