/**
 * Runs the pipeline over files. Decode, pre-filter, normalize and the stateless rules run per file,
 * spread over lanes (worker threads, and this thread between reports); results come back in the
 * files' sorted order whatever lane finished first, and the stateful rules see the events they
 * want in that one order. So findings do not depend on how files are split among lanes or the
 * order they are given. Canary identifiers learned late (a session key, a user ARN the registry
 * lacked) trigger another pass over just the files whose Bloom filter may hold one; canary events
 * whose token depends on such an identifier are evaluated again at the end.
 */
import type { Worker } from 'node:worker_threads';
import type {
  CloudEvent,
  Finding,
  RecordRejection,
  StoredEvent,
  Token,
  TokenFact,
} from '../core/index.js';
import { AppError, createInterner } from '../core/index.js';
import type {
  CanaryIndex,
  Engine,
  HitSummary,
  IpLookup,
  RuleConfig,
  SigmaSet,
} from '../detect/index.js';
import {
  compactHit,
  createCanaryIndex,
  createEngine,
  findingsFromHits,
  isCanaryOnly,
  withCanaryContacts,
  ruleConfigs,
  ruleSet,
} from '../detect/index.js';
import { CLOUDTRAIL_START_MS } from '../normalize/index.js';
import type { Bloom } from './bloom.js';
import { learnableFrom, mayHoldLearned } from './prefilter.js';
import type { FileLimits, FileMode, FileResult } from './read.js';
import type { WorkerInit } from './setup.js';
import { createFileWork } from './setup.js';
import { startWorker, takePrestarted } from './threads.js';
import type { ToWorker } from './worker.js';

/** Clock skew tolerated before an `eventTime` counts as in the future. */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;

/** Counts for the closing line of a run. */
export interface RunStats {
  files: number;
  bytes: number;
  records: number;
  considered: number;
  rejected: number;
  passedOver: number;
  skipped: number;
  /** Files that could not be opened or read at all. */
  unreadable: number;
  passes: number;
  workers: number;
}

/** Options of a detection run over files. */
export interface RunOptions {
  readonly files: readonly string[];
  readonly tokens: readonly Token[];
  readonly facts?: readonly TokenFact[];
  readonly managementPrincipals?: readonly string[];
  readonly limits: FileLimits;
  /** The clock's now (epoch ms): an `eventTime` more than a day later is rejected as implausible. */
  readonly nowMs: number;
  readonly quietGapMs: number;
  /** Worker threads; 1 runs in-process. */
  readonly workers: number;
  /** Allow the pre-filter (default true). */
  readonly prefilter?: boolean;
  /** The parsed `rules:` config section (default: every rule with its defaults). */
  readonly ruleConfig?: Readonly<Record<string, RuleConfig | undefined>>;
  /** Offline IP context for the stateful rules that read it (they run on this thread). */
  readonly ip?: IpLookup;
  /** Sigma rules run beside the built-ins. */
  readonly sigma?: SigmaSet;
  readonly onRejection?: (r: RecordRejection) => void;
  readonly onSkipped?: (file: string, why: string) => void;
  readonly onProgress?: (done: number, total: number, stats: RunStats) => void;
}

/** What a run produced. */
export interface RunResult {
  readonly hits: HitSummary[];
  readonly facts: TokenFact[];
  readonly findings: Finding[];
  readonly stats: RunStats;
  /** The engine the findings were described with (canary index with every learned fact). */
  readonly engine: Engine;
}

/** Options of {@link readEvents}: a run that hands back every event and runs no rule. */
export type ReadOptions = Omit<RunOptions, 'quietGapMs' | 'prefilter' | 'tokens' | 'facts'> & {
  /** Each file's events, in the files' sorted order, as soon as the files before it are done. */
  readonly onEvents: (events: StoredEvent[], file: string) => Promise<void>;
};

function newStats(files: number, workers: number): RunStats {
  return {
    files,
    bytes: 0,
    records: 0,
    considered: 0,
    rejected: 0,
    passedOver: 0,
    skipped: 0,
    unreadable: 0,
    passes: 0,
    workers,
  };
}

/** Report a file's counts, rejections and skip reason (once per file, on its first read). */
function reportFile(opts: RunOptions | ReadOptions, stats: RunStats, r: FileResult): void {
  addStats(stats, r);
  for (const rej of r.rejections) opts.onRejection?.(rej);
  if (r.skipped) opts.onSkipped?.(r.file, r.skipped);
}

/**
 * Read every file and hand back its events (ingest: the store dedupes them by eventID before any
 * rule runs). No rule runs here.
 */
