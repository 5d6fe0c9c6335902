/**
 * LookupEvents polling (CloudTrail Event history, reference/aws.md §2.9) for accounts without a
 * trail bucket: every region named, each at most `requestsPerSecond` (AWS allows 2 per account
 * and region) through a token bucket. A sweep asks for the events from the region's checkpoint
 * (less `overlapMinutes`, since events reach the history minutes late) to now, page by page
 * (newest first); each page becomes one `{"Records":[…]}` spool file. The checkpoint, the newest
 * event time fully stored, advances only when every page of the sweep is acknowledged; what
 * the overlap fetches again is dropped downstream by eventID. An item whose CloudTrailEvent is
 * not a JSON object is quarantined and the page goes on without it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { CloudTrailPort, LookupEventsPage } from '../../aws/ports.js';
import { hasAwsCode } from '../../aws/clients.js';
import { createHealth, type HealthTracker } from './health.js';
import { createTokenBucket, type TokenBucket } from './rate-limit.js';
import type {
  LiveSource,
  LiveSourceContext,
  LiveSourceDefinition,
  SourceClock,
  SpooledFile,
} from './source.js';
import { isAbort, systemClock, onePollAtATime } from './source.js';
import { isSourceName } from './spool.js';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/** Options of a `lookup-events` source. */
export const lookupEventsSourceOptions = z.strictObject({
  name: z.string().refine(isSourceName, 'letters, digits, - and _ (at most 64)'),
  /** Every region to poll (IAM and global STS events are in us-east-1). */
  regions: z.array(z.string().regex(REGION, 'an AWS region such as us-east-1')).min(1),
  /** How far back the first sweep of a region goes (Event history keeps 90 days). */
  initialLookbackMinutes: z
    .number()
    .int()
    .min(1)
    .max(90 * 24 * 60)
    .default(60),
  /** How far before the checkpoint each later sweep starts. */
  overlapMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(15),
  /** Pages asked for per region per poll (a longer sweep goes on in the next poll). */
  maxPagesPerPoll: z.number().int().min(1).max(1000).default(20),
  /** Requests per second per region (AWS's limit is 2). */
  requestsPerSecond: z.number().positive().max(2).default(2),
  /** Failed sweeps of a region before a page that keeps failing is quarantined. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
});

/** The parsed options. */
export type LookupEventsSourceOptions = z.output<typeof lookupEventsSourceOptions>;

const HISTORY_MS = 90 * 86_400_000;
const MAX_SAMPLE = 16_384;

/** One query window of a region, read page by page. */
interface Sweep {
  readonly id: string;
  readonly start: number;
  readonly end: number;
  token: string | undefined;
  /** No more pages to ask for (the last one came, or the sweep was abandoned). */
  listed: boolean;
  pages: number;
  pending: number;
  newest: number | undefined;
  failure: string | undefined;
}

interface RegionState {
  readonly region: string;
  readonly limiter: TokenBucket;
  loaded: boolean;
  checkpoint: number | undefined;
  sweep: Sweep | undefined;
  failedSweeps: number;
}

interface LookupRun {
  readonly o: LookupEventsSourceOptions;
  readonly ct: CloudTrailPort;
  readonly ctx: LiveSourceContext;
  readonly clock: SourceClock;
  readonly health: HealthTracker;
  readonly regions: RegionState[];
}

const checkpointKey = (o: LookupEventsSourceOptions, region: string): string =>
  `live-source:${o.name}:lookup-events:${region}`;

const iso = (ms: number): string => new Date(ms).toISOString();

/** `YYYYMMDDTHHmmZ`, CloudTrail's delivery stamp, so spool files sort by their events' time. */
function stamp(ms: number): string {
  return iso(ms).slice(0, 16).replace(/[-:]/g, '') + 'Z';
}

async function load(run: LookupRun, r: RegionState): Promise<void> {
  if (r.loaded) return;
  const stored = await run.ctx.checkpoints.getValue(checkpointKey(run.o, r.region));
  const ms = stored === undefined ? NaN : Date.parse(stored);
  r.checkpoint = Number.isFinite(ms) ? ms : undefined;
  r.loaded = true;
}

function newSweep(run: LookupRun, r: RegionState): Sweep {
  const now = run.clock.now();
  const from =
    r.checkpoint !== undefined
      ? r.checkpoint - run.o.overlapMinutes * 60_000
      : now - run.o.initialLookbackMinutes * 60_000;
  const start = Math.min(Math.max(from, now - HISTORY_MS), now);
  const id = createHash('sha256')
    .update(`${r.region}\u0000${start}\u0000${now}`)
    .digest('hex')
    .slice(0, 16);
  return {
    id,
    start,
    end: now,
    token: undefined,
    listed: false,
    pages: 0,
    pending: 0,
    newest: undefined,
    failure: undefined,
  };
}

async function finishSweep(run: LookupRun, r: RegionState, sweep: Sweep): Promise<void> {
  if (r.sweep !== sweep || !sweep.listed || sweep.pending > 0) return;
  r.sweep = undefined;
  if (sweep.failure !== undefined) {
    r.failedSweeps += 1;
    return;
  }
  r.failedSweeps = 0;
  if (sweep.newest === undefined || (r.checkpoint !== undefined && sweep.newest <= r.checkpoint))
    return;
  r.checkpoint = sweep.newest;
  try {
    await run.ctx.checkpoints.setValue(checkpointKey(run.o, r.region), iso(sweep.newest));
  } catch (err) {
    run.health.error(err, `saving the ${r.region} checkpoint`);
  }
}

function spooled(
  run: LookupRun,
  r: RegionState,
  sweep: Sweep,
  path: string,
  origin: string,
): SpooledFile {
  let settled = false;
  sweep.pending += 1;
  run.health.handedOut();
  const done = async (): Promise<void> => {
    sweep.pending -= 1;
    await finishSweep(run, r, sweep);
  };
  return {
    path,
    origin,
    async ack() {
      if (settled) return;
      settled = true;
      await run.ctx.spool.remove(path);
      run.health.stored();
      await done();
    },
    async fail(reason) {
      if (settled) return;
      settled = true;
      run.health.released();
      run.health.error(reason, origin);
      if (r.failedSweeps + 1 >= run.o.maxAttempts) {
        // Kept in quarantine (with its events) so the region moves on.
        await run.ctx.spool.quarantine(
          `${r.region}-${sweep.id}-${sweep.pages}`,
          { origin, reason, at: iso(run.clock.now()) },
          path,
        );
        run.health.quarantined();
      } else {
        await run.ctx.spool.remove(path);
        sweep.failure ??= reason;
        // Abandon the sweep: it is asked for again, whole, from the same checkpoint.
        sweep.token = undefined;
        sweep.listed = true;
      }
      await done();
    },
  };
}

function isRecord(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Spool one page; undefined when it holds no usable record. */
async function writePage(
  run: LookupRun,
  r: RegionState,
  sweep: Sweep,
  page: LookupEventsPage,
): Promise<SpooledFile | undefined> {
  const records: string[] = [];
  let oldest: number | undefined;
  for (const e of page.events) {
    const text = e.cloudTrailEvent;
    if (text === undefined || !isRecord(text)) {
      await run.ctx.spool.quarantine(`${r.region}-event-${e.eventId}`, {
        origin: `lookup-events://${r.region}/${e.eventId}`,
        reason:
          text === undefined
            ? 'the event has no CloudTrailEvent'
            : 'CloudTrailEvent is not a JSON object',
        at: iso(run.clock.now()),
        ...(text !== undefined ? { sample: text.slice(0, MAX_SAMPLE) } : {}),
      });
      run.health.quarantined();
      continue;
    }
    records.push(text);
    const t = e.eventTime ? Date.parse(e.eventTime) : NaN;
    if (Number.isFinite(t)) {
      run.health.seen(t);
      if (sweep.newest === undefined || t > sweep.newest) sweep.newest = t;
      if (oldest === undefined || t < oldest) oldest = t;
    }
  }
  if (records.length === 0) return undefined;
  const name = `${r.region}_LookupEvents_${stamp(oldest ?? sweep.start)}_${sweep.id}-${String(sweep.pages).padStart(4, '0')}.json`;
  const path = await run.ctx.spool.write(name, `{"Records":[${records.join(',')}]}`);
  return spooled(
    run,
    r,
    sweep,
    path,
    `lookup-events://${r.region}/${iso(sweep.start)}..${iso(sweep.end)}#${sweep.pages}`,
  );
}

/** Ask for one page; undefined when the sweep cannot go on now (the error is in health). */
async function askPage(
  run: LookupRun,
  r: RegionState,
  sweep: Sweep,
  signal?: AbortSignal,
): Promise<LookupEventsPage | undefined> {
  await r.limiter.take(signal);
  try {
    return await run.ct.lookupEvents(
      {
        region: r.region,
        startTime: new Date(sweep.start),
        endTime: new Date(sweep.end),
        maxResults: 50,
        ...(sweep.token ? { nextToken: sweep.token } : {}),
      },
      signal,
    );
  } catch (err) {
    if (isAbort(err)) throw err;
    run.health.error(err, `LookupEvents in ${r.region}`);
    if (hasAwsCode(err, 'InvalidNextToken')) {
      sweep.failure ??= 'the NextToken was refused';
      sweep.listed = true;
    }
    if (sweep.pages === 0 && sweep.pending === 0 && !sweep.listed) throw err;
    return undefined;
  }
}

async function pollRegion(
  run: LookupRun,
  r: RegionState,
  signal?: AbortSignal,
): Promise<SpooledFile[]> {
  await load(run, r);
  r.sweep ??= newSweep(run, r);
  const sweep = r.sweep;
  const out: SpooledFile[] = [];
  try {
    for (let i = 0; i < run.o.maxPagesPerPoll && !sweep.listed; i++) {
      const page = await askPage(run, r, sweep, signal);
      if (!page) break;
      sweep.pages += 1;
      const file = await writePage(run, r, sweep, page);
      if (file) out.push(file);
      sweep.token = page.nextToken;
      if (!page.nextToken) sweep.listed = true;
    }
  } catch (err) {
    // Files already spooled are handed out either way; the sweep goes on next poll.
    if (!isAbort(err) && out.length === 0) throw err;
  }
  await finishSweep(run, r, sweep);
  return out;
}

async function pollOnce(run: LookupRun, signal?: AbortSignal): Promise<SpooledFile[]> {
  // Regions have their own limits, so they are asked in parallel.
  const results = await Promise.allSettled(run.regions.map((r) => pollRegion(run, r, signal)));
  const files = results.flatMap((x) => (x.status === 'fulfilled' ? x.value : []));
  const failures = results.flatMap((x) => (x.status === 'rejected' ? [x.reason as unknown] : []));
  const real = failures.filter((e) => !isAbort(e));
  if (files.length === 0 && real.length === run.regions.length) throw real[0];
  return files;
}

/** A LookupEvents polling source. */
export function createLookupEventsSource(
  o: LookupEventsSourceOptions,
  ctx: LiveSourceContext,
): LiveSource {
  const clock = ctx.clock ?? systemClock;
  const run: LookupRun = {
    o,
    ct: ctx.ports.cloudTrail(),
    ctx,
    clock,
    health: createHealth(o.name, 'lookup-events', clock),
    regions: [...new Set(o.regions)].map((region) => ({
      region,
      limiter: createTokenBucket({ ratePerSecond: o.requestsPerSecond, clock }),
      loaded: false,
      checkpoint: undefined,
      sweep: undefined,
      failedSweeps: 0,
    })),
  };
  return {
    name: o.name,
    kind: 'lookup-events',
    poll: onePollAtATime(
      ctx.spool.cleanTemp(),
      (signal) => pollOnce(run, signal),
      () => run.health.polled(),
    ),
    health: () =>
      run.health.snapshot({
        partitions: run.regions.map((r) => ({
          id: r.region,
          ...(r.checkpoint !== undefined ? { checkpoint: iso(r.checkpoint) } : {}),
        })),
      }),
  };
}

/** The `lookup-events` source type. */
export const lookupEventsSource = {
  type: 'lookup-events',
  title: 'CloudTrail Event history (LookupEvents) polling',
  options: lookupEventsSourceOptions,
  create: createLookupEventsSource,
} as const satisfies LiveSourceDefinition<typeof lookupEventsSourceOptions>;
