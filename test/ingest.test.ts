import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const key = testKey('AKIA', 21);
const session = testKey('ASIA', 22);
const principal = 'AIDAQEXAMPLE000000077';

function setup() {
  const root = tempDir('ks-ingest-');
  return { root, home: join(root, 'ws'), logs: join(root, 'logs') };
}

describe('keysnare ingest', () => {
  it('stores each event once when the same files are ingested twice, and alerts once', async () => {
    const s = setup();
    expect((await runCli(['--home', s.home, 'init'])).code).toBe(0);
    expect(
      (
        await runCli([
          '--home',
          s.home,
          'token',
          'add',
          '--access-key-id',
          key,
          '--placement',
          'host=ci-3,path=/etc/ci/env,owner=ops',
        ])
      ).code,
    ).toBe(0);
    writeDelivery(s.logs, '20250301T1000', [
      ctRecord({ identity: iamUser('svc-etl', key, principal), time: '2025-03-01T10:00:00Z' }),
      ctRecord({
        identity: iamUser('alice', testKey('AKIA', 23), 'AIDAQALICE0000000009'),
        time: '2025-03-01T10:01:00Z',
      }),
    ]);
    const first = await runCli(['--home', s.home, 'ingest', '--format', 'jsonl', s.logs]);
    expect(first.code).toBe(0);
    expect(jsonl(first.out)).toHaveLength(1);
    const second = await runCli(['--home', s.home, 'ingest', '--format', 'jsonl', s.logs]);
    expect(second.code).toBe(0);
    expect(second.out).toBe('');
    expect(second.err).toMatch(/stored 0 new event\(s\), 2 already stored/);
    const ws = openWorkspace(s.home);
    try {
      expect(await ws.store.countEvents()).toBe(2);
      expect(await ws.store.listFindings({})).toHaveLength(1);
    } finally {
      await ws.close();
    }
  });

  it('grows the same finding when a later file adds events, and links session keys learned later', async () => {
    const s = setup();
    await runCli(['--home', s.home, 'init']);
    await runCli(['--home', s.home, 'token', 'add', '--access-key-id', key]);
    // Run 1: only an event made with the (not yet known) session key.
    writeDelivery(s.logs, '20250301T1000', [
      ctRecord({
        identity: { type: 'IAMUser', accessKeyId: session, accountId: '111122223333' },
        time: '2025-03-01T10:05:00Z',
        eventName: 'ListBuckets',
        eventSource: 's3.amazonaws.com',
      }),
    ]);
    const r1 = await runCli(['--home', s.home, 'ingest', '--format', 'jsonl', s.logs]);
    expect(jsonl(r1.out)).toHaveLength(0);
    // Run 2: the canary key's GetSessionToken reveals the session key.
    const later = join(s.root, 'later');
    writeDelivery(later, '20250301T1010', [
      ctRecord({
        identity: iamUser('svc-etl', key, principal),
        time: '2025-03-01T10:04:00Z',
        eventName: 'GetSessionToken',
        responseElements: { credentials: { accessKeyId: session } },
      }),
    ]);
    const r2 = await runCli(['--home', s.home, 'ingest', '--format', 'jsonl', later]);
    const changed = jsonl<{ id: string; eventIds: string[] }>(r2.out);
    expect(changed).toHaveLength(1);
    expect(changed[0]!.eventIds).toHaveLength(2);
    const list = await runCli(['--home', s.home, 'findings', 'list', '--format', 'jsonl']);
    expect(jsonl(list.out)).toHaveLength(1);
  });

  it('refuses to run without a workspace, with a hint', async () => {
    const s = setup();
    const r = await runCli(['--home', s.home, 'ingest', s.root]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/keysnare init/);
  });
});

