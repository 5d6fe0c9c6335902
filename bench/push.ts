/**
 * `npm run bench:push`: the EventBridge intake soaked on 127.0.0.1. A real server over a fresh
 * workspace with one canary; 50,000 events pushed at a paced rate (default 1,000 events/s, one
 * event per push, 1 in 100 made with the canary key), each push answered once its events are
 * stored. Prints accepted events/s and the latency percentiles from push to stored (findings
 * included); exit 1 when an event is lost. Args: --events N --rate N (events/s).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initWorkspace, openWorkspace } from '../src/app.js';
import { cloudTrailRecord } from '../src/core/index.js';
import { createApiToken } from '../src/server/auth.js';
import { startServer } from '../src/server/index.js';
import { registerToken } from '../src/tokens/registry.js';

const SECRET = 'bench-push-secret-0123456789';
const CANARY = 'AKIAQYLPMN5HHHFPZAM2';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function record(n: number): Record<string, unknown> {
  const canary = n % 100 === 0;
  return cloudTrailRecord({
    userIdentity: {
      type: 'IAMUser',
      principalId: canary
        ? 'AIDAQBENCHCANARY0001'
        : `AIDAQBENCHUSER${String(n % 500).padStart(6, '0')}`,
      arn: `arn:aws:iam::111122223333:user/${canary ? 'svc-bench' : `user-${n % 500}`}`,
      accountId: '111122223333',
      accessKeyId: canary ? CANARY : `AKIAQBENCH${String(n % 500).padStart(10, '0')}`,
      userName: canary ? 'svc-bench' : `user-${n % 500}`,
    },
    eventTime: new Date(Date.parse('2026-11-30T10:00:00Z') + n * 10)
      .toISOString()
      .replace('.000Z', 'Z'),
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: 'us-east-1',
    sourceIPAddress: `198.51.100.${n % 200}`,
    userAgent: 'aws-cli/2.15.0',
    requestParameters: null,
    responseElements: null,
    requestID: `req-${n}`,
    eventID: `bench-push-${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
    recipientAccountId: '111122223333',
  });
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** The server side, in its own process so the load generator does not share its event loop. */
async function serveChild(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ks-bench-push-'));
  const created = initWorkspace(home);
  await registerToken(
    created.store,
    { accessKeyId: CANARY, userName: 'svc-bench', placement: { host: 'bench' } },
    'bench',
    new Date(),
  );
  await created.close();
  const yaml = readFileSync(join(home, 'keysnare.yaml'), 'utf8');
  writeFileSync(
    join(home, 'keysnare.yaml'),
    yaml.replace('  # intakeSecret:', `  intakeSecret: ${SECRET}\n  # was:`),
  );
  const ws = openWorkspace(home);
  const { token } = await createApiToken(ws.store, 'bench', new Date());
  const server = await startServer({ ws, port: 0, background: false, log: () => undefined });
  process.stdout.write(`${JSON.stringify({ url: server.url, token })}\n`);
  process.stdin.resume();
  await new Promise<void>((r) => process.stdin.on('end', r));
  await server.close();
  await ws.close();
  rmSync(home, { recursive: true, force: true });
}

async function main(): Promise<number> {
  const total = arg('events', 50_000);
  const rate = arg('rate', 1000);
  const child = spawn(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--serve-child'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const first = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
    });
    child.on('exit', () => reject(new Error('the server process ended before it listened')));
  });
  const { url, token } = JSON.parse(first) as { url: string; token: string };
  const latencies: number[] = [];
  let failed = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  try {
    for (let n = 0; n < total; n++) {
      const due = start + (n * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const t0 = performance.now();
      const p = fetch(`${url}/api/v1/intake/eventbridge`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-keysnare-secret': SECRET },
        body: JSON.stringify({ 'detail-type': 'AWS API Call via CloudTrail', detail: record(n) }),
      })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.status === 202) latencies.push(performance.now() - t0);
          else failed++;
        })
        .catch(() => void failed++)
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - start) / 1000;
    const api = async (path: string): Promise<unknown> =>
      (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
    const status = (await api('/api/v1/status')) as { events: number };
    const incidents = (await api('/api/v1/incidents')) as { eventCount: number }[];
    latencies.sort((a, b) => a - b);
    process.stdout.write(
      [
        `pushed ${total} events at ${rate}/s (one per push): ${status.events} stored, ${failed} failed, ${incidents.length} incident(s), ${incidents[0]?.eventCount ?? 0} canary events in it`,
        `accepted ${Math.round(latencies.length / seconds)} events/s over ${seconds.toFixed(1)} s`,
        `push → stored latency ms: p50 ${pct(latencies, 50).toFixed(1)}, p90 ${pct(latencies, 90).toFixed(1)}, p99 ${pct(latencies, 99).toFixed(1)}, max ${(latencies.at(-1) ?? NaN).toFixed(1)}`,
      ].join('\n') + '\n',
    );
    return status.events === total && failed === 0 ? 0 : 1;
  } finally {
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
  }
}

(process.argv.includes('--serve-child') ? serveChild().then(() => 0) : main()).then(
  (c) => (process.exitCode = c),
  (err: unknown) => {
    process.stderr.write(
      `bench:push: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
