/**
 * Findings → incidents. A finding joins the open incident of its subject — its canary token, else
 * its principal (ARN or key id), else its source IP — whose activity is within the window of it;
 * otherwise it opens a new incident. Canary incidents stay apart from real-key ones (their keys
 * differ) but are linked to every incident that shares a source IP, and a real-key incident linked
 * to a canary's is raised to at least high: the canary proved that address hostile.
 *
 * Everything an incident shows is worked out again from its findings as stored, so a finding that
 * grew, merged into another or was settled away changes the incident the same way.
 */
import { createHash } from 'node:crypto';
import type {
  AlertKind,
  Finding,
  FindingStore,
  Incident,
  IncidentKind,
  IncidentStore,
  Severity,
} from '../core/index.js';
import { OWNER_LINK_SUFFIX, SEVERITIES } from '../core/index.js';

/** How findings are grouped. */
export interface GroupingOptions {
  /** A finding joins an incident whose activity is within this of its time (default 24 h). */
  readonly windowMs: number;
  readonly now: Date;
  /**
   * The canary token a finding without a `tokenId` is about (its key or user is a canary's): any
   * rule's finding on a canary belongs to the canary's incident.
   */
  readonly canaryOf?: (f: Finding) => string | undefined;
}

/** An incident that changed, and the alert it calls for (none: it changed without news). */
export interface IncidentUpdate {
  readonly incident: Incident;
  readonly alert: AlertKind | undefined;
  /** The incident before the change (undefined for a new one). */
  readonly before: Incident | undefined;
}

/** The default grouping window. */
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** A list's cap in an incident (the full lists are in its findings). */
const LIST_CAP = 50;
/** At most this many linked incidents are kept on one. */
const RELATED_CAP = 50;

/** The subject a finding is grouped by. */
export function subjectOf(
  f: Finding,
  canaryOf?: (f: Finding) => string | undefined,
): { kind: IncidentKind; key: string } {
  const token = f.tokenId ?? canaryOf?.(f);
  if (token) return { kind: 'canary', key: `token:${token}` };
  const who = f.principalArn ?? f.accessKeyId;
  if (who) return { kind: 'principal', key: `principal:${who}` };
  if (f.sourceIp) return { kind: 'source', key: `ip:${f.sourceIp}` };
  const intake = f.details['intake'];
  if (typeof intake === 'string') return { kind: 'source', key: `intake:${intake}` };
  return { kind: 'source', key: `rule:${f.rule}` };
}

