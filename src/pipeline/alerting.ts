/**
 * Findings → incidents → the outbox, wired: the incident changes a run makes and the alerts they
 * call for are written in one transaction (the caller's), so an alert exists exactly when its
 * incident change does. Delivery is the dispatcher's (alert/dispatch.ts), later and apart.
 */
import { createHash } from 'node:crypto';
import type { Route, Sink } from '../alert/index.js';
import { dispatch, routeAlert } from '../alert/index.js';
import type { DispatchOptions, DispatchStats } from '../alert/index.js';
import type {
  Alert,
  AlertKind,
  AlertMessage,
  Finding,
  Incident,
  IncidentState,
  IpContext,
  Token,
  WorkspaceStore,
} from '../core/index.js';
import { AppError } from '../core/index.js';
import type { IncidentUpdate, QuietRule } from '../incidents/index.js';
import {
  alertMessage,
  groupFindings,
  quietMatcher,
  quietReason,
  transition,
} from '../incidents/index.js';

/** What incidents and alerting need from the workspace. */
export interface AlertingDeps {
  readonly store: WorkspaceStore;
  /** The configured sinks' names, in config order. */
  readonly sinks: readonly string[];
  readonly routes: readonly Route[];
  readonly quiet: readonly QuietRule[];
  readonly windowMs: number;
  readonly dashboardUrl?: string;
  readonly tokens: readonly Token[];
  /** A rule's runbook steps (from the rule set the findings were made with). */
  readonly runbook: (ruleId: string) => readonly string[];
  readonly ip?: (address: string) => IpContext | undefined;
  /**
   * The signed "Was this you?" link of an incident at a revision (when a dashboard URL is
   * configured); it goes only in a canary incident's first alert.
   */
  readonly ownerLink?: (incidentId: string, revision: number) => string;
  readonly now: () => Date;
}

/** An alert's id: the same for the same incident revision, change and sink (idempotent queueing). */
export function alertId(
  incidentId: string,
  revision: number,
  kind: AlertKind,
  sink: string,
): string {
  const h = createHash('sha256').update(`${incidentId}\u0000${revision}\u0000${kind}\u0000${sink}`);
  return `alt-${h.digest('hex').slice(0, 20)}`;
}

async function findingsOf(store: WorkspaceStore, incident: Incident): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const id of incident.findingIds) {
    const f = await store.getFinding(id);
    if (f) out.push(f);
  }
  return out;
}

/** The message for an incident change (its alert id set per sink when queued). */
async function messageFor(
  deps: AlertingDeps,
  incident: Incident,
  kind: AlertKind,
): Promise<AlertMessage> {
  const token = incident.tokenId ? deps.tokens.find((t) => t.id === incident.tokenId) : undefined;
  return alertMessage(incident, kind, {
    findings: await findingsOf(deps.store, incident),
    ...(token ? { token } : {}),
    runbook: deps.runbook,
    ...(deps.ip ? { ip: deps.ip } : {}),
    ...(deps.dashboardUrl ? { dashboardUrl: deps.dashboardUrl } : {}),
    ...(deps.ownerLink && kind === 'opened' && incident.kind === 'canary'
      ? { ownerLink: deps.ownerLink(incident.id, incident.revision) }
      : {}),
    now: deps.now(),
  });
}

/** Queue `message` for every sink its route picks; returns the alerts queued. */
async function enqueue(
  deps: AlertingDeps,
  message: AlertMessage,
  sinks: readonly string[],
): Promise<Alert[]> {
  const at = deps.now().toISOString();
  const alerts = sinks.map((sink): Alert => {
    const id = alertId(message.incidentId, message.revision, message.kind, sink);
    return {
      id,
      sink,
      incidentId: message.incidentId,
      kind: message.kind,
      status: 'pending',
      attempts: 0,
      createdAt: at,
      nextAttemptAt: at,
      message: { ...message, alertId: id },
    };
  });
  await deps.store.enqueueAlerts(alerts);
  return alerts;
}

/**
 * Group findings that are new or changed into incidents and queue the alerts the changes call for
 * (none for a quiet incident). Call inside the transaction that stored the findings.
 */
export async function recordIncidents(
  deps: AlertingDeps,
  findings: readonly Finding[],
  opts: { readonly alert?: boolean } = {},
): Promise<{ updates: IncidentUpdate[]; alerts: Alert[] }> {
  if (findings.length === 0) return { updates: [], alerts: [] };
  const byKey = new Map<string, string>();
  for (const t of deps.tokens) {
    byKey.set(t.accessKeyId, t.id);
    if (t.userArn) byKey.set(t.userArn, t.id);
  }
  const updates = await groupFindings(deps.store, findings, {
    windowMs: deps.windowMs,
    now: deps.now(),
    canaryOf: (f) =>
      (f.accessKeyId ? byKey.get(f.accessKeyId) : undefined) ??
      (f.principalArn ? byKey.get(f.principalArn) : undefined),
  });
  const matchers = deps.quiet.map(quietMatcher);
  const out: IncidentUpdate[] = [];
  const alerts: Alert[] = [];
  for (const u of updates) {
    const reason = quietReason(await findingsOf(deps.store, u.incident), deps.quiet, matchers);
    const incident: Incident = reason
      ? { ...u.incident, quiet: reason }
      : (({ quiet: _q, ...rest }) => rest)(u.incident);
    out.push({ ...u, incident });
  }
  await deps.store.upsertIncidents(out.map((u) => u.incident));
  if (opts.alert === false) return { updates: out, alerts };
  for (const u of out) {
    if (u.alert === undefined || u.incident.quiet !== undefined) continue;
    const message = await messageFor(deps, u.incident, u.alert);
    alerts.push(...(await enqueue(deps, message, routeAlert(message, deps.routes, deps.sinks))));
  }
  return { updates: out, alerts };
}

