/**
 * A real local HTTP receiver for sink tests: records every request (method, path, headers, the
 * exact body bytes) and answers with what the test scripts, in order (then 200 by default).
 */
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  json(): unknown;
}

/** A scripted answer. */
export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Never answer (a receiver that hangs, or a process killed mid-delivery). */
  readonly hold?: boolean;
}

/** A listening receiver. */
export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** Answers for the next requests, in order; `fallback` after they run out. */
  script(...answers: (Answer | ((r: Received) => Answer))[]): void;
  fallback: Answer | ((r: Received) => Answer);
  close(): Promise<void>;
}

/** Start a receiver on 127.0.0.1 (port 0, or `port` to come back on the same one). */
export async function startReceiver(port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const queue: (Answer | ((r: Received) => Answer))[] = [];
  const held: ServerResponse[] = [];
  const rec: Receiver = {
    url: '',
    port: 0,
    received,
    fallback: { status: 200, body: 'ok' },
    script: (...answers) => void queue.push(...answers),
    close: () =>
      new Promise((resolve) => {
        for (const h of held.splice(0)) h.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const r: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        text: body.toString('utf8'),
        json: () => JSON.parse(body.toString('utf8')) as unknown,
      };
      received.push(r);
      const next = queue.shift() ?? rec.fallback;
      const a = typeof next === 'function' ? next(r) : next;
      if (a.hold) {
        held.push(res);
        return;
      }
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  Object.assign(rec, { port: p, url: `http://127.0.0.1:${p}` });
  return rec;
}
