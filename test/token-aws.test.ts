import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { findTells } from '../src/tokens/names.js';
import { FAKE_ADMIN_USER, startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

// The CLI's AWS clients use the SDK's standard configuration: point it at the fake the way a user
// would point it at any AWS-compatible endpoint (this file runs in its own process).
let fake: FakeAws;
let home: string;
let root: string;
beforeEach(async () => {
  fake = await startFakeAws({ accountId: '210987654321' });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_ACCESS_KEY_ID: fake.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: fake.admin.secretAccessKey,
    AWS_REGION: 'us-east-1',
  });
  root = tempDir('ks-aws-');
  home = join(root, 'ws');
  await runCli(['--home', home, 'init']);
});
afterEach(async () => {
  await fake.close();
});
const canaryUsers = () => fake.control.users().filter((u) => u.userName !== FAKE_ADMIN_USER);

async function mint(args: string[] = []) {
  return runCli([
    '--home',
    home,
    'token',
    'mint',
    '--placement',
    'host=build-7,path=~/.aws/credentials,owner=ops',
    '--format',
    'jsonl',
    ...args,
  ]);
}

describe('token mint', () => {
  it('creates realistic, powerless users with one key each and keeps the secret encrypted', async () => {
    const r = await mint(['--count', '2']);
    expect(r.code).toBe(0);
    const out = jsonl<{
      id: string;
      accessKeyId: string;
      userName: string;
      userArn: string;
      accountId: string;
      placement: { host: string };
    }>(r.out);
    expect(out).toHaveLength(2);
    expect(r.out).not.toMatch(/secret/i);
    const users = canaryUsers();
    expect(users.map((u) => u.userName).sort()).toEqual(out.map((t) => t.userName).sort());
    for (const u of users) {
      expect(u.path).toBe('/');
      expect(u.keys).toHaveLength(1);
      expect(u.inlinePolicies).toEqual({});
      expect(u.attachedPolicies).toEqual([]);
      expect(u.tags).toEqual([]);
      expect(findTells(u.userName)).toEqual([]);
      expect(u.userName).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
    expect(out[0]!.accountId).toBe('210987654321');
    expect(out[0]!.placement.host).toBe('build-7');
    const ws = openWorkspace(home);
    try {
      const sealed = ws.store.getSecret(out[0]!.id)!;
      const secret = users.find((u) => u.userName === out[0]!.userName)!.keys[0]!.secretAccessKey;
      expect(sealed).toMatch(/^ks1:/);
      expect(sealed).not.toContain(secret);
    } finally {
      ws.close();
    }
    expect(statSync(join(home, 'secrets.key')).mode & 0o777).toBe(0o600);
  });

  it('removes the half-made user when the key cannot be created', async () => {
    fake.control.failNext('CreateAccessKey', 'ServiceFailure', { status: 500, times: 5 });
    const r = await mint();
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/removed that user: nothing is left behind/);
    expect(canaryUsers()).toEqual([]);
  });

  it('resumes a mint cut off between CreateUser and CreateAccessKey', async () => {
    fake.control.failNext('CreateAccessKey', 'ServiceFailure', { status: 500, times: 5 });
    fake.control.failNext('DeleteUser', 'ServiceFailure', { status: 500, times: 5 });
    const failed = await mint();
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/next `keysnare token mint` resumes it/);
    const [orphan] = canaryUsers();
    expect(orphan?.keys).toEqual([]);
    const again = await mint();
    expect(again.code).toBe(0);
    expect(again.err).toMatch(new RegExp(`resumed the interrupted mint of ${orphan!.userName}`));
    const list = jsonl<{ userName: string }>(
      (await runCli(['--home', home, 'token', 'list', '--format', 'jsonl'])).out,
    );
    expect(list.map((t) => t.userName)).toContain(orphan!.userName);
    expect(canaryUsers().every((u) => u.keys.length === 1)).toBe(true);
  });

  it('deploys from an inventory with per-host bait files', async () => {
    const inv = join(root, 'hosts.csv');
    writeFileSync(
      inv,
      'host,path,owner,format\nweb-1,/srv/app/.env,web,dotenv\nci-2,~/.aws/credentials,ci,\n',
    );
    const out = join(root, 'bait');
    const r = await runCli([
      '--home',
      home,
      'token',
      'mint',
      '--inventory',
      inv,
      '--out',
      out,
      '--format',
      'jsonl',
    ]);
    expect(r.code).toBe(0);
    expect(jsonl(r.out)).toHaveLength(2);
    expect(readFileSync(join(out, 'web-1', '.env'), 'utf8')).toMatch(/AWS_SECRET_ACCESS_KEY=/);
    expect(readFileSync(join(out, 'ci-2', 'credentials'), 'utf8')).toMatch(
      /aws_access_key_id = AKIA/,
    );
  });
});

