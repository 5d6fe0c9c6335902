/** What `keysnare status` and `GET /api/v1/status` report: the workspace's counts by state. */
import type { WorkspaceStore } from '../core/index.js';
import { INCIDENT_STATES } from '../core/index.js';

/** Counts of incidents (by state), findings, events and alerts (by status). */
export interface WorkspaceCounts {
  readonly incidents: Readonly<Record<string, number>>;
  readonly findings: number;
  readonly events: number;
  readonly alerts: Readonly<Record<'pending' | 'delivered' | 'dead', number>>;
}

/** The workspace's counts. */
export async function workspaceCounts(store: WorkspaceStore): Promise<WorkspaceCounts> {
  const incidents = await store.listIncidents();
  const alerts = await store.listAlerts();
  const count = (status: string) => alerts.filter((a) => a.status === status).length;
  return {
    incidents: Object.fromEntries(
      INCIDENT_STATES.map((st) => [st, incidents.filter((i) => i.state === st).length]),
    ),
    findings: (await store.listFindings({})).length,
    events: await store.countEvents(),
    alerts: { pending: count('pending'), delivered: count('delivered'), dead: count('dead') },
  };
}
