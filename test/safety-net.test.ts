import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIamClient } from '../src/aws/clients.js';
import { createIamPort } from '../src/aws/iam.js';
import { openWorkspace } from '../src/app.js';
import type { Workspace } from '../src/app.js';
import { main } from '../src/cli/main.js';
import { runSafetyNet } from '../src/safety-net.js';
import { startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import { ctRecord, iamUser, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';

let fake: FakeAws;
let home: string;
let root: string;
beforeEach(async () => {
  fake = await startFakeAws({ accountId: '111122223333' });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_ACCESS_KEY_ID: fake.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.admin.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  root = mkdtempSync(join(tmpdir(), 'ks-sn-'));
  home = join(root, 'ws');
  await runCli(['--home', home, 'init']);
});
const AWS_ENV = [
  'AWS_ENDPOINT_URL',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
] as const;
const savedEnv = Object.fromEntries(AWS_ENV.map((k) => [k, process.env[k]]));
afterEach(async () => {
  await fake.close();
  rmSync(root, { recursive: true, force: true });
  for (const k of AWS_ENV) {
    if (savedEnv[k] === undefined) delete process.env[k];
    else process.env[k] = savedEnv[k];
  }
});

/** Run the CLI in-process, noting how many requests the fake had seen at each stdout write. */
async function runObserved(args: readonly string[], isTty = false) {
  const outs: { text: string; requests: number }[] = [];
  let err = '';
  const code = await main(
    args,
    {
      out: (text) => void outs.push({ text, requests: lastUsedCalls() }),
      err: (t) => void (err += t),
      isTty,
    },
    {},
    process.cwd(),
  );
  return { code, outs, err };
}

const lastUsedCalls = () =>
  fake.control.calls.filter((c) => c.action === 'GetAccessKeyLastUsed').length;

async function mint(count: number, path = '~/.aws/credentials') {
  const r = await runCli([
    '--home',
    home,
    'token',
    'mint',
    '--placement',
    `host=build-7,path=${path}`,
    '--count',
    String(count),
    '--format',
    'jsonl',
  ]);
  return jsonl<{ id: string; accessKeyId: string; userName: string; userArn: string }>(r.out);
}

async function mintOne() {
  return (await mint(1))[0]!;
}

async function pass(opts: { report?: boolean } = {}) {
  const ws: Workspace = openWorkspace(home);
  try {
    const iam = createIamPort(
      createIamClient({ endpoint: fake.endpoint, credentials: fake.admin, maxAttempts: 3 }),
    );
    const logs: string[] = [];
    const run = await runSafetyNet(ws.store, iam, {
      requestsPerSecond: 50,
      useCredentialReport: opts.report ?? true,
      granularityMs: 15 * 60_000,
      log: (l) => logs.push(l),
      sleep: () => Promise.resolve(),
    });
    return { ...run, logs };
  } finally {
    await ws.close();
  }
}

describe('safety net', () => {
  it('stays quiet for a key that was never used', async () => {
    await mintOne();
    const r = await pass();
    expect(r.findings).toEqual([]);
    expect(r.keysQueried).toBe(1);
  });

  it('alerts once on use CloudTrail never showed (a first use ever alerts)', async () => {
    const t = await mintOne();
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-20T10:00:00Z'),
      service: 'sqs',
      region: 'eu-west-1',
    });
    const first = await pass();
    expect(first.findings).toHaveLength(1);
    const f = first.findings[0]!;
    expect(f).toMatchObject({
      rule: 'honeytoken.unlogged-use',
      source: 'safety-net',
      tokenId: t.id,
      accessKeyId: t.accessKeyId,
      eventIds: [],
      regions: ['eu-west-1'],
    });
    expect(f.details).toMatchObject({ service: 'sqs', lastUsedDate: '2026-11-20T10:00:00.000Z' });
    expect((await pass()).findings).toEqual([]);
    const stored = jsonl(
      (
        await runCli([
          '--home',
          home,
          'findings',
          'list',
          '--rule',
          'honeytoken.unlogged-use',
          '--format',
          'jsonl',
        ])
      ).out,
    );
    expect(stored).toHaveLength(1);
  });

  it('does not alert on use inside the 15-minute granularity of what CloudTrail showed, and does past it', async () => {
    const t = await mintOne();
    const logs = join(root, 'logs');
    writeDelivery(logs, '20261120T1000', [
      ctRecord({
        identity: iamUser(t.userName, t.accessKeyId, 'AIDAQEXAMPLE000000001'),
        time: '2026-11-20T10:00:00Z',
      }),
    ]);
    expect((await runCli(['--home', home, 'ingest', logs])).code).toBe(0);
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-20T10:10:00Z'),
      service: 'sts',
      region: 'us-east-1',
    });
    expect((await pass()).findings).toEqual([]);
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-20T12:00:00Z'),
      service: 'sqs',
      region: 'us-east-1',
    });
    const later = await pass();
    expect(later.findings).toHaveLength(1);
    expect(later.findings[0]!.details).toMatchObject({ gapMinutes: 120 });
  });

  it('uses GetAccessKeyLastUsed while the credential report is still being generated, and survives throttling', async () => {
    const t = await mintOne();
    fake.control.reportReadyAfterPolls = 10;
    fake.control.throttle('GetAccessKeyLastUsed', 2);
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-21T08:00:00Z'),
      service: 'sns',
      region: 'us-east-1',
    });
    const r = await pass();
    expect(r.reportUsed).toBe(false);
    expect(r.logs.join('\n')).toMatch(/credential report is in-progress/);
    expect(r.findings).toHaveLength(1);
  });

  it('reads both key slots of the credential report once it is ready', async () => {
    const t = await mintOne();
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-21T09:00:00Z'),
      service: 's3',
      region: 'us-west-2',
    });
    fake.control.reportReadyAfterPolls = 1;
    await pass(); // starts the report; alerts from the API
    const r = await pass();
    expect(r.reportUsed).toBe(true);
    expect(r.findings).toEqual([]); // same last-used time: no second alert
  });

  it('runs from the command line', async () => {
    const t = await mintOne();
    fake.control.recordKeyUse(t.accessKeyId, {
      date: new Date('2026-11-21T07:00:00Z'),
      service: 'sqs',
      region: 'us-east-1',
    });
    const r = await runCli(['--home', home, 'safety-net', '--once', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    expect(jsonl(r.out)).toHaveLength(1);
    // The finding opens the canary's incident, like any other.
    const incidents = jsonl<{ kind: string; tokenId: string; rules: string[] }>(
      (await runCli(['--home', home, 'incidents', 'list', '--format', 'jsonl'])).out,
    );
    expect(incidents).toMatchObject([
      { kind: 'canary', tokenId: t.id, rules: ['honeytoken.unlogged-use'] },
    ]);
    expect((await runCli(['--home', home, 'safety-net'])).code).toBe(2);
  });

  it('stops at the first refused credential with one line and exit 1, without trying every key', async () => {
    await mint(12, '.env');
    const before = fake.control.calls.length;
    process.env['AWS_SECRET_ACCESS_KEY'] = 'not-the-secret-of-this-key';
    const r = await runCli(['--home', home, 'safety-net', '--once']);
    expect(r.code).toBe(1);
    expect(fake.control.calls.length - before).toBeLessThanOrEqual(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/credentials.*SignatureDoesNotMatch/);
  });

  it('stops on a key that is not valid (InvalidClientTokenId) and on no credentials at all', async () => {
    await mint(5, '.env');
    const before = fake.control.calls.length;
    process.env['AWS_ACCESS_KEY_ID'] = 'AKIAIOSFODNN7EXAMPLE';
    const bad = await runCli(['--home', home, 'safety-net', '--once']);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).toMatch(/InvalidClientTokenId/);
    expect(fake.control.calls.length - before).toBeLessThanOrEqual(2);

    // No credentials anywhere (and never the EC2 metadata service: only 127.0.0.1 is allowed).
    delete process.env['AWS_ACCESS_KEY_ID'];
    delete process.env['AWS_SECRET_ACCESS_KEY'];
    process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
    process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(root, 'no-credentials');
    process.env['AWS_CONFIG_FILE'] = join(root, 'no-config');
    const none = await runCli(['--home', home, 'safety-net', '--once']);
    expect(none.code).toBe(1);
    expect(none.err.trim().split('\n')).toHaveLength(1);
    expect(none.err).toMatch(/credentials/i);
  });

  it('stops when the credentials may not call GetAccessKeyLastUsed', async () => {
    await mint(5, '.env');
    writeConfigNoReport();
    fake.control.failNext('GetAccessKeyLastUsed', 'AccessDenied', { times: 100 });
    const r = await runCli(['--home', home, 'safety-net', '--once']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/AccessDenied/);
    expect(lastUsedCalls()).toBe(1);
  });

  it('prints each finding as it is made, before the last key is checked', async () => {
    const minted = jsonl<{ accessKeyId: string }>(
      (
        await runCli([
          '--home',
          home,
          'token',
          'mint',
          '--placement',
          'host=build-7,path=.env',
          '--count',
          '4',
          '--format',
          'jsonl',
        ])
      ).out,
    );
    for (const t of minted) {
      fake.control.recordKeyUse(t.accessKeyId, {
        date: new Date('2026-11-21T07:00:00Z'),
        service: 'sqs',
        region: 'us-east-1',
      });
    }
    const r = await runObserved(['--home', home, 'safety-net', '--once', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const lines = r.outs.filter((o) => o.text.trim() !== '');
    expect(lines).toHaveLength(4);
    expect(lines[0]!.requests).toBeLessThan(minted.length);
    expect(r.err).not.toMatch(/keys checked/);
  });

  it('shows progress on stderr on a terminal', async () => {
    await mint(3, '.env');
    const r = await runObserved(['--home', home, 'safety-net', '--once'], true);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3\/3 keys checked/);
  });
});

function writeConfigNoReport(): void {
  const file = join(home, 'keysnare.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('useCredentialReport: true', 'useCredentialReport: false'));
}
