/**
 * Worker-thread entry: builds its own engine from the tokens and facts it is given, then processes
 * files one at a time as the main thread hands them out (so at most one file per worker is in
 * flight and memory stays bounded).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Token, TokenFact } from '../core/index.js';
import { createCanaryIndex, createEngine, rules } from '../detect/index.js';
import type { TimeWindow } from '../normalize/index.js';
import type { FileLimits } from './read.js';
import { prepareNeedles, processFile } from './read.js';

/** What the main thread passes to each worker. */
export interface WorkerInit {
  readonly tokens: readonly Token[];
  readonly facts: readonly TokenFact[];
  readonly managementPrincipals: readonly string[];
  readonly limits: FileLimits;
  readonly times: TimeWindow;
  readonly prefilter: boolean;
  readonly keepEvents: boolean;
}

/** Messages from the main thread. */
export type ToWorker = { readonly type: 'file'; readonly file: string } | { readonly type: 'done' };

const init = workerData as WorkerInit;
const port = parentPort;
if (port) {
  const canaries = createCanaryIndex(init.tokens, init.facts);
  const engine = createEngine(rules, {
    canaries,
    managementPrincipals: new Set(init.managementPrincipals),
  });
  const needles =
    init.prefilter && engine.scope === 'canary' ? prepareNeedles(canaries.needles()) : null;
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'done') {
      port.close();
      return;
    }
    const result = processFile(msg.file, engine, {
      limits: init.limits,
      times: init.times,
      needles,
      keepEvents: init.keepEvents,
    });
    port.postMessage({ type: 'result', result });
  });
  port.postMessage({ type: 'ready' });
}