describe('token render, plant, rotate, retire', () => {
  it('renders credentials with only the key pair, and plants without disturbing other profiles', async () => {
    const [t] = jsonl<{ id: string; accessKeyId: string }>((await mint()).out);
    const creds = await runCli([
      '--home',
      home,
      'token',
      'render',
      t!.id,
      '--format',
      'credentials',
    ]);
    expect(creds.out).toContain(t!.accessKeyId);
    expect(creds.out).not.toMatch(/region|output/);
    const file = join(root, 'credentials');
    const before =
      '# team creds\n[prod]\naws_access_key_id = AKIAEXISTING000000000\naws_secret_access_key = keep\n';
    writeFileSync(file, before, { mode: 0o600 });
    const p = await runCli([
      '--home',
      home,
      'token',
      'plant',
      t!.id,
      '--file',
      file,
      '--profile',
      'billing',
    ]);
    expect(p.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(after).toContain(`[billing]\naws_access_key_id = ${t!.accessKeyId}`);
    const show = jsonl<{ placement: { path: string }; custody: { action: string }[] }>(
      (await runCli(['--home', home, 'token', 'show', t!.id, '--format', 'jsonl'])).out,
    )[0]!;
    expect(show.placement.path).toBe(file);
    expect(show.custody.map((c) => c.action)).toEqual(['minted', 'planted']);
  });

  it('rotates the key and retires the user even with AWS quarantine policy attached', async () => {
    const [t] = jsonl<{ id: string; accessKeyId: string; userName: string }>((await mint()).out);
    const rot = jsonl<{ accessKeyId: string }>(
      (await runCli(['--home', home, 'token', 'rotate', t!.id])).out,
    )[0]!;
    expect(rot.accessKeyId).not.toBe(t!.accessKeyId);
    expect(canaryUsers()[0]!.keys.map((k) => k.accessKeyId)).toEqual([rot.accessKeyId]);
    fake.control.attachPolicyAsAws(
      t!.userName,
      'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
    );
    const r = await runCli(['--home', home, 'token', 'retire', t!.id]);
    expect(r.code).toBe(0);
    expect(canaryUsers()).toEqual([]);
    const list = jsonl<{ status: string }>(
      (await runCli(['--home', home, 'token', 'list', '--status', 'all', '--format', 'jsonl'])).out,
    );
    expect(list.map((x) => x.status)).toEqual(['retired']);
  });
});

describe('token audit, live', () => {
  it('finds a freshly minted canary indistinguishable, and flags a deny-all policy added later', async () => {
    const [t] = jsonl<{ id: string; userName: string }>((await mint()).out);
    const clean = jsonl<{ score: number; problems: unknown[]; indeterminate: unknown[] }>(
      (await runCli(['--home', home, 'token', 'audit', '--format', 'jsonl'])).out,
    )[0]!;
    expect(clean).toMatchObject({ score: 100, problems: [], indeterminate: [] });
    const { IAMClient, PutUserPolicyCommand } = await import('@aws-sdk/client-iam');
    const admin = new IAMClient({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: fake.admin,
    });
    const deny = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
    });
    await admin.send(
      new PutUserPolicyCommand({
        UserName: t!.userName,
        PolicyName: 'deny-all',
        PolicyDocument: deny,
      }),
    );
    const flagged = jsonl<{ score: number; problems: { message: string }[] }>(
      (await runCli(['--home', home, 'token', 'audit', t!.id, '--format', 'jsonl'])).out,
    )[0]!;
    expect(flagged.score).toBeLessThan(100);
    expect(flagged.problems.map((p) => p.message).join(' ')).toMatch(/explicit deny/i);
  });
});
