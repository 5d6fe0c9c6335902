/**
 * `POST /api/v1/intake/eventbridge`: "AWS API Call via CloudTrail" events pushed by an
 * EventBridge API destination (docs/server.md has the rule pattern and set-up), for alerts within
 * seconds of a canary's use. Authenticated by the shared secret header `X-Keysnare-Secret`
 * (`server.intakeSecret`); a wrong or missing secret is 401 and nothing is stored.
 *
 * Pushes are gathered for up to {@link WINDOW_MS}, or while the previous batch is being ingested,
 * into one spool file (written whole and synced
 * before it is ingested, so a crash leaves it to the next start), ingested like any CloudTrail
 * file (dedupe by eventID, so a push the sender repeats is harmless), and answered once their
 * events are stored.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sameSecret } from '../auth.js';
import type { IngestSummary, ServerContext } from '../context.js';

/** How long pushes are gathered into one ingest. */
const WINDOW_MS = 25;
/** At most this many records per ingest. */
const MAX_BATCH = 5000;

/** The CloudTrail records in an EventBridge body (one event or a list), and what was not one. */
export function recordsOf(body: unknown): { records: Record<string, unknown>[]; skipped: number } {
  const events = Array.isArray(body) ? body : [body];
  const records: Record<string, unknown>[] = [];
  let skipped = 0;
  for (const e of events) {
    const detail =
      e !== null && typeof e === 'object' ? (e as Record<string, unknown>)['detail'] : undefined;
    if (
      detail !== null &&
      typeof detail === 'object' &&
      !Array.isArray(detail) &&
      typeof (detail as Record<string, unknown>)['eventName'] === 'string'
    )
      records.push(detail as Record<string, unknown>);
    else skipped++;
  }
  return { records, skipped };
}

/** Write `text` to `file` durably: a temp name, synced, then renamed. */
export function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

interface Waiting {
  readonly records: Record<string, unknown>[];
  readonly done: (r: IngestSummary | Error) => void;
}

/** Register the intake route. */
export function registerIntake(app: FastifyInstance, ctx: ServerContext): void {
  let batch: Waiting[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  // One ingest at a time: what arrives meanwhile waits and goes in the next one, so under load
  // batches grow instead of queueing (the fixed cost of an ingest is paid once per batch).
  let running: Promise<void> | undefined;
  const dir = join(ctx.spoolDir, 'eventbridge');
  const health = { name: 'eventbridge', kind: 'push', received: 0, errors: 0 };
  ctx.health.set('eventbridge', health);

  const schedule = () => {
    if (running || timer || batch.length === 0) return;
    if (size >= MAX_BATCH) void start();
    else timer = setTimeout(() => void start(), WINDOW_MS);
  };
  const start = () => {
    timer = undefined;
    running = flush().finally(() => {
      running = undefined;
      schedule();
    });
    return running;
  };
  const flush = async () => {
    const take = batch;
    batch = [];
    size = 0;
    if (take.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}.json`);
      writeDurably(file, JSON.stringify({ Records: take.flatMap((w) => w.records) }));
      const r = await ctx.ingest([file]);
      rmSync(file, { force: true });
      for (const w of take) w.done(r);
    } catch (err) {
      Object.assign(health, { errors: health.errors + 1, lastError: (err as Error).message });
      for (const w of take) w.done(err as Error);
    }
  };

  // The secret is checked before the body is read: a caller without it cannot make the server
  // parse megabytes of JSON.
  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const secret = ctx.intakeSecret;
    if (!secret)
      return reply
        .code(404)
        .send({ error: 'not found', message: 'the intake is off (server.intakeSecret)' });
    const given = req.headers['x-keysnare-secret'];
    if (typeof given !== 'string' || !sameSecret(given, secret))
      return reply
        .code(401)
        .send({ error: 'unauthorized', message: 'wrong or missing X-Keysnare-Secret' });
  };
  app.post('/api/v1/intake/eventbridge', { onRequest: authorize }, async (req, reply) => {
    const { records, skipped } = recordsOf(req.body);
    if (records.length === 0)
      return reply.code(400).send({
        error: 'bad request',
        message: 'no "AWS API Call via CloudTrail" event with a detail record',
      });
    const result = await new Promise<IngestSummary | Error>((done) => {
      batch.push({ records, done });
      size += records.length;
      if (size >= MAX_BATCH && timer) {
        clearTimeout(timer);
        timer = undefined;
      }
      schedule();
    });
    if (result instanceof Error) throw result;
    const now = ctx.now();
    const newest = records
      .map((r) => r['eventTime'])
      .filter((t): t is string => typeof t === 'string')
      .sort()
      .at(-1);
    Object.assign(health, {
      received: health.received + records.length,
      lastReceivedAt: now.toISOString(),
      ...(newest
        ? { newestEventTime: newest, lagMs: Math.max(0, now.getTime() - Date.parse(newest)) }
        : {}),
    });
    return reply.code(202).send({ accepted: records.length, skipped });
  });
}