/** The more urgent of two severities. */
export function higher(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

function lastTimeOf(f: Finding): string {
  const t = f.details['lastTime'];
  return typeof t === 'string' && t > f.time ? t : f.time;
}

function isClosed(i: Incident): boolean {
  return i.state === 'resolved' || i.state === 'false-positive';
}

function within(i: Incident, f: Finding, windowMs: number): boolean {
  const t = Date.parse(f.time);
  if (Number.isNaN(t)) return true;
  return t >= Date.parse(i.firstSeen) - windowMs && t <= Date.parse(i.lastSeen) + windowMs;
}

function distinct(values: readonly (string | undefined)[]): string[] {
  const out = [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
  return out.slice(0, LIST_CAP);
}

/** An incident's id: stable, from its subject and its first finding. */
export function incidentId(key: string, firstFindingId: string): string {
  return `inc-${createHash('sha256').update(`${key}\u0000${firstFindingId}`).digest('hex').slice(0, 16)}`;
}

/** The incident's summary fields worked out from its findings (severity before any raise). */
function summarize(
  base: Omit<
    Incident,
    | 'severity'
    | 'title'
    | 'firstSeen'
    | 'lastSeen'
    | 'rules'
    | 'eventCount'
    | 'accessKeyIds'
    | 'sourceIps'
    | 'userAgents'
    | 'regions'
    | 'eventNames'
    | 'findingIds'
  >,
  findings: readonly Finding[],
): Incident {
  const sorted = [...findings].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const severity = sorted.reduce<Severity>((s, f) => higher(s, f.severity), 'info');
  const top = sorted.find((f) => f.severity === severity) ?? sorted[0]!;
  const events = new Set(sorted.flatMap((f) => f.eventIds));
  const pick = (k: 'principalArn' | 'accountId' | 'tokenId'): string | undefined =>
    sorted.find((f) => f[k] !== undefined)?.[k];
  const principalArn = pick('principalArn');
  const accountId = pick('accountId');
  const tokenId =
    pick('tokenId') ?? (base.kind === 'canary' ? base.key.slice('token:'.length) : undefined);
  return {
    ...base,
    title: top.title,
    severity,
    firstSeen: sorted[0]!.time,
    lastSeen: sorted.map(lastTimeOf).reduce((a, b) => (b > a ? b : a)),
    findingIds: sorted.map((f) => f.id),
    rules: distinct(sorted.map((f) => f.rule)),
    eventCount: events.size,
    ...(tokenId !== undefined ? { tokenId } : {}),
    ...(principalArn !== undefined ? { principalArn } : {}),
    ...(accountId !== undefined ? { accountId } : {}),
    accessKeyIds: distinct(sorted.map((f) => f.accessKeyId)),
    sourceIps: distinct(sorted.map((f) => f.sourceIp)),
    userAgents: distinct(sorted.map((f) => f.userAgent)),
    regions: distinct(sorted.flatMap((f) => f.regions ?? [])),
    eventNames: distinct(sorted.flatMap((f) => f.eventNames ?? [])),
  };
}

/** What changed between two versions of an incident that is news for the people on call. */
function isNews(before: Incident, after: Incident): boolean {
  return (
    after.eventCount !== before.eventCount ||
    after.findingIds.length !== before.findingIds.length ||
    after.severity !== before.severity ||
    after.related.some((r) => !before.related.includes(r))
  );
}

/** An incident being rebuilt: what it was and which findings it now holds. */
interface Pending {
  readonly before: Incident | undefined;
  readonly base: Incident;
  readonly findingIds: Set<string>;
}

/**
 * Group `findings` (new or changed, as stored) into incidents, reading and writing nothing but the
 * stores given; returns every incident that changed with the alert it calls for. Runs inside the
 * caller's transaction (the outbox entries are written in the same one).
 */
export async function groupFindings(
  store: IncidentStore & Pick<FindingStore, 'getFinding'>,
  findings: readonly Finding[],
  opts: GroupingOptions,
): Promise<IncidentUpdate[]> {
  const now = opts.now.toISOString();
  const owners = await store.incidentsOfFindings(findings.map((f) => f.id));
  const pending = new Map<string, Pending>();
  const openByKey = new Map<string, Incident[]>();
  const stored = async (id: string): Promise<Pending | undefined> => {
    const known = pending.get(id);
    if (known) return known;
    const inc = await store.getIncident(id);
    if (!inc) return undefined;
    const p = { before: inc, base: inc, findingIds: new Set(inc.findingIds) };
    pending.set(id, p);
    return p;
  };
  const byTime = [...findings].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  for (const f of byTime) {
    const owner = owners.get(f.id);
    let target = owner !== undefined ? await stored(owner) : undefined;
    if (!target) {
      const { kind, key } = subjectOf(f, opts.canaryOf);
      let open = openByKey.get(key);
      if (!open) {
        open = (await store.incidentsByKey(key)).filter((i) => !isClosed(i));
        openByKey.set(key, open);
      }
      const found = open.find((i) => within(pending.get(i.id)?.base ?? i, f, opts.windowMs));
      if (found) target = await stored(found.id);
      if (!target) {
        const base = placeholder(incidentId(key, f.id), kind, key, f, now);
        target = { before: undefined, base, findingIds: new Set() };
        pending.set(base.id, target);
        open.push(base);
      }
    }
    target.findingIds.add(f.id);
    // Later findings of the same subject are placed against the incident's span so far.
    if (target.base.lastSeen < lastTimeOf(f))
      pending.set(target.base.id, { ...target, base: { ...target.base, lastSeen: lastTimeOf(f) } });
  }
  const given = new Map(findings.map((f) => [f.id, f]));
  const rebuilt = new Map<string, { incident: Incident; before: Incident | undefined }>();
  for (const [id, p] of pending) {
    const held: Finding[] = [];
    for (const fid of p.findingIds) {
      const f = given.get(fid) ?? (await store.getFinding(fid));
      if (f) held.push(f);
    }
    if (held.length === 0) continue;
    const { raisedBy: _dropped, ...base } = p.base;
    rebuilt.set(id, { incident: summarize({ ...base, updatedAt: now }, held), before: p.before });
  }
  return link(store, rebuilt, now);
}

/** A new incident before its findings are summarized into it. */
function placeholder(
  id: string,
  kind: IncidentKind,
  key: string,
  f: Finding,
  now: string,
): Incident {
  return {
    id,
    kind,
    key,
    title: f.title,
    severity: f.severity,
    state: 'open',
    firstSeen: f.time,
    lastSeen: lastTimeOf(f),
    findingIds: [f.id],
    rules: [f.rule],
    eventCount: f.eventIds.length,
    accessKeyIds: [],
    sourceIps: [],
    userAgents: [],
    regions: [],
    eventNames: [],
    related: [],
    history: [{ at: now, by: 'keysnare', state: 'open', why: 'first finding' }],
    notes: [],
    revision: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/** Equal but for the time of the last write. */
function sameContent(a: Incident, b: Incident): boolean {
  return JSON.stringify({ ...a, updatedAt: '' }) === JSON.stringify({ ...b, updatedAt: '' });
}

/**
 * Link incidents that share a source IP (both ways), raise real-key incidents linked to a canary
 * incident, and say which alert each change calls for: a new incident opens, news on an open one
 * is a follow-up, news on a resolved one reopens it, and a false positive stays quiet.
 */
async function link(
  store: IncidentStore,
  rebuilt: ReadonlyMap<string, { incident: Incident; before: Incident | undefined }>,
  now: string,
): Promise<IncidentUpdate[]> {
  const all = new Map(rebuilt);
  const ips = [...new Set([...rebuilt.values()].flatMap((r) => r.incident.sourceIps))];
  // Only open incidents are linked: a closed one sharing an address (a corporate NAT, months ago)
  // is neither reopened nor sent a follow-up for every new incident on that address.
  for (const other of await store.incidentsBySourceIp(ips))
    if (!all.has(other.id) && !isClosed(other))
      all.set(other.id, { incident: other, before: other });
  const byIp = new Map<string, string[]>();
  for (const [id, { incident }] of all)
    for (const ip of incident.sourceIps) byIp.set(ip, [...(byIp.get(ip) ?? []), id]);
  const updates: IncidentUpdate[] = [];
  for (const [id, { incident, before }] of all) {
    const related = new Set(incident.related);
    for (const ip of incident.sourceIps)
      for (const other of byIp.get(ip) ?? []) if (other !== id) related.add(other);
    let next: Incident = { ...incident, related: [...related].sort().slice(0, RELATED_CAP) };
    const peer =
      next.kind === 'canary'
        ? undefined
        : next.related.map((r) => all.get(r)?.incident).find((r) => r?.kind === 'canary');
    if (peer && higher(next.severity, 'high') !== next.severity) {
      const ip = peer.sourceIps.find((a) => next.sourceIps.includes(a)) ?? '?';
      next = {
        ...next,
        severity: 'high',
        raisedBy: `shares source IP ${ip} with canary incident ${peer.id}`,
      };
    }
    let alert: AlertKind | undefined =
      before === undefined ? 'opened' : isNews(before, next) ? 'updated' : undefined;
    if (before !== undefined && alert === undefined && sameContent(before, next)) continue;
    if (alert === 'updated' && next.state === 'resolved') {
      next = {
        ...next,
        state: 'open',
        history: [
          ...next.history,
          { at: now, by: 'keysnare', state: 'open', why: 'new activity after it was resolved' },
        ],
      };
      alert = 'reopened';
    }
    // A false positive stays quiet, unless it was the token owner's own word (the signed link):
    // then new activity still goes out, so that link cannot mute an attacker.
    if (alert === 'updated' && next.state === 'false-positive' && !ownerSaidSo(next))
      alert = undefined;
    const revision = alert !== undefined ? (before?.revision ?? 0) + 1 : next.revision;
    updates.push({ incident: { ...next, revision, updatedAt: now }, alert, before });
  }
  return updates;
}

/** True when the incident's false-positive state came from the owner's signed link. */
function ownerSaidSo(i: Incident): boolean {
  return i.history.at(-1)?.by.endsWith(OWNER_LINK_SUFFIX) === true;
}

/** An incident moved to `state` by `by`, with why; undefined when it is in that state already. */
export function transition(
  incident: Incident,
  state: Incident['state'],
  by: string,
  why: string | undefined,
  now: Date,
): { incident: Incident; alert: AlertKind } | undefined {
  if (incident.state === state) return undefined;
  const at = now.toISOString();
  const alert: AlertKind = state === 'open' ? 'reopened' : state;
  return {
    incident: {
      ...incident,
      state,
      history: [...incident.history, { at, by, state, ...(why ? { why } : {}) }],
      revision: incident.revision + 1,
      updatedAt: at,
    },
    alert,
  };
}
