/**
 * `npm run bench:alerts`: the alerting soak timed. 10,000 findings (bench/soak.ts) grouped into
 * incidents over ten runs into a real SQLite file, then the 2,000 alerts they make delivered to a
 * local webhook receiver. Prints the figures (docs/performance.md records them); exit 1 when an
 * alert is missing or repeated.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGuard, createHttpClient, dispatch } from '../src/alert/index.js';
import { webhookSink } from '../src/alert/sinks/webhook.js';
import { recordIncidents } from '../src/pipeline/alerting.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { SOAK, soakBatches, soakDeps } from './soak.js';

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ks-bench-alerts-'));
  const seen = new Set<string>();
  let repeats = 0;
  const server = createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    if (seen.has(id)) repeats++;
    seen.add(id);
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const store = openSqliteStore(join(dir, 'keysnare.db'));
  try {
    const deps = soakDeps(store);
    const t0 = performance.now();
    let findings = 0;
    for (const batch of soakBatches()) {
      findings += batch.length;
      await store.transaction(async () => {
        await store.upsertFindings(batch);
        await recordIncidents(deps, batch);
      });
    }
    const grouped = performance.now() - t0;
    const guard = createGuard(true);
    const sink = webhookSink.create(
      {
        url: `http://127.0.0.1:${port}/in`,
        secret: 'whsec_' + Buffer.from('bench-secret-0123456789').toString('base64'),
      },
      {
        name: 'hook',
        http: createHttpClient(guard),
        guard,
        now: deps.now,
        hostname: 'bench',
        version: '0',
        resolvePath: (p) => p,
      },
    );
    const t1 = performance.now();
    const stats = await dispatch(store, new Map([['hook', sink]]), {
      now: deps.now,
      ratePerMinute: new Map([['hook', 1e9]]),
    });
    const delivered = performance.now() - t1;
    const incidents = (await store.listIncidents()).length;
    const expected = 2 * SOAK.principals;
    const rss = Math.round(process.memoryUsage().rss / 1e6);
    process.stdout.write(
      [
        `findings ${findings}, runs ${SOAK.runs}: ${incidents} incidents, ${stats.delivered} alerts delivered (${seen.size} distinct ids, ${repeats} repeats)`,
        `group + queue: ${(grouped / 1000).toFixed(2)} s (${Math.round(findings / (grouped / 1000))} findings/s)`,
        `deliver: ${(delivered / 1000).toFixed(2)} s (${Math.round(stats.delivered / (delivered / 1000))} alerts/s, one sink, in order)`,
        `peak RSS ${rss} MB`,
      ].join('\n') + '\n',
    );
    return incidents === SOAK.principals && seen.size === expected && repeats === 0 ? 0 : 1;
  } finally {
    await store.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(
      `bench:alerts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
