/**
 * The overview's activity chart: stored events and findings per hour over the {@link HOURS} hours
 * up to the newest activity (the newest incident's last event, else now), so a workspace of old
 * logs still shows its data. Bounded: events are read by time range (the store's time index) and
 * counting stops after {@link MAX_EVENTS}; findings are read newest first, at most
 * {@link MAX_FINDINGS}.
 */
import type { WorkspaceStore } from '../../../core/index.js';

/** Hours on the chart. */
export const HOURS = 72;
const MAX_EVENTS = 200_000;
const MAX_FINDINGS = 10_000;
const HOUR = 3_600_000;

/** The chart's data, in Chart.js's `data` shape. */
export interface ActivityChart {
  readonly labels: string[];
  readonly datasets: { label: string; data: number[] }[];
  /** True when more events fell in the range than were counted. */
  readonly capped: boolean;
}

async function endOfRange(store: WorkspaceStore, now: Date): Promise<number> {
  const [newest] = await store.listIncidents({ limit: 1 });
  const t = newest ? Date.parse(newest.lastSeen) : NaN;
  const end = Number.isNaN(t) ? now.getTime() : t;
  return Math.floor(end / HOUR) * HOUR + HOUR;
}

async function countEvents(
  store: WorkspaceStore,
  fromMs: number,
  toMs: number,
  buckets: number[],
): Promise<boolean> {
  let seen = 0;
  for await (const batch of store.eventBatches({ fromMs, toMs: toMs - 1, batchSize: 5000 })) {
    for (const e of batch) {
      if (e.timeMs === undefined) continue;
      const i = Math.floor((e.timeMs - fromMs) / HOUR);
      if (i >= 0 && i < buckets.length) buckets[i] = (buckets[i] ?? 0) + 1;
    }
    seen += batch.length;
    if (seen >= MAX_EVENTS) return true;
  }
  return false;
}

/** Events and findings per hour for the overview chart. */
export async function activityChart(store: WorkspaceStore, now: Date): Promise<ActivityChart> {
  const toMs = await endOfRange(store, now);
  const fromMs = toMs - HOURS * HOUR;
  const events = new Array<number>(HOURS).fill(0);
  const findings = new Array<number>(HOURS).fill(0);
  const capped = await countEvents(store, fromMs, toMs, events);
  for (const f of await store.listFindings({ limit: MAX_FINDINGS })) {
    const i = Math.floor((Date.parse(f.time) - fromMs) / HOUR);
    if (i >= 0 && i < HOURS) findings[i] = (findings[i] ?? 0) + 1;
  }
  const labels = Array.from({ length: HOURS }, (_, i) =>
    new Date(fromMs + i * HOUR).toISOString().slice(0, 13).replace('T', ' '),
  );
  return {
    labels,
    datasets: [
      { label: 'Events stored', data: events },
      { label: 'Findings', data: findings },
    ],
    capped,
  };
}