export async function readEvents(opts: ReadOptions): Promise<RunStats> {
  const stats = newStats(opts.files.length, opts.workers);
  stats.passes = 1;
  const init = workerInit(opts, [], [], 'events', false);
  let done = 0;
  await runPass(opts.files, init, opts.workers, async (r) => {
    reportFile(opts, stats, r);
    if (r.events) await opts.onEvents(r.events, r.file);
    opts.onProgress?.(++done, opts.files.length, stats);
  });
  return stats;
}

/** Run detection over files; see the module comment for the passes. */
export async function runFiles(opts: RunOptions): Promise<RunResult> {
  const facts: TokenFact[] = [...(opts.facts ?? [])];
  const hits = new Map<string, HitSummary>();
  const stats = newStats(opts.files.length, opts.workers);
  const rules = ruleSet(opts.sigma);
  const config = ruleConfigs(rules, opts.ruleConfig);
  const base = {
    managementPrincipals: new Set(opts.managementPrincipals ?? []),
    ruleConfig: config,
    ...(opts.ip ? { ip: opts.ip } : {}),
  };
  // Hits and window entries are kept to the end; most repeat a few user agents, ARNs and keys.
  const intern = createInterner();
  // One canary index here, growing as passes learn facts; stateful rules run here, on the events
  // the files hand back, in the files' order. Built once the workers have their init, so their
  // own start-up overlaps it (or by the first result, when this thread reads alone).
  let here: { canaries: CanaryIndex; stateful: Engine; known: Set<string> } | undefined;
  const mainEngines = (): NonNullable<typeof here> => {
    if (here) return here;
    const canaries = createCanaryIndex(opts.tokens, facts);
    const stateful = createEngine(rules, {
      ...base,
      canaries,
      kind: 'stateful',
      intern,
      learn: false,
    });
    return (here = { canaries, stateful, known: canaries.needles() });
  };
  const learning = createLearning();
  const learnable = learnableFrom(opts.tokens);
  const blooms = new Map<string, Bloom>();
  const provisional = new Map<string, CloudEvent>();
  const keep = (h: HitSummary): void => {
    hits.set(`${h.rule}\u0000${h.eventId}`, compactHit(h, intern));
  };
  let files = opts.files;
  for (let pass = 1; pass <= 4 && files.length > 0; pass++) {
    stats.passes = pass;
    const first = pass === 1;
    const learned: TokenFact[] = [];
    let done = 0;
    const onResult = (r: FileResult): void => {
      for (const h of r.hits) keep(h);
      for (const ev of r.provisional ?? []) provisional.set(ev.eventId, ev);
      for (const f of r.facts) learned.push(f);
      if (r.bloom) blooms.set(r.file, r.bloom);
      if (!first) return;
      const { canaries, stateful } = mainEngines();
      // What the lane learned from this file (it matched every event against the canaries), known
      // before the stateful rules see the file's events, as reading it here would have made it.
      if (r.facts.length > 0) canaries.addFacts(r.facts);
      for (const ev of r.candidates ?? []) {
        for (const h of stateful.evaluate(ev).hits) keep(h);
      }
      reportFile(opts, stats, r);
      opts.onProgress?.(++done, opts.files.length, stats);
    };
    // A later pass usually re-reads a handful of files: not worth starting workers for.
    const workers = first || files.length > 8 ? opts.workers : 1;
    const init = {
      ...workerInit(opts, opts.tokens, facts, 'detect', opts.prefilter ?? true),
      canaryOnly: !first,
    };
    const running = runPass(files, init, workers, onResult, learning);
    const main = mainEngines();
    await running;
    facts.push(...learned);
    main.canaries.addFacts(learned);
    const next = main.canaries.needles();
    const added = [...next].filter((n) => !main.known.has(n));
    main.known = next;
    if (added.length === 0) break;
    files = opts.files.filter((f) => {
      const b = blooms.get(f);
      // A file read after a fact was handed to its thread was read knowing it.
      const readAt = learning.readAt.get(f) ?? -1;
      const unknown = added.filter((n) => (learning.learnedAt.get(n) ?? Infinity) > readAt);
      return !b || unknown.some((n) => mayHoldLearned(b, n, learnable));
    });
  }
  const { canaries, stateful } = mainEngines();
  if (provisional.size > 0) {
    const canaryRules = createEngine(rules.filter(isCanaryOnly), {
      ...base,
      canaries,
      kind: 'stateless',
    });
    settleProvisional(provisional, hits, canaryRules);
  }
  const engine = createEngine(rules, { ...base, canaries, state: stateful.state });
  const all = [...hits.values()];
  return {
    hits: all,
    facts: dedupeFacts(facts),
    findings: withCanaryContacts(findingsFromHits(all, engine.rules, engine, opts.quietGapMs)),
    stats,
    engine,
  };
}

