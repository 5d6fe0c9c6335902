/**
 * S3 event notifications through SQS (reference/aws.md §2.5): each message names new objects;
 * they are fetched into the spool, and the message is deleted only once every one of its files
 * is acknowledged. While its files wait, the message's visibility is extended (every half
 * visibility timeout), so no other worker receives it. A test event, or a message naming only
 * digest or other non-log objects, is deleted at once. A message that cannot be handled (its
 * body is not a notification, an object cannot be fetched, or the pipeline fails its file) is
 * received again after `retrySeconds`; on its `maxReceives`-th receive it is quarantined (a
 * reference with the reason in `<spool>/quarantine/`) and deleted, so the queue keeps moving.
 */
import { z } from 'zod';
import type { S3Port, SqsMessage, SqsPort } from '../../aws/ports.js';
import { isObjectTooLarge } from '../../aws/s3.js';
import { describeError } from '../../core/index.js';
import { deliveryTime, skipReason } from './cloudtrail-keys.js';
import { createHealth, type HealthTracker } from './health.js';
import { parseNotification, type NotifiedObject } from './s3-notification.js';
import type {
  LiveSource,
  LiveSourceContext,
  LiveSourceDefinition,
  SourceClock,
  SpooledFile,
} from './source.js';
import { isAbort, systemClock, onePollAtATime } from './source.js';
import { isGzip, isSourceName, spoolName } from './spool.js';

/** Options of an `sqs` source. */
export const sqsSourceOptions = z.strictObject({
  name: z.string().refine(isSourceName, 'letters, digits, - and _ (at most 64)'),
  queueUrl: z.url(),
  /** The queue's (and bucket's) region (default: the configured AWS region). */
  region: z.string().optional(),
  /** Receives of one message before it is quarantined. */
  maxReceives: z.number().int().min(1).max(1000).default(5),
  /** Messages per receive (1–10). */
  maxMessages: z.number().int().min(1).max(10).default(10),
  /** Long-poll wait (0–20 s). */
  waitSeconds: z.number().int().min(0).max(20).default(20),
  /** How long a received message stays hidden; extended while its files wait. */
  visibilitySeconds: z.number().int().min(2).max(43_200).default(120),
  /** How long a failed message stays hidden before it is received again. */
  retrySeconds: z.number().int().min(0).max(43_200).default(60),
  /** Largest object fetched. */
  maxObjectBytes: z
    .number()
    .int()
    .min(1)
    .default(64 * 1024 * 1024),
});

/** The parsed options. */
export type SqsSourceOptions = z.output<typeof sqsSourceOptions>;

/** Longest message body kept in a quarantine reference. */
const MAX_BODY_SAMPLE = 16_384;
/** Last errors remembered for messages (for the quarantine reason). */
const MAX_REMEMBERED = 10_000;

/** A message whose files are out. */
interface InFlight {
  receiptHandle: string;
  receiveCount: number;
  remaining: number;
  failure: string | undefined;
  readonly stopHeartbeat: () => void;
}

interface SqsRun {
  readonly o: SqsSourceOptions;
  readonly sqs: SqsPort;
  readonly s3: S3Port;
  readonly ctx: LiveSourceContext;
  readonly clock: SourceClock;
  readonly health: HealthTracker;
  readonly inFlight: Map<string, InFlight>;
  /** Why each message last failed, by MessageId. */
  readonly lastErrors: Map<string, string>;
}

function remember(run: SqsRun, messageId: string, reason: string): void {
  run.lastErrors.delete(messageId);
  run.lastErrors.set(messageId, reason);
  if (run.lastErrors.size > MAX_REMEMBERED) {
    const oldest = run.lastErrors.keys().next().value;
    if (oldest !== undefined) run.lastErrors.delete(oldest);
  }
}

async function deleteMessage(run: SqsRun, m: { messageId: string; receiptHandle: string }) {
  run.lastErrors.delete(m.messageId);
  try {
    await run.sqs.deleteMessage(run.o.queueUrl, m.receiptHandle);
  } catch (err) {
    // Received again later and handled again: dedupe by eventID makes that harmless.
    run.health.error(err, `deleting message ${m.messageId}`);
  }
}

