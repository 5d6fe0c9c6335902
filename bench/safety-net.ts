/**
 * Safety Net latency: how long after a canary is used unlogged does a Safety Net pass report it,
 * against the credential-report-only approach (a report can be regenerated at most every 4 hours).
 * Runs against the project's wire-level fake IAM (no AWS): `tsx bench/safety-net.ts [--tokens N] [--rps R]`.
 * AWS's own propagation delay of last-used data is not measurable here and adds to both approaches.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initWorkspace } from '../src/app.js';
import { createIamClient } from '../src/aws/clients.js';
import { createIamPort } from '../src/aws/iam.js';
import { runSafetyNet } from '../src/safety-net.js';
import { registerToken } from '../src/tokens/registry.js';
import { startFakeAws } from '../test/fake-aws/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const count = arg('tokens', 200);
  const rps = arg('rps', 20);
  const fake = await startFakeAws({ accountId: '111122223333' });
  const ws = initWorkspace(join(mkdtempSync(join(tmpdir(), 'ks-snb-')), 'ws'));
  try {
    const iam = createIamPort(
      createIamClient({ endpoint: fake.endpoint, credentials: fake.admin, maxAttempts: 3 }),
    );
    const keys: string[] = [];
    for (let i = 0; i < count; i++) {
      const u = await iam.createUser({ userName: `svc-bench-${i}` });
      const k = await iam.createAccessKey(u.userName);
      await registerToken(
        ws.store,
        { accessKeyId: k.accessKeyId, userName: u.userName, userArn: u.arn },
        'bench',
        new Date(),
      );
      keys.push(k.accessKeyId);
    }
    // The worst case for a sweep: the used key is the last one queried.
    fake.control.recordKeyUse(keys[keys.length - 1] ?? '', {
      date: new Date(),
      service: 'sqs',
      region: 'us-east-1',
    });
    const started = performance.now();
    const run = await runSafetyNet(ws.store, iam, {
      requestsPerSecond: rps,
      useCredentialReport: false,
      granularityMs: 15 * 60_000,
      log: () => undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    const perKeyMs = (seconds * 1000) / count;
    const figures = {
      tokens: count,
      rps,
      found: run.findings.length,
      sweepSeconds: Number(seconds.toFixed(2)),
      perKeyMsAtThisRate: Number(perKeyMs.toFixed(1)),
      worstCaseMinutesFor10kAtDefault5rps: Number((10_000 / 5 / 60).toFixed(1)),
      credentialReportOnlyWorstCaseMinutes: 240,
    };
    process.stdout.write(
      `safety net: ${count} keys at ${rps} req/s swept in ${seconds.toFixed(2)} s (${perKeyMs.toFixed(1)} ms per key); found ${run.findings.length} unlogged use(s)\n`,
    );
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await ws.close();
    await fake.close();
  }
}

await main();
