/**
 * Turns rule hits into findings: hits of one rule and group key become one finding until a quiet
 * gap longer than the configured one separates them. Pure; order of input does not matter.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../core/index.js';
import type { DescribeContext, HitSummary, Rule } from './rule.js';

/** What building findings needs from the engine: each rule's describe context and severity. */
export interface FindingContext {
  describeContext(rule: Rule): DescribeContext;
  severityOf(rule: Rule): Rule['severity'];
}

/** Sort key: hits without a readable time sort first, then by time, then by eventId. */
function byTime(a: HitSummary, b: HitSummary): number {
  const ta = a.timeMs ?? -Infinity;
  const tb = b.timeMs ?? -Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** Split hits into clusters per (rule, groupKey) separated by more than `gapMs` of quiet. */
export function clusterHits(hits: readonly HitSummary[], gapMs: number): HitSummary[][] {
  const groups = new Map<string, HitSummary[]>();
  const seen = new Set<string>();
  for (const h of hits) {
    const dedupe = `${h.rule}\u0000${h.eventId}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const key = `${h.rule}\u0000${h.groupKey}`;
    const list = groups.get(key);
    if (list) list.push(h);
    else groups.set(key, [h]);
  }
  const clusters: HitSummary[][] = [];
  for (const list of groups.values()) {
    list.sort(byTime);
    // Events whose time is unknown are never grouped with timed ones: they make a finding of
    // their own (details.timeUnknown), after the group's timed findings.
    const untimed = list.filter((h) => h.timeMs === undefined);
    let current: HitSummary[] = [];
    let last: number | undefined;
    for (const h of list) {
      if (h.timeMs === undefined) continue;
      if (last !== undefined && h.timeMs - last > gapMs) {
        clusters.push(current);
        current = [];
      }
      current.push(h);
      last = h.timeMs;
    }
    if (current.length) clusters.push(current);
    if (untimed.length) clusters.push(untimed);
  }
  return clusters;
}

/** A finding id that is the same for the same rule, group and first event. */
export function findingId(rule: string, groupKey: string, firstEventId: string): string {
  const h = createHash('sha256').update(`${rule}\u0000${groupKey}\u0000${firstEventId}`);
  return `f_${h.digest('hex').slice(0, 20)}`;
}

/** The distinct non-empty strings of `values`, sorted. */
export function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined && v !== ''))].sort();
}

/** Build the finding for one cluster (non-empty). `id` defaults to {@link findingId}. */
export function buildFinding(
  rule: Rule,
  cluster: readonly HitSummary[],
  fctx: FindingContext,
  id?: string,
  previous?: HitSummary,
): Finding {
  const first = cluster[0];
  if (!first) throw new RangeError('buildFinding needs at least one hit');
  const base = fctx.describeContext(rule);
  const ctx = previous ? { ...base, previous } : base;
  const text = rule.describe(cluster, ctx);
  const timed = cluster.find((h) => h.time !== undefined);
  const f: Record<string, unknown> = {
    id: id ?? findingId(rule.id, first.groupKey, first.eventId),
    rule: rule.id,
    severity: fctx.severityOf(rule),
    title: text.title,
    time: timed?.time ?? new Date(0).toISOString(),
    eventIds: cluster.map((h) => h.eventId),
  };
  const pick = (k: keyof HitSummary): string | undefined => {
    for (const h of cluster) {
      const v = h[k];
      if (typeof v === 'string' && v !== '') return v;
    }
    return undefined;
  };
  for (const k of ['accessKeyId', 'principalArn', 'accountId', 'sourceIp', 'userAgent'] as const) {
    const v = pick(k);
    if (v !== undefined) f[k] = v;
  }
  f['regions'] = distinct(cluster.map((h) => h.region));
  f['eventNames'] = distinct(cluster.map((h) => h.eventName));
  if (first.tokenId !== undefined) {
    f['tokenId'] = first.tokenId;
    const token = ctx.canaries.token(first.tokenId);
    if (token) f['accessKeyId'] = token.accessKeyId;
  }
  f['source'] = rule.source;
  // The class of the user agent the finding shows (README: "user-agent class"), in details so
  // the finding's top-level contract stays as it is.
  const agent = cluster.find((h) => h.userAgent !== undefined && h.userAgent !== '') ?? first;
  const details = agent.userAgentClass
    ? { ...text.details, userAgentClass: agent.userAgentClass }
    : text.details;
  f['details'] = timed ? details : { ...details, timeUnknown: true };
  return f as unknown as Finding;
}

/** Group hits into findings for the given rules (hits of unknown rules are ignored). */
export function findingsFromHits(
  hits: readonly HitSummary[],
  rules: readonly Rule[],
  ctx: FindingContext,
  gapMs: number,
): Finding[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const out: Finding[] = [];
  const settled = settleHits(hits, rules, ctx);
  for (const { cluster, previous } of withPrevious(clusterHits(settled, gapMs))) {
    const rule = byId.get(cluster[0]?.rule ?? '');
    if (rule) out.push(buildFinding(rule, cluster, ctx, undefined, previous));
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * The hits that stand once every event of the run is in: each rule with a `settle` step gets all
 * its hits at once, with the final state (the others' hits pass as they are).
 */
export function settleHits(
  hits: readonly HitSummary[],
  rules: readonly Rule[],
  ctx: FindingContext,
): readonly HitSummary[] {
  const settling = rules.filter((r) => r.settle !== undefined);
  if (settling.length === 0) return hits;
  const ids = new Set(settling.map((r) => r.id));
  const out = hits.filter((h) => !ids.has(h.rule));
  for (const rule of settling) {
    const own = hits.filter((h) => h.rule === rule.id);
    if (own.length > 0) out.push(...(rule.settle?.(own, ctx.describeContext(rule)) ?? own));
  }
  return out;
}

/**
 * Each cluster with the last hit of the cluster before it in the same rule and group
 * ({@link clusterHits} returns a group's clusters one after another, oldest first).
 */
export function withPrevious(
  clusters: readonly HitSummary[][],
): { cluster: HitSummary[]; previous?: HitSummary }[] {
  return clusters.map((cluster, i) => {
    const before = clusters[i - 1];
    const head = cluster[0];
    const last = before?.[before.length - 1];
    const same = head && last && head.rule === last.rule && head.groupKey === last.groupKey;
    return same ? { cluster, previous: last } : { cluster };
  });
}
