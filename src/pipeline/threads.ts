/**
 * Worker threads: how many a run gets, and starting them early. Light on purpose (no pipeline
 * module): `detect` starts its workers before it loads the pipeline and reads its settings and
 * canaries, so the ~0.25 s a worker takes to load its modules overlaps that (docs/performance.md).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerInit } from './setup.js';

/** Young-generation size of each worker thread, in MB. */
const YOUNG_GENERATION_MB = 32;

/** The limits that bound memory across workers. */
export interface MemoryLimits {
  readonly maxFileBytes: number;
  readonly maxInFlightBytes: number;
}

/**
 * Worker count for a config value: 'auto' → the machine's parallelism. Each worker holds one file
 * at a time (at most `maxFileBytes` read and `maxFileBytes` decompressed), so the count is capped
 * at `maxInFlightBytes / maxFileBytes` (at least 1) to bound memory across workers. Without
 * `memory`, uncapped (a guess made before the settings are read).
 */
export function resolveWorkers(
  value: 'auto' | number,
  files: number,
  bytes: number,
  memory?: MemoryLimits,
): number {
  const budget = memory
    ? Math.max(1, Math.floor(memory.maxInFlightBytes / memory.maxFileBytes))
    : Infinity;
  if (value !== 'auto') return Math.max(1, Math.min(value, files, budget));
  // Starting a worker costs tens of milliseconds: small inputs run in-process.
  if (files <= 1 || bytes < 8 * 1024 * 1024) return 1;
  return Math.max(1, Math.min(availableParallelism(), files, budget));
}

/** Workers started before their run knows its init (see {@link prestartWorkers}). */
const prestarted: Worker[] = [];

/**
 * Have `count` worker threads started, for the run that comes next: they load their modules
 * while this thread reads its settings and canaries, and wait, not holding the process open,
 * until a run takes them (with its init). Ones beyond `count` started by an earlier guess stop.
 */
export function prestartWorkers(count: number): void {
  for (const extra of prestarted.splice(Math.max(0, count))) void extra.terminate();
  while (prestarted.length < count) {
    const w = startWorker(null);
    w.unref();
    // One that fails before a run takes it is dropped (a run would start its own).
    w.once('error', () => {
      const at = prestarted.indexOf(w);
      if (at >= 0) prestarted.splice(at, 1);
    });
    prestarted.push(w);
  }
}

/** A worker started ahead (then referenced again: the run holds the process open), if any. */
export function takePrestarted(): Worker | undefined {
  const w = prestarted.shift();
  w?.ref();
  return w;
}

/** A new worker thread, given `init` at once (or, prestarted, as its first message). */
export function startWorker(init: WorkerInit | null): Worker {
  const self = import.meta.url;
  // A larger young generation: a file's parsed records die young instead of being promoted and
  // collected again by the slower full collector (measured in docs/performance.md).
  const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
  if (!self.endsWith('.ts'))
    return new Worker(new URL('./worker.js', self), { workerData: init, resourceLimits });
  // Under tsx/vitest this module is TypeScript: register tsx's loader inside the worker first.
  const target = JSON.stringify(new URL('./worker.ts', self).href);
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${target}); })`;
  return new Worker(boot, { eval: true, workerData: init, resourceLimits });
}
