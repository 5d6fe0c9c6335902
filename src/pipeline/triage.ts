/**
 * The triage view of an incident (`incidents show`) and the hunt for its attacker's playbook
 * elsewhere (`hunt --like`): both read the stored events.
 */
import type { AlertFact, CloudEvent, CustodyEntry, Incident } from '../core/index.js';
import { stablePrincipal } from '../core/index.js';
import type { Similar } from '../incidents/index.js';
import { alertMessage, apiOf, createHunt } from '../incidents/index.js';
import type { AlertingDeps } from './alerting.js';
import { incidentOrThrow } from './alerting.js';

/** One line of the timeline. */
export interface TimelineEntry {
  readonly eventId: string;
  readonly time?: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly region: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  readonly principal?: string;
  readonly accessKeyId?: string;
  readonly errorCode?: string;
  /** True for the events the incident's findings are made of. */
  readonly inIncident: boolean;
}

/** Everything `incidents show` prints (and `--format jsonl` writes as one object). */
export interface TriageView {
  readonly incident: Incident;
  readonly summary: string;
  readonly facts: readonly AlertFact[];
  readonly aroundHours: number;
  readonly timeline: readonly TimelineEntry[];
  /** How many timeline events were left out past the cap. */
  readonly timelineOmitted: number;
  readonly custody: readonly CustodyEntry[];
  readonly runbook: readonly string[];
  /** Who else did this within the view's window (`hunt --like` searches every stored event). */
  readonly similar: readonly Similar[];
}

/** The most timeline entries shown. */
const TIMELINE_CAP = 500;

function entry(e: CloudEvent, inIncident: boolean): TimelineEntry {
  const t: Record<string, unknown> = {
    eventId: e.eventId,
    time: e.time,
    eventSource: e.eventSource,
    eventName: e.eventName,
    region: e.region,
    sourceIp: e.sourceIp,
    userAgent: e.userAgent,
    principal: e.identity.arn ?? e.identity.principalId,
    accessKeyId: e.identity.accessKeyId,
    errorCode: e.errorCode,
    inIncident,
  };
  for (const k of Object.keys(t)) if (t[k] === undefined) delete t[k];
  return t as unknown as TimelineEntry;
}

/** The events the incident's findings are made of. */
async function incidentEvents(deps: AlertingDeps, inc: Incident): Promise<CloudEvent[]> {
  const out: CloudEvent[] = [];
  for (const fid of inc.findingIds) {
    const f = await deps.store.getFinding(fid);
    for (const id of f?.eventIds ?? []) {
      const e = await deps.store.getEvent(id);
      if (e) out.push(e.event);
    }
  }
  return out;
}

/** The triage view of incident `id`, with the activity `aroundHours` before and after it. */
export async function triageView(
  deps: AlertingDeps,
  id: string,
  aroundHours: number,
): Promise<TriageView> {
  const inc = await incidentOrThrow(deps.store, id);
  const own = await incidentEvents(deps, inc);
  const ownIds = new Set(own.map((e) => e.eventId));
  const around = aroundHours * 3_600_000;
  const fromMs = Date.parse(inc.firstSeen) - around;
  const toMs = Date.parse(inc.lastSeen) + around;
  const inWindow = (e: CloudEvent) =>
    e.timeMs === undefined || Number.isNaN(fromMs) || (e.timeMs >= fromMs && e.timeMs <= toMs);
  const byId = new Map<string, CloudEvent>(own.map((e) => [e.eventId, e]));
  const principals = inc.principalArn ? [inc.principalArn] : [];
  for (const e of await deps.store.findEventsByIdentity({
    accessKeyIds: inc.accessKeyIds,
    principalArns: principals,
  }))
    if (inWindow(e)) byId.set(e.eventId, e);
  // One pass over the window's events: the source IPs' timeline, and who else did this there
  // (`hunt --like` searches every stored event).
  const ips = new Set(inc.sourceIps);
  const hunt = huntFor(inc, own);
  if (!Number.isNaN(fromMs))
    for await (const batch of deps.store.eventBatches({ fromMs, toMs }))
      for (const e of batch) {
        hunt.add(e);
        if (e.sourceIp && ips.has(e.sourceIp)) byId.set(e.eventId, e);
      }
  const all = [...byId.values()].sort((a, b) => (a.timeMs ?? 0) - (b.timeMs ?? 0));
  const token = inc.tokenId ? deps.tokens.find((t) => t.id === inc.tokenId) : undefined;
  const findings = [];
  for (const fid of inc.findingIds) {
    const f = await deps.store.getFinding(fid);
    if (f) findings.push(f);
  }
  const message = alertMessage(inc, 'opened', {
    findings,
    ...(token ? { token } : {}),
    runbook: deps.runbook,
    ...(deps.ip ? { ip: deps.ip } : {}),
    now: deps.now(),
  });
  return {
    incident: inc,
    summary: message.summary,
    facts: message.facts,
    aroundHours,
    timeline: all.slice(0, TIMELINE_CAP).map((e) => entry(e, ownIds.has(e.eventId))),
    timelineOmitted: Math.max(0, all.length - TIMELINE_CAP),
    custody: inc.tokenId ? await deps.store.custody(inc.tokenId) : [],
    runbook: message.runbook,
    similar: hunt.results(10),
  };
}

/** A hunt for the indicators of `inc`, whose own events are `events`. */
function huntFor(inc: Incident, events: readonly CloudEvent[]) {
  return createHunt({
    principals: [...new Set(events.map((e) => stablePrincipal(e.identity)))],
    sourceIps: inc.sourceIps,
    userAgents: inc.userAgents,
    accessKeyIds: inc.accessKeyIds,
    apis: [...new Set(events.map(apiOf))],
  });
}

/**
 * Other principals whose stored events share the incident's source IPs, user agents, key ids
 * and rare APIs, ranked (see incidents/hunt.ts).
 */
export async function huntLike(
  deps: AlertingDeps,
  inc: Incident,
  own?: readonly CloudEvent[],
  limit = 50,
): Promise<Similar[]> {
  const hunt = huntFor(inc, own ?? (await incidentEvents(deps, inc)));
  for await (const batch of deps.store.eventBatches()) for (const e of batch) hunt.add(e);
  return hunt.results(limit);
}