/**
 * Evaluate again, with every canary fact known, the canary events whose token was provisional
 * (read.ts): their hits of canary rules are replaced by what the rules say now. The same as reading
 * their files again, for just those events.
 */
function settleProvisional(
  events: ReadonlyMap<string, CloudEvent>,
  hits: Map<string, HitSummary>,
  canaryRules: Engine,
): void {
  for (const ev of events.values()) {
    for (const r of canaryRules.rules) hits.delete(`${r.id}\u0000${ev.eventId}`);
    for (const h of canaryRules.evaluate(ev).hits) hits.set(`${h.rule}\u0000${h.eventId}`, h);
  }
}

function workerInit(
  opts: RunOptions | ReadOptions,
  tokens: readonly Token[],
  facts: readonly TokenFact[],
  mode: FileMode,
  prefilter: boolean,
): WorkerInit {
  return {
    tokens,
    facts,
    managementPrincipals: opts.managementPrincipals ?? [],
    limits: opts.limits,
    times: { notBeforeMs: CLOUDTRAIL_START_MS, notAfterMs: opts.nowMs + FUTURE_SLACK_MS },
    prefilter,
    mode,
    ruleConfig: opts.ruleConfig ?? {},
    canaryOnly: false,
    ...('sigma' in opts && opts.sigma && mode === 'detect' ? { sigma: opts.sigma } : {}),
  };
}

function addStats(s: RunStats, r: FileResult): void {
  s.bytes += r.bytes;
  s.records += r.records;
  s.considered += r.considered;
  s.rejected += r.rejected;
  if (r.passedOver) s.passedOver++;
  if (r.skipped) s.skipped++;
  if (r.unreadable) s.unreadable++;
}

function dedupeFacts(facts: readonly TokenFact[]): TokenFact[] {
  const seen = new Map<string, TokenFact>();
  for (const f of facts)
    if (!seen.has(`${f.kind}\u0000${f.value}`)) seen.set(`${f.kind}\u0000${f.value}`, f);
  return [...seen.values()];
}

/** A file's result handed on; the next one waits until this one's promise settles. */
type Report = (r: FileResult) => void | Promise<void>;

/**
 * Results handed on in file order, whatever order the threads finish in, one report at a time
 * (a report may be async: ingest writes to the store). `pending()` counts results not yet
 * reported, for back-pressure; `done()` settles when every report has.
 */
function inOrder(report: Report, onSettled: () => void) {
  const waiting = new Map<number, FileResult>();
  let next = 0;
  let reporting = 0;
  let tail: Promise<void> = Promise.resolve();
  return {
    deliver(index: number, r: FileResult): void {
      waiting.set(index, r);
      for (let ready = waiting.get(next); ready; ready = waiting.get(next)) {
        waiting.delete(next++);
        const result = ready;
        reporting++;
        tail = tail
          .then(() => report(result))
          .finally(() => {
            reporting--;
            onSettled();
          });
      }
    },
    pending: (): number => waiting.size + reporting,
    done: (): Promise<void> => tail,
  };
}

/**
 * Canary facts found during a pass are handed at once to every thread, so files read later are
 * read knowing them: a later pass need only re-read the files read before a fact reached their
 * thread. Versions count the hand-overs.
 */
interface Learning {
  version: number;
  /** When (version) each file was handed to its thread. */
  readonly readAt: Map<string, number>;
  /** When (version) each identifier was first handed over. */
  readonly learnedAt: Map<string, number>;
}

function createLearning(): Learning {
  return { version: 0, readAt: new Map(), learnedAt: new Map() };
}

/** Note facts handed over now (identifiers as the canary index lists them: names lower case). */
function handOver(l: Learning, facts: readonly TokenFact[]): void {
  l.version++;
  for (const f of facts) {
    for (const v of [f.value, f.value.toLowerCase()]) {
      if (!l.learnedAt.has(v)) l.learnedAt.set(v, l.version);
    }
  }
}

async function runPass(
  files: readonly string[],
  init: WorkerInit,
  workers: number,
  report: Report,
  learning?: Learning,
): Promise<void> {
  if (workers <= 1) {
    const work = createFileWork(init);
    for (const file of files) {
      learning?.readAt.set(file, learning.version);
      const r = work(file);
      if (learning && r.facts.length > 0) {
        work.learn(r.facts);
        handOver(learning, r.facts);
      }
      await report(r);
    }
    return;
  }
  await runInWorkers(files, init, workers, report, learning);
}