/**
 * Group findings stored before incidents existed (the first start after the upgrade), without
 * alerting: they were reported when they were found.
 */
export async function backfillIncidents(deps: AlertingDeps): Promise<number> {
  return deps.store.transaction(async () => {
    const old = await deps.store.unassignedFindings();
    const { updates } = await recordIncidents(deps, old, { alert: false });
    return updates.length;
  });
}

/** The incident `id` or a KS_INCIDENT_NOT_FOUND error. */
export async function incidentOrThrow(store: WorkspaceStore, id: string): Promise<Incident> {
  const inc = await store.getIncident(id);
  if (!inc) throw new AppError('KS_INCIDENT_NOT_FOUND', { id });
  return inc;
}

/**
 * Move an incident to `state` (ack, resolve, false positive, reopen) with who and why, and queue
 * the follow-up for the sinks its first alert went to. Unchanged when already in that state.
 */
export async function setIncidentState(
  deps: AlertingDeps,
  id: string,
  state: IncidentState,
  by: string,
  why: string | undefined,
): Promise<{ incident: Incident; changed: boolean; alerts: Alert[] }> {
  return deps.store.transaction(async () => {
    const inc = await incidentOrThrow(deps.store, id);
    const next = transition(inc, state, by, why, deps.now());
    if (!next) return { incident: inc, changed: false, alerts: [] };
    await deps.store.upsertIncidents([next.incident]);
    if (next.incident.quiet !== undefined)
      return { incident: next.incident, changed: true, alerts: [] };
    const message = await messageFor(deps, next.incident, next.alert);
    const sinks = routeAlert(message, deps.routes, deps.sinks);
    return { incident: next.incident, changed: true, alerts: await enqueue(deps, message, sinks) };
  });
}

/** Add a note to an incident (notes do not alert). */
export async function addIncidentNote(
  deps: AlertingDeps,
  id: string,
  by: string,
  text: string,
): Promise<Incident> {
  return deps.store.transaction(async () => {
    const inc = await incidentOrThrow(deps.store, id);
    const at = deps.now().toISOString();
    const next: Incident = { ...inc, notes: [...inc.notes, { at, by, text }], updatedAt: at };
    await deps.store.upsertIncidents([next]);
    return next;
  });
}

/** A clearly marked test alert for one sink, queued like any other. */
export async function queueTestAlert(deps: AlertingDeps, sink: string): Promise<Alert> {
  if (!deps.sinks.includes(sink))
    throw new AppError('KS_USAGE', {
      reason: `no sink named ${sink} in alerts.sinks (configured: ${deps.sinks.join(', ') || 'none'})`,
    });
  const now = deps.now();
  const at = now.toISOString();
  const id = `alt-test-${createHash('sha256').update(`${sink}\u0000${at}`).digest('hex').slice(0, 12)}`;
  const message: AlertMessage = {
    alertId: id,
    incidentId: `inc-test-${sink}`,
    kind: 'test',
    severity: 'info',
    state: 'open',
    title: 'Keysnare test alert',
    summary: `This is a test alert from Keysnare to the sink ${sink}; nothing happened.`,
    facts: [
      { label: 'Sink', value: sink },
      { label: 'Sent', value: at },
    ],
    runbook: ['Nothing to do: this alert only checks that the sink delivers.'],
    time: at,
    firstSeen: at,
    lastSeen: at,
    rules: [],
    eventCount: 0,
    labels: ['test'],
    revision: 0,
  };
  const alert: Alert = {
    id,
    sink,
    incidentId: message.incidentId,
    kind: 'test',
    status: 'pending',
    attempts: 0,
    createdAt: at,
    nextAttemptAt: at,
    message,
  };
  await deps.store.enqueueAlerts([alert]);
  return alert;
}

/** Queue a dead alert again (its attempts start over). */
export async function retryAlert(store: WorkspaceStore, id: string, now: Date): Promise<Alert> {
  const a = await store.getAlert(id);
  if (!a) throw new AppError('KS_ALERT_NOT_FOUND', { id });
  if (a.status !== 'dead')
    throw new AppError('KS_USAGE', {
      reason: `alert ${id} is ${a.status}, not dead: nothing to retry`,
    });
  await store.recordAttempt(id, {
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now.toISOString(),
    createdAt: now.toISOString(),
    ...(a.lastError !== undefined ? { lastError: a.lastError } : {}),
  });
  return { ...a, status: 'pending', attempts: 0, nextAttemptAt: now.toISOString() };
}

/** Deliver the outbox (see alert/dispatch.ts). */
export function deliverAlerts(
  store: WorkspaceStore,
  sinks: ReadonlyMap<string, Sink>,
  opts: DispatchOptions,
): Promise<DispatchStats> {
  return dispatch(store, sinks, opts);
}
