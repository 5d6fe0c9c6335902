/**
 * `keysnare serve`: the server and its background work over one open workspace.
 * - the HTTP server (server.ts): API, dashboard, EventBridge intake;
 * - the alert dispatcher, every `server.dispatchEverySeconds`;
 * - watched folders, every `server.watchEverySeconds`: files not seen before (by path, size and
 *   modification time) are ingested;
 * - the Safety Net, every `server.safetyNetEveryMinutes` when set;
 * - a heartbeat that warns when nothing came in for `server.heartbeatMinutes`;
 * - spool files left by a crash are ingested at start.
 * All store work goes through one queue. `close()` stops taking work, lets what runs finish, and
 * closes the sinks: a SIGTERM loses nothing.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Workspace } from '../app.js';
import { LoginLimiter, Sessions } from './auth.js';
import type { IngestSummary, ServerContext, SourceHealth } from './context.js';
import { createSerial } from './context.js';
import { currentAlerting } from './routes/pages/common.js';
import { createServer } from './server.js';

/** How to start. */
export interface StartOptions {
  readonly ws: Workspace;
  readonly host?: string;
  readonly port?: number;
  readonly now?: () => Date;
  readonly log: (line: string) => void;
  /** Run no background loop (tests drive the server alone). */
  readonly background?: boolean;
}

/** A running server. */
export interface RunningServer {
  readonly url: string;
  readonly ctx: ServerContext;
  close(): Promise<void>;
}

const SEEN_KEY = 'server:watched';
/** Where the running server leaves its intake health for `keysnare status`. */
export const HEALTH_KEY = 'server:health';

/** Files under the spool folders left by an earlier run (a crash between write and ingest). */
function leftovers(spool: string): string[] {
  const dir = join(spool, 'eventbridge');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(dir, f));
}

/** Start serving `ws`. */
export async function startServer(o: StartOptions): Promise<RunningServer> {
  const app = await import('../app.js');
  const { ws } = o;
  const cfg = ws.config.server;
  const now = o.now ?? (() => new Date());
  // The Sigma folders of keysnare.yaml run here as in `keysnare ingest`; a broken rule file is
  // logged and the others run.
  const rules = await app.sigmaForRun(ws.home, ws.config, []);
  for (const st of rules.statuses)
    if (st.status === 'error') o.log(`sigma: ${st.file}: ${st.reason ?? 'error'}`);
  const session = await app.ingestSession(ws, now, o.log, rules.sigma);
  const alerting = session.alerting;
  const sinks = await app.buildSinks(ws, now);
  const serial = createSerial();
  const health = new Map<string, SourceHealth>();
  const ingest = (files: readonly string[]): Promise<IngestSummary> =>
    serial(async () => {
      const r = await session.ingest({
        files,
        quietGapMs: ws.config.detect.quietGapMinutes * 60_000,
        workers: 1,
        now,
        onRejection: (rej) =>
          o.log(`ingest: ${rej.file}: record ${rej.index ?? '-'}: ${rej.reason}`),
      });
      return {
        newEvents: r.newEvents,
        findings: r.changed.length,
        incidents: r.incidents.length,
        alerts: r.alertsQueued,
      };
    });
  const ctx: ServerContext = {
    ws,
    alerting,
    sessions: new Sessions(cfg.sessionHours * 3_600_000, () => now().getTime()),
    limiter: new LoginLimiter(10, 15 * 60_000, () => now().getTime()),
    now,
    intakeSecret: cfg.intakeSecret,
    serial,
    ingest,
    spoolDir: join(ws.home, 'spool'),
    health,
    secureCookies: cfg.secureCookies,
    log: o.log,
  };
  const server = createServer(ctx);
  const timers: NodeJS.Timeout[] = [];
  let closing = false;
  const every = (ms: number, job: () => Promise<void>) => {
    let running = false;
    timers.push(
      setInterval(() => {
        if (closing || running) return;
        running = true;
        job()
          .catch((err: unknown) =>
            o.log(`serve: ${err instanceof Error ? err.message : String(err)}`),
          )
          .finally(() => (running = false));
      }, ms),
    );
  };
  const left = leftovers(ctx.spoolDir);
  if (left.length > 0) {
    o.log(`serve: ingesting ${left.length} spooled file(s) left by an earlier run`);
    const fs = await import('node:fs');
    for (const f of left) {
      try {
        await ingest([f]);
        fs.rmSync(f, { force: true });
      } catch (err) {
        // One file that cannot be ingested does not keep the server from starting: it is set
        // aside, named in the log, for someone to look at.
        const aside = join(ctx.spoolDir, 'quarantine');
        fs.mkdirSync(aside, { recursive: true, mode: 0o700 });
        fs.renameSync(f, join(aside, basename(f)));
        o.log(
          `serve: ${f} could not be ingested (${err instanceof Error ? err.message : String(err)}); moved to ${aside}`,
        );
      }
    }
  }
  if (o.background !== false) {
    const { dispatch } = await import('../alert/index.js');
    const buckets = new Map<string, import('../alert/index.js').RateBucket>();
    every(cfg.dispatchEverySeconds * 1000, async () => {
      await ws.store.setValue(HEALTH_KEY, JSON.stringify([...health.values()]));
      await serial(() =>
        dispatch(ws.store, sinks, {
          now,
          ratePerMinute: app.sinkRates(ws),
          buckets,
          maxAgeMs: ws.config.alerts.maxAgeHours * 3_600_000,
          onAttempt: (a, r) =>
            r.kind !== 'ok' &&
            o.log(`alert ${a.id} → ${a.sink}: ${r.kind === 'rejected' ? r.reason : r.error}`),
        }),
      );
    });
    for (const source of await app.buildLiveSources(ws)) {
      const h: SourceHealth = { name: source.name, kind: source.kind, received: 0, errors: 0 };
      health.set(h.name, h);
      every(cfg.watchEverySeconds * 1000, () => pollOnce(ctx, source, h));
    }
    for (const folder of cfg.watch) {
      const dir = resolve(ws.home, folder);
      const h: SourceHealth = { name: `folder:${folder}`, kind: 'folder', received: 0, errors: 0 };
      health.set(h.name, h);
      every(cfg.watchEverySeconds * 1000, () => watchOnce(ctx, dir, h));
    }
    if (cfg.safetyNetEveryMinutes > 0)
      every(cfg.safetyNetEveryMinutes * 60_000, async () => {
        const sn = ws.config.safetyNet;
        await serial(() =>
          app.runSafetyNetPass(ws, {
            requestsPerSecond: sn.requestsPerSecond,
            useCredentialReport: sn.useCredentialReport,
            granularityMs: sn.granularityMinutes * 60_000,
            log: o.log,
            alerting,
          }),
        );
      });
    if (cfg.heartbeatMinutes > 0) {
      const started = now().toISOString();
      const flagged = new Set<string>();
      every(60_000, () => checkHeartbeat(ctx, cfg.heartbeatMinutes, started, flagged));
    }
  }
  const address = await server.listen({ host: o.host ?? cfg.host, port: o.port ?? cfg.port });
  return {
    url: address,
    ctx,
    close: async () => {
      closing = true;
      for (const t of timers) clearInterval(t);
      // Requests in flight finish; keep-alive connections that fall idle meanwhile are closed
      // as they do (Node closes only those idle when close starts, and clients keep theirs open).
      const idle = setInterval(() => server.server.closeIdleConnections(), 50);
      try {
        await server.close();
      } finally {
        clearInterval(idle);
      }
      await serial(() => Promise.resolve());
      for (const s of sinks.values()) await s.close?.();
    },
  };
}

