/**
 * The dashboard's static files: its stylesheet and script (src/server/static/, copied to dist by
 * the build) and the chart library from node_modules. Only these names are served.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

const FILES: Readonly<Record<string, { type: string; path: () => string }>> = {
  'app.css': {
    type: 'text/css; charset=utf-8',
    path: () => new URL('../static/app.css', import.meta.url).pathname,
  },
  'app.js': {
    type: 'text/javascript; charset=utf-8',
    path: () => new URL('../static/app.js', import.meta.url).pathname,
  },
  'chart.js': {
    type: 'text/javascript; charset=utf-8',
    path: () => join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  },
};

/** GET /static/<name>. */
export function registerStatic(app: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  app.get<{ Params: { name: string } }>('/static/:name', async (req, reply) => {
    const f = Object.hasOwn(FILES, req.params.name) ? FILES[req.params.name] : undefined;
    if (!f) return reply.code(404).send({ error: 'not found' });
    let body = cache.get(req.params.name);
    if (!body) {
      body = readFileSync(f.path());
      cache.set(req.params.name, body);
    }
    return reply.header('cache-control', 'public, max-age=300').type(f.type).send(body);
  });
}