async function quarantine(
  run: SqsRun,
  m: SqsMessage,
  reason: string,
  objects: readonly NotifiedObject[],
) {
  const first = objects[0];
  await run.ctx.spool.quarantine(`message-${m.messageId}`, {
    origin: first ? `s3://${first.bucket}/${first.key}` : `sqs message ${m.messageId}`,
    reason,
    at: new Date(run.clock.now()).toISOString(),
    details: {
      queueUrl: run.o.queueUrl,
      messageId: m.messageId,
      receiveCount: m.receiveCount,
      ...(objects.length > 1
        ? { objects: objects.map((x) => `s3://${x.bucket}/${x.key}`).join(' ') }
        : {}),
    },
    sample: m.body.slice(0, MAX_BODY_SAMPLE),
  });
  run.health.quarantined();
  await deleteMessage(run, m);
}

/** Give a failed message back to the queue, or quarantine it on its last receive. */
async function release(
  run: SqsRun,
  m: SqsMessage,
  reason: string,
  objects: readonly NotifiedObject[],
) {
  remember(run, m.messageId, reason);
  run.health.error(reason, `message ${m.messageId}`);
  if (m.receiveCount >= run.o.maxReceives) {
    await quarantine(run, m, `${reason} (received ${m.receiveCount} times)`, objects);
    return;
  }
  try {
    await run.sqs.changeMessageVisibility(run.o.queueUrl, m.receiptHandle, run.o.retrySeconds);
  } catch (err) {
    run.health.error(err, `releasing message ${m.messageId}`);
  }
}

function heartbeat(run: SqsRun, m: SqsMessage, flight: () => InFlight | undefined): () => void {
  const every = (run.o.visibilitySeconds * 1000) / 2;
  return run.clock.every(every, () => {
    const f = flight();
    if (!f) return;
    run.sqs
      .changeMessageVisibility(run.o.queueUrl, f.receiptHandle, run.o.visibilitySeconds)
      .catch((err: unknown) => run.health.error(err, `extending message ${m.messageId}`));
  });
}

async function settle(run: SqsRun, m: SqsMessage, objects: readonly NotifiedObject[]) {
  const f = run.inFlight.get(m.messageId);
  if (!f || f.remaining > 0) return;
  f.stopHeartbeat();
  run.inFlight.delete(m.messageId);
  // The latest receive's handle (a redelivery while the files waited replaces it).
  const latest = { ...m, receiptHandle: f.receiptHandle, receiveCount: f.receiveCount };
  if (f.failure !== undefined) await release(run, latest, f.failure, objects);
  else await deleteMessage(run, latest);
}

function spooled(
  run: SqsRun,
  m: SqsMessage,
  o: NotifiedObject,
  path: string,
  objects: readonly NotifiedObject[],
): SpooledFile {
  let settled = false;
  const finish = async (failure?: string): Promise<void> => {
    if (settled) return;
    settled = true;
    await run.ctx.spool.remove(path);
    const f = run.inFlight.get(m.messageId);
    if (f) {
      f.remaining -= 1;
      if (failure !== undefined) f.failure ??= failure;
    }
    if (failure === undefined) run.health.stored();
    else run.health.released();
    await settle(run, m, objects);
  };
  run.health.handedOut();
  return {
    path,
    origin: `s3://${o.bucket}/${o.key}`,
    ack: () => finish(),
    fail: (reason) => finish(reason),
  };
}

/** Fetch every object of a message; undefined (files removed) when one could not be fetched. */
async function fetchAll(
  run: SqsRun,
  m: SqsMessage,
  objects: readonly NotifiedObject[],
  signal?: AbortSignal,
) {
  const paths: string[] = [];
  try {
    for (const o of objects) {
      const body = await run.s3.getObject(
        { bucket: o.bucket, key: o.key, maxBytes: run.o.maxObjectBytes },
        signal,
      );
      paths.push(
        await run.ctx.spool.write(
          spoolName(o.key, `${o.bucket}\u0000${m.messageId}`, isGzip(body)),
          body,
        ),
      );
    }
    return paths;
  } catch (err) {
    await Promise.all(paths.map((p) => run.ctx.spool.remove(p)));
    if (isAbort(err)) throw err;
    const o = objects[paths.length];
    const reason = `s3://${o?.bucket ?? ''}/${o?.key ?? ''}: ${describeError(err)}`;
    if (isObjectTooLarge(err)) await quarantine(run, m, reason, objects);
    else await release(run, m, reason, objects);
    return undefined;
  }
}

