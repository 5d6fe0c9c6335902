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
  | { readonly type: 'file'; readonly file: string; readonly index: number }
  | { readonly type: 'facts'; readonly facts: readonly TokenFact[] }
  | { readonly type: 'done' };

const port = parentPort;
if (port) {
  const work = createFileWork(workerData as WorkerInit);
  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'done') {
      port.close();
      return;
    }
    if (msg.type === 'facts') {
      work.learn(msg.facts);
      return;
    }
    port.postMessage({ type: 'result', index: msg.index, result: work(msg.file) });
  });
  port.postMessage({ type: 'ready' });
}
