/**
 * "Who else did this?" (`keysnare hunt --like INCIDENT`, and the triage view). The stolen-keys
 * playbook: take what the incident's attacker used — source IPs, user agents, key ids and the
 * APIs that are rare in the account — and find the other principals whose stored events share
 * them, ranked by how much they share and how rare what they share is.
 *
 * One pass over the stored events, memory bounded by principals × the incident's indicators: for
 * each indicator, the principals that show it (its prevalence); for each principal, which of the
 * indicators it shows.
 */
import type { CloudEvent } from '../core/index.js';
import { stablePrincipal } from '../core/index.js';

/** What the incident's attacker used. */
export interface Indicators {
  readonly principals: readonly string[];
  readonly sourceIps: readonly string[];
  readonly userAgents: readonly string[];
  readonly accessKeyIds: readonly string[];
  /** `service:EventName` of the incident's events. */
  readonly apis: readonly string[];
}

/** Another principal that shares indicators with the incident. */
export interface Similar {
  readonly principal: string;
  readonly score: number;
  /** What it shares, as `ip:…`, `agent:…`, `key:…`, `api:…`, rarest first. */
  readonly shared: readonly string[];
  readonly events: number;
  readonly firstSeen?: string;
  readonly lastSeen?: string;
}

/** An API is rare when at most this share of the account's principals call it. */
const RARE_SHARE = 0.1;
/** Weights: a shared key is near proof, an address strong, a user agent or an API weaker. */
const WEIGHT = { key: 4, ip: 3, agent: 1.5, api: 1 } as const;

/** `sts:GetCallerIdentity` from an event. */
export function apiOf(e: Pick<CloudEvent, 'eventSource' | 'eventName'>): string {
  return `${e.eventSource.replace(/\.amazonaws\.com$/, '')}:${e.eventName}`;
}

/** A hunt in progress: feed it every stored event, then ask for the ranking. */
export interface Hunt {
  add(e: CloudEvent): void;
  results(limit?: number): Similar[];
}

/** A hunt for principals like the one(s) in `ind`. */
export function createHunt(ind: Indicators): Hunt {
  const mine = new Set(ind.principals);
  const wanted = new Map<string, keyof typeof WEIGHT>();
  for (const v of ind.sourceIps) wanted.set(`ip:${v}`, 'ip');
  for (const v of ind.userAgents) wanted.set(`agent:${v}`, 'agent');
  for (const v of ind.accessKeyIds) wanted.set(`key:${v}`, 'key');
  for (const v of ind.apis) wanted.set(`api:${v}`, 'api');
  const prevalence = new Map<string, Set<string>>();
  const principals = new Set<string>();
  const seen = new Map<
    string,
    { shared: Set<string>; events: number; first?: string; last?: string }
  >();
  const mark = (indicator: string, who: string, e: CloudEvent) => {
    if (!wanted.has(indicator)) return;
    let p = prevalence.get(indicator);
    if (!p) prevalence.set(indicator, (p = new Set()));
    p.add(who);
    if (mine.has(who)) return;
    let s = seen.get(who);
    if (!s) seen.set(who, (s = { shared: new Set(), events: 0 }));
    s.shared.add(indicator);
    s.events++;
    if (e.time && (!s.first || e.time < s.first)) s.first = e.time;
    if (e.time && (!s.last || e.time > s.last)) s.last = e.time;
  };
  return {
    add(e) {
      const who = stablePrincipal(e.identity);
      principals.add(who);
      if (e.sourceIp) mark(`ip:${e.sourceIp}`, who, e);
      if (e.userAgent) mark(`agent:${e.userAgent}`, who, e);
      if (e.identity.accessKeyId) mark(`key:${e.identity.accessKeyId}`, who, e);
      mark(`api:${apiOf(e)}`, who, e);
    },
    results(limit = 50) {
      const total = Math.max(1, principals.size);
      const rarity = (indicator: string) =>
        1 / Math.log2(1 + (prevalence.get(indicator)?.size ?? 1));
      const out: Similar[] = [];
      for (const [principal, s] of seen) {
        const shared = [...s.shared].filter((i) => {
          if (wanted.get(i) !== 'api') return true;
          return (prevalence.get(i)?.size ?? 0) / total <= RARE_SHARE;
        });
        if (shared.length === 0) continue;
        const score = shared.reduce((sum, i) => sum + WEIGHT[wanted.get(i)!] * rarity(i), 0);
        shared.sort((a, b) => rarity(b) - rarity(a) || (a < b ? -1 : 1));
        out.push({
          principal,
          score: Math.round(score * 100) / 100,
          shared,
          events: s.events,
          ...(s.first ? { firstSeen: s.first } : {}),
          ...(s.last ? { lastSeen: s.last } : {}),
        });
      }
      out.sort((a, b) => b.score - a.score || (a.principal < b.principal ? -1 : 1));
      return out.slice(0, limit);
    },
  };
}