/** Each object once (a message may name one twice). */
function unique(objects: readonly NotifiedObject[]): NotifiedObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const id = `${o.bucket}\u0000${o.key}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

async function handle(run: SqsRun, m: SqsMessage, signal?: AbortSignal): Promise<SpooledFile[]> {
  const known = run.inFlight.get(m.messageId);
  if (known) {
    // Received again while its files wait (a heartbeat was late): keep the newest handle.
    known.receiptHandle = m.receiptHandle;
    known.receiveCount = m.receiveCount;
    return [];
  }
  const parsed = parseNotification(m.body);
  if (parsed.kind === 'test') {
    await deleteMessage(run, m);
    return [];
  }
  if (parsed.kind === 'invalid') {
    await quarantine(run, m, parsed.reason, []);
    return [];
  }
  const objects = unique(parsed.objects.filter((o) => skipReason(o.key) === undefined));
  for (const o of parsed.objects) run.health.seen(deliveryTime(o.key) ?? o.eventTime);
  if (objects.length === 0) {
    await deleteMessage(run, m);
    return [];
  }
  if (m.receiveCount > run.o.maxReceives) {
    const why = run.lastErrors.get(m.messageId) ?? 'never acknowledged';
    await quarantine(run, m, `${why} (received ${m.receiveCount} times)`, objects);
    return [];
  }
  const flight: InFlight = {
    receiptHandle: m.receiptHandle,
    receiveCount: m.receiveCount,
    remaining: objects.length,
    failure: undefined,
    stopHeartbeat: heartbeat(run, m, () => run.inFlight.get(m.messageId)),
  };
  run.inFlight.set(m.messageId, flight);
  let paths: string[] | undefined;
  try {
    paths = await fetchAll(run, m, objects, signal);
  } finally {
    if (!paths) {
      flight.stopHeartbeat();
      run.inFlight.delete(m.messageId);
    }
  }
  if (!paths) return [];
  return paths.map((p, i) => spooled(run, m, objects[i]!, p, objects));
}

async function pollOnce(run: SqsRun, signal?: AbortSignal): Promise<SpooledFile[]> {
  let messages: SqsMessage[];
  try {
    messages = await run.sqs.receiveMessages(
      {
        queueUrl: run.o.queueUrl,
        maxMessages: run.o.maxMessages,
        waitSeconds: run.o.waitSeconds,
        visibilitySeconds: run.o.visibilitySeconds,
      },
      signal,
    );
  } catch (err) {
    if (isAbort(err)) return [];
    run.health.error(err, 'receiving');
    throw err;
  }
  const out: SpooledFile[] = [];
  for (const m of messages) {
    try {
      out.push(...(await handle(run, m, signal)));
    } catch (err) {
      // Left in flight: received again after its visibility timeout.
      if (isAbort(err)) break;
      run.health.error(err, `message ${m.messageId}`);
    }
  }
  return out;
}

/** An SQS source of S3 event notifications. */
export function createSqsSource(o: SqsSourceOptions, ctx: LiveSourceContext): LiveSource {
  const clock = ctx.clock ?? systemClock;
  const run: SqsRun = {
    o,
    sqs: ctx.ports.sqs(o.region),
    s3: ctx.ports.s3(o.region),
    ctx,
    clock,
    health: createHealth(o.name, 'sqs', clock),
    inFlight: new Map(),
    lastErrors: new Map(),
  };
  return {
    name: o.name,
    kind: 'sqs',
    poll: onePollAtATime(
      ctx.spool.cleanTemp(),
      (signal) => pollOnce(run, signal),
      () => run.health.polled(),
    ),
    health: () => run.health.snapshot(),
  };
}

/** The `sqs` source type. */
export const sqsSource = {
  type: 'sqs',
  title: 'S3 event notifications through SQS',
  options: sqsSourceOptions,
  create: createSqsSource,
} as const satisfies LiveSourceDefinition<typeof sqsSourceOptions>;
