/**
 * Worker-thread entry: builds its file work from what it is given, then processes files one at a
 * time as the main thread hands them out (so at most one file per worker is in flight and memory
 * stays bounded).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { TokenFact } from '../core/index.js';
import type { WorkerInit } from './setup.js';
import { createFileWork } from './setup.js';

/** Messages from the main thread. */
export type ToWorker =
  | { readonly type: 'init'; readonly init: WorkerInit }
  | { readonly type: 'file'; readonly file: string; readonly index: number }
  | { readonly type: 'facts'; readonly facts: readonly TokenFact[] }
  | { readonly type: 'done' };

const port = parentPort;
if (port) {
  // A worker started ahead of its run (prestartWorkers) is given its init as the first message.
  let work = workerData ? createFileWork(workerData as WorkerInit) : undefined;
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'init') {
      work = createFileWork(msg.init);
      return;
    }
    if (msg.type === 'done') {
      port.close();
      return;
    }
    if (!work) throw new Error(`worker given "${msg.type}" before its init`);
    if (msg.type === 'facts') {
      work.learn(msg.facts);
      return;
    }
    port.postMessage({ type: 'result', index: msg.index, result: work(msg.file) });
  });
  port.postMessage({ type: 'ready' });
}
