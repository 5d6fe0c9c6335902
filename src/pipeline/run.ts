/**
 * The one place that knows the order: files → normalize → detect → findings (→ store, for ingest).
 * Files are spread over worker threads; canary identifiers learned late (a session key, a user ARN
 * the registry lacked) trigger another pass so results do not depend on the order files are read.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Finding, RecordRejection, StoredEvent, Token, TokenFact } from '../core/index.js';
import type { Engine, HitSummary } from '../detect/index.js';
import { createCanaryIndex, createEngine, findingsFromHits, rules } from '../detect/index.js';
import type { FileLimits, FileResult } from './read.js';
import { prepareNeedles, processFile } from './read.js';
import type { Bloom } from './bloom.js';
import { bloomHas } from './bloom.js';
import type { ToWorker, WorkerInit } from './worker.js';
import { CLOUDTRAIL_START_MS } from '../normalize/index.js';

/** Clock skew tolerated before an `eventTime` counts as in the future. */
const FUTURE_SLACK_MS = 24 * 60 * 60 * 1000;
export { listInputFiles } from './files.js';

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
  /** Allow the canary pre-filter (default true). */
  readonly prefilter?: boolean;
  /** Keep events (ingest); each file's events are handed to `onEvents` as soon as it is done. */
  readonly onEvents?: (events: StoredEvent[], file: string) => void;
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

/** The limits that bound memory across workers. */
export interface MemoryLimits {
  readonly maxFileBytes: number;
  readonly maxInFlightBytes: number;
}

/**
 * Worker count for a config value: 'auto' → the machine's parallelism. Each worker holds one file
 * at a time (at most `maxFileBytes` read and `maxFileBytes` decompressed), so the count is capped
 * at `maxInFlightBytes / maxFileBytes` (at least 1) to bound memory across workers.
 */
export function resolveWorkers(
  value: 'auto' | number,
  files: number,
  bytes: number,
  memory: MemoryLimits,
): number {
  const budget = Math.max(1, Math.floor(memory.maxInFlightBytes / memory.maxFileBytes));
  if (value !== 'auto') return Math.max(1, Math.min(value, files, budget));
  // Starting a worker costs tens of milliseconds: small inputs run in-process.
  if (files <= 1 || bytes < 8 * 1024 * 1024) return 1;
  return Math.max(1, Math.min(availableParallelism(), files, budget));
}

/** Run detection over files; see the module comment for the passes. */
export async function runFiles(opts: RunOptions): Promise<RunResult> {
  const facts: TokenFact[] = [...(opts.facts ?? [])];
  const hits = new Map<string, HitSummary>();
  const stats: RunStats = {
    files: opts.files.length,
    bytes: 0,
    records: 0,
    considered: 0,
    rejected: 0,
    passedOver: 0,
    skipped: 0,
    unreadable: 0,
    passes: 0,
    workers: opts.workers,
  };
  let known = createCanaryIndex(opts.tokens, facts).needles();
  const blooms = new Map<string, Bloom>();
  let files = opts.files;
  for (let pass = 1; pass <= 4 && files.length > 0; pass++) {
    stats.passes = pass;
    const first = pass === 1;
    const learned: TokenFact[] = [];
    const onResult = (r: FileResult): void => {
      for (const h of r.hits) hits.set(`${h.rule}\u0000${h.eventId}`, h);
      for (const f of r.facts) learned.push(f);
      if (r.bloom) blooms.set(r.file, r.bloom);
      if (!first) return;
      addStats(stats, r);
      for (const rej of r.rejections) opts.onRejection?.(rej);
      if (r.skipped) opts.onSkipped?.(r.file, r.skipped);
      if (r.events) opts.onEvents?.(r.events, r.file);
    };
    // A later pass usually re-reads a handful of files: not worth starting workers for.
    const workers = first || files.length > 8 ? opts.workers : 1;
    await runPass({ ...opts, files, workers }, facts, first, onResult, stats);
    facts.push(...learned);
    const next = createCanaryIndex(opts.tokens, facts).needles();
    const added = [...next].filter((n) => !known.has(n));
    known = next;
    // Ingest looks learned identifiers up in its store instead of re-reading files.
    if (added.length === 0 || opts.onEvents) break;
    files = opts.files.filter((f) => {
      const b = blooms.get(f);
      return !b || added.some((n) => bloomHas(b, n));
    });
  }
  const canaries = createCanaryIndex(opts.tokens, facts);
  const engine = createEngine(rules, {
    canaries,
    managementPrincipals: new Set(opts.managementPrincipals ?? []),
  });
  const all = [...hits.values()];
  return {
    hits: all,
    facts: dedupeFacts(facts),
    findings: findingsFromHits(all, engine.rules, engine, opts.quietGapMs),
    stats,
    engine,
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

async function runPass(
  opts: RunOptions,
  facts: readonly TokenFact[],
  first: boolean,
  onResult: (r: FileResult) => void,
  stats: RunStats,
): Promise<void> {
  const init: WorkerInit = {
    tokens: opts.tokens,
    facts,
    managementPrincipals: opts.managementPrincipals ?? [],
    limits: opts.limits,
    times: { notBeforeMs: CLOUDTRAIL_START_MS, notAfterMs: opts.nowMs + FUTURE_SLACK_MS },
    prefilter: opts.prefilter ?? true,
    keepEvents: first && opts.onEvents !== undefined,
  };
  let done = 0;
  const report = (r: FileResult): void => {
    onResult(r);
    done++;
    if (first) opts.onProgress?.(done, opts.files.length, stats);
  };
  if (opts.workers <= 1) {
    runInProcess(opts.files, init, report);
    return;
  }
  await runInWorkers(opts.files, init, opts.workers, report);
}

function runInProcess(
  files: readonly string[],
  init: WorkerInit,
  report: (r: FileResult) => void,
): void {
  const canaries = createCanaryIndex(init.tokens, init.facts);
  const engine = createEngine(rules, {
    canaries,
    managementPrincipals: new Set(init.managementPrincipals),
  });
  const needles =
    init.prefilter && engine.scope === 'canary' ? prepareNeedles(canaries.needles()) : null;
  for (const file of files) {
    report(
      processFile(file, engine, {
        limits: init.limits,
        times: init.times,
        needles,
        keepEvents: init.keepEvents,
      }),
    );
  }
}

function startWorker(init: WorkerInit): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./worker.js', self), { workerData: init });
  // Under tsx/vitest this module is TypeScript: register tsx's loader inside the worker first.
  const target = JSON.stringify(new URL('./worker.ts', self).href);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${target}); })`;
  return new Worker(boot, { eval: true, workerData: init });
}

function runInWorkers(
  files: readonly string[],
  init: WorkerInit,
  count: number,
  report: (r: FileResult) => void,
): Promise<void> {
  let next = 0;
  let finished = 0;
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const feed = (w: Worker): void => {
      const file = files[next++];
      const msg: ToWorker = file === undefined ? { type: 'done' } : { type: 'file', file };
      w.postMessage(msg);
    };
    for (let i = 0; i < count; i++) {
      const w = startWorker(init);
      workers.push(w);
      w.on('message', (m: { type: 'ready' } | { type: 'result'; result: FileResult }) => {
        if (m.type === 'result') report(m.result);
        feed(w);
      });
      w.on('error', (err) => {
        for (const other of workers) void other.terminate();
        reject(err);
      });
      w.on('exit', () => {
        if (++finished === count) resolve();
      });
    }
  });
}