/** One look at a watched folder: ingest the files not seen before. */
async function watchOnce(ctx: ServerContext, dir: string, h: SourceHealth): Promise<void> {
  const { listInputFiles } = await import('../pipeline/index.js');
  if (!existsSync(dir)) return;
  const seen = new Map<string, string>(
    Object.entries(
      JSON.parse((await ctx.ws.store.getValue(`${SEEN_KEY}:${dir}`)) ?? '{}') as Record<
        string,
        string
      >,
    ),
  );
  const fresh: string[] = [];
  for (const f of listInputFiles([dir]).files) {
    const st = statSync(f);
    const mark = `${st.size}:${st.mtimeMs}`;
    if (seen.get(f) !== mark) {
      fresh.push(f);
      seen.set(f, mark);
    }
  }
  if (fresh.length === 0) return;
  try {
    await ctx.ingest(fresh);
    await ctx.ws.store.setValue(`${SEEN_KEY}:${dir}`, JSON.stringify(Object.fromEntries(seen)));
    h.received += fresh.length;
    h.lastReceivedAt = ctx.now().toISOString();
  } catch (err) {
    h.errors++;
    h.lastError = err instanceof Error ? err.message : String(err);
    throw err;
  }
}

/**
 * One heartbeat: each intake path silent for `minutes` (since its last file or push, or since the
 * server started) becomes a `pipeline.source-silent` finding, once per silence, grouped and
 * alerted like any other; it may flag again once the source has delivered since.
 */
export async function checkHeartbeat(
  ctx: ServerContext,
  minutes: number,
  started: string,
  flagged: Set<string>,
): Promise<void> {
  const { silentSourceFinding } = await import('../detect/heartbeat.js');
  const { recordIncidents } = await import('../pipeline/index.js');
  const now = ctx.now();
  for (const h of ctx.health.values()) {
    const last = h.lastReceivedAt ?? started;
    const key = `${h.name}\u0000${last}`;
    if (now.getTime() - Date.parse(last) < minutes * 60_000 || flagged.has(key)) continue;
    flagged.add(key);
    const f = silentSourceFinding(h.name, h.lastReceivedAt, last, minutes, now);
    ctx.log(`heartbeat: ${f.title}`);
    await ctx.serial(() =>
      ctx.ws.store.transaction(async () => {
        await ctx.ws.store.upsertFindings([f]);
        await recordIncidents(await currentAlerting(ctx), [f]);
      }),
    );
  }
}

/**
 * One poll of a live source: what it spooled is ingested, then each file is acknowledged (the
 * message deleted, the checkpoint advanced) or, when the ingest failed, failed back to the source.
 */
async function pollOnce(
  ctx: ServerContext,
  source: import('../sources/live/index.js').LiveSource,
  h: SourceHealth,
): Promise<void> {
  const files = await source.poll();
  if (files.length > 0) {
    try {
      await ctx.ingest(files.map((f) => f.path));
      for (const f of files) await f.ack();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      for (const f of files) await f.fail(why);
    }
  }
  const s = source.health();
  h.received = s.stored;
  h.errors = s.errorCount;
  if (s.lastError) h.lastError = s.lastError.message;
  if (s.lastSeenAt) h.newestEventTime = s.lastSeenAt;
  if (s.lagMs !== undefined) h.lagMs = s.lagMs;
  if (files.length > 0) h.lastReceivedAt = ctx.now().toISOString();
}