/** A worker for `init`: a prestarted one given it, or a new one. */
function workerFor(init: WorkerInit): Worker {
  const w = takePrestarted();
  if (!w) return startWorker(init);
  w.postMessage({ type: 'init', init } satisfies ToWorker);
  return w;
}

type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly index: number; readonly result: FileResult };

/** Results held per lane, waiting for an earlier file, before no lane gets a new file. */
const MAX_WAITING_DETECT = 8;
const MAX_WAITING_EVENTS = 2;

/** Files handed to a worker ahead of its results, so it never waits while this thread reads. */
const WORKER_QUEUE = 4;

/**
 * Hand files out to `count` lanes: `count - 1` worker threads, and this thread, which reads files
 * too between reports. A thread more than there are cores only takes turns with the others, and
 * this thread's own results need no copying across. Each worker is kept {@link WORKER_QUEUE} files
 * ahead. A result that must wait for an earlier file (or for an earlier report to finish) is held;
 * while more than a few are held, no lane gets a new file, so a slow file or a slow store bounds
 * memory, not the input.
 */
async function runInWorkers(
  files: readonly string[],
  init: WorkerInit,
  count: number,
  report: Report,
  learning?: Learning,
): Promise<void> {
  // A detect result is a file's hits and candidate events, small; an ingest result holds every
  // event of its file. Room for more small ones lets this thread read on while a worker is still
  // starting (its first result comes ~0.3 s after this thread's).
  const maxWaiting = count * (init.mode === 'detect' ? MAX_WAITING_DETECT : MAX_WAITING_EVENTS);
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const nudge = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const order = inOrder(report, () => {
    pump();
    nudge();
  });
  const take = (): number | undefined =>
    next < files.length && order.pending() <= maxWaiting ? next++ : undefined;
  const handed = (file: string): void => {
    learning?.readAt.set(file, learning.version);
  };
  const workers: Worker[] = [];
  const queued = new Map<Worker, number>();
  const share = (facts: readonly TokenFact[], from: Worker | undefined): void => {
    if (!learning || facts.length === 0) return;
    handOver(learning, facts);
    const msg: ToWorker = { type: 'facts', facts };
    for (const w of workers) if (w !== from) w.postMessage(msg);
    if (from) own.learn(facts);
  };
  const pump = (): void => {
    for (const w of workers) {
      while ((queued.get(w) ?? 0) < WORKER_QUEUE) {
        const index = take();
        if (index === undefined) break;
        const file = files[index]!;
        handed(file);
        queued.set(w, (queued.get(w) ?? 0) + 1);
        const msg: ToWorker = { type: 'file', file, index };
        w.postMessage(msg);
      }
    }
  };
  const exited = Array.from({ length: count - 1 }, () => {
    const w = workerFor(init);
    workers.push(w);
    queued.set(w, 0);
    w.on('message', (m: FromWorker) => {
      if (m.type !== 'result') return;
      queued.set(w, (queued.get(w) ?? 1) - 1);
      share(m.result.facts, w);
      order.deliver(m.index, m.result);
      pump();
      nudge();
    });
    return new Promise<void>((resolve) => {
      w.on('error', (error) => {
        failure ??= { error };
        for (const other of workers) void other.terminate();
        nudge();
      });
      w.on('exit', () => {
        // A worker that stops with files unread (and no error event) must not leave this waiting.
        const unread = queued.get(w) ?? 0;
        if (unread > 0 && !failure) {
          const reason = `a worker thread stopped with ${unread} file(s) unread`;
          failure = { error: new AppError('KS_INTERNAL', { reason }) };
          nudge();
        }
        resolve();
      });
    });
  });
  // The workers get their first files now; this thread's own engines are built while they start.
  pump();
  const own = createFileWork(init);
  // This thread's lane: a file whenever one may be taken, letting worker results in between.
  while (!failure) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    pump();
    const index = take();
    if (index !== undefined) {
      const file = files[index]!;
      handed(file);
      const r = own(file);
      share(r.facts, undefined);
      order.deliver(index, r);
      continue;
    }
    const busy = [...queued.values()].some((n) => n > 0);
    if (next >= files.length && !busy) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  for (const w of workers) w.postMessage({ type: 'done' } satisfies ToWorker);
  await Promise.all(exited);
  if (failure) throw failure.error;
  await order.done();
}