describe('keysnare token', () => {
  it('registers, imports, lists, moves and retires with a custody history', async () => {
    const s = setup();
    await runCli(['--home', s.home, '--actor', 'alice', 'init']);
    const add = await runCli([
      '--home',
      s.home,
      '--actor',
      'alice',
      'token',
      'add',
      '--access-key-id',
      key,
      '--user-name',
      'svc-etl',
      '--label',
      'ci',
      '--placement',
      'host=ci-3,path=/etc/ci/env,owner=ops',
      '--format',
      'jsonl',
    ]);
    expect(add.code).toBe(0);
    const [tok] = jsonl<{ id: string; accountId: string }>(add.out);
    expect(tok!.accountId).toBe('111122223333');
    const file = join(s.root, 'tokens.yaml');
    writeFileSync(
      file,
      `- accessKeyId: ${testKey('AKIA', 30)}\n  placement: {host: web-1, path: /srv/.env}\n`,
    );
    expect((await runCli(['--home', s.home, 'token', 'import', file])).code).toBe(0);
    expect((await runCli(['--home', s.home, 'token', 'add', '--access-key-id', key])).code).toBe(2);
    await runCli([
      '--home',
      s.home,
      '--actor',
      'bob',
      'token',
      'move',
      tok!.id,
      '--placement',
      'host=ci-4,path=/etc/ci/env',
    ]);
    await runCli(['--home', s.home, 'token', 'retire', key]);
    const list = jsonl<{ status: string }>(
      (await runCli(['--home', s.home, 'token', 'list', '--status', 'all', '--format', 'jsonl']))
        .out,
    );
    expect(list.map((t) => t.status).sort()).toEqual(['active', 'retired']);
    const show = jsonl<{
      custody: { actor: string; action: string; previous?: { host: string } }[];
    }>((await runCli(['--home', s.home, 'token', 'show', tok!.id, '--format', 'jsonl'])).out)[0]!;
    expect(show.custody.map((c) => c.action)).toEqual(['registered', 'moved', 'retired']);
    expect(show.custody[1]!.actor).toBe('bob');
    expect(show.custody[1]!.previous?.host).toBe('ci-3');
  });

  it('reports every bad entry of an import file at once', async () => {
    const s = setup();
    await runCli(['--home', s.home, 'init']);
    const file = join(s.root, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify([{ accessKeyId: 'nope' }, { accessKeyId: key, accountId: '12' }]),
    );
    const r = await runCli(['--home', s.home, 'token', 'import', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/\[0\]\.accessKeyId/);
    expect(r.err).toMatch(/\[1\]\.accountId/);
  });
});

describe('keysnare cli', () => {
  it('prints help and version, and exits 2 on an unknown command', async () => {
    expect((await runCli(['--help'])).out).toMatch(/detect/);
    expect((await runCli(['--version'])).out.trim()).toBe('0.1.0');
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('runs the demo end to end', async () => {
    const s = setup();
    const r = await runCli(['demo', '--demo-home', s.home]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Canary key AKIA\w+ \(build-7 credentials\) used from 198\.51\.100\.23/);
    expect(r.out).toMatch(/TruffleHog/);
    expect(r.err).toMatch(/skipped .*Tr9nCat3dFi1e00\.json\.gz/);
  });
});

describe('keysnare token audit', () => {
  it('flags a key whose account is on a public canary list, offline', async () => {
    const s = setup();
    await runCli(['--home', s.home, 'init']);
    const listed = testKey('AKIA', 40, '595918472158');
    await runCli([
      '--home',
      s.home,
      'token',
      'add',
      '--access-key-id',
      listed,
      '--user-name',
      'svc-billing-prod',
    ]);
    const r = await runCli(['--home', s.home, 'token', 'audit', '--offline', '--format', 'jsonl']);
    expect(r.code).toBe(0);
    const [res] = jsonl<{ accountId: string; score: number; problems: { message: string }[] }>(
      r.out,
    );
    expect(res!.accountId).toBe('595918472158');
    expect(res!.score).toBeLessThan(100);
    expect(res!.problems.map((p) => p.message).join(' ')).toMatch(/595918472158/);
  });
});
