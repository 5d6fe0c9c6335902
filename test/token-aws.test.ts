import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIam, openWorkspace } from '../src/app.js';
import type { IamPort } from '../src/aws/ports.js';
import { mintToken } from '../src/tokens/mint.js';
import { findTells } from '../src/tokens/names.js';
import { listProfiles } from '../src/tokens/plant.js';
import { FAKE_ADMIN_USER, startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import { jsonl, runCli } from './helpers/cli.js';
import { ctRecord, writeDelivery } from './helpers/cloudtrail.js';
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
  rmSync(root, { recursive: true, force: true });
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
      const sealed = (await ws.store.getSecret(out[0]!.id))!;
      const secret = users.find((u) => u.userName === out[0]!.userName)!.keys[0]!.secretAccessKey;
      expect(sealed).toMatch(/^ks1:/);
      expect(sealed).not.toContain(secret);
    } finally {
      await ws.close();
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

  it("writes a resumed mint's secret to bait when secrets are not kept", async () => {
    secretsModeNone();
    fake.control.failNext('CreateAccessKey', 'ServiceFailure', { status: 500, times: 5 });
    fake.control.failNext('DeleteUser', 'ServiceFailure', { status: 500, times: 5 });
    expect((await mintOut(['--placement', 'host=a', '--out', join(root, 'o')])).code).toBe(1);
    const again = await mintOut(['--placement', 'host=b', '--out', join(root, 'o')]);
    expect(again.code).toBe(0);
    const [resumed] = jsonl<{ id: string; accessKeyId: string }>(again.out);
    const file = join(home, 'bait', 'resumed', `${resumed!.id}-credentials`);
    expect(readFileSync(file, 'utf8')).toContain(secretOf(resumed!.accessKeyId));
    expect(again.err).toContain(`${resumed!.id}: bait written to ${file}`);
  });

  it('a resumed mint keeps the label and placement it was asked for', async () => {
    fake.control.failNext('CreateAccessKey', 'ServiceFailure', { status: 500, times: 5 });
    fake.control.failNext('DeleteUser', 'ServiceFailure', { status: 500, times: 5 });
    const failed = await runCli([
      '--home',
      home,
      'token',
      'mint',
      '--placement',
      'host=web-9,path=/srv/.env,owner=web',
      '--label',
      'payroll box',
    ]);
    expect(failed.code).toBe(1);
    const [orphan] = canaryUsers();
    expect((await mint()).code).toBe(0);
    const list = jsonl<{ userName: string; label?: string; placement?: Record<string, string> }>(
      (await runCli(['--home', home, 'token', 'list', '--format', 'jsonl'])).out,
    );
    const resumed = list.find((t) => t.userName === orphan!.userName);
    expect(resumed?.label).toBe('payroll box');
    expect(resumed?.placement).toEqual({ host: 'web-9', path: '/srv/.env', owner: 'web' });
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

/** Switch the workspace to `canary.secrets.mode: none` (bait is the only copy of a secret). */
function secretsModeNone(): void {
  const file = join(home, 'keysnare.yaml');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace(/^(\s+mode:) encrypted$/m, '$1 none'));
}

async function mintOut(args: string[]) {
  return runCli(['--home', home, 'token', 'mint', '--format', 'jsonl', ...args]);
}

/** The secret AWS holds for a key id. */
const secretOf = (keyId: string) =>
  canaryUsers()
    .flatMap((u) => u.keys)
    .find((k) => k.accessKeyId === keyId)!.secretAccessKey;

describe('token mint --out: one place per token, nothing clobbered', () => {
  it('--count 2 with a single-key format gives each token its own file (secrets mode none)', async () => {
    secretsModeNone();
    const out = join(root, 'bait2');
    const r = await mintOut([
      '--placement',
      'host=web-1,path=.env,owner=x',
      '--count',
      '2',
      '--out',
      out,
      '--bait-format',
      'dotenv',
    ]);
    expect(r.code).toBe(0);
    const tokens = jsonl<{ id: string; accessKeyId: string }>(r.out);
    const files = [join(out, 'web-1', '.env'), join(out, 'web-1', '.env-2')];
    tokens.forEach((t, i) => {
      const text = readFileSync(files[i]!, 'utf8');
      expect(text).toContain(t.accessKeyId);
      expect(text).toContain(secretOf(t.accessKeyId));
      expect(statSync(files[i]!).mode & 0o777).toBe(0o600);
      expect(r.err).toContain(`${t.id}: bait written to ${files[i]}`);
    });
  });

  it('--count 3 with credentials writes one file with three distinct profiles', async () => {
    const out = join(root, 'bait3');
    const r = await mintOut(['--placement', 'host=ci-2', '--count', '3', '--out', out]);
    expect(r.code).toBe(0);
    const tokens = jsonl<{ id: string; accessKeyId: string }>(r.out);
    const text = readFileSync(join(out, 'ci-2', 'credentials'), 'utf8');
    const profiles = listProfiles(text);
    expect(new Set(profiles).size).toBe(3);
    for (const t of tokens) expect(text).toContain(secretOf(t.accessKeyId));
    expect(readdirSync(join(out, 'ci-2'))).toEqual(['credentials']);
  });

  it('merges into an existing credentials file: other profiles and comments kept, backup, 0600', async () => {
    const out = join(root, 'merge');
    mkdirSync(join(out, 'ci-2'), { recursive: true });
    const file = join(out, 'ci-2', 'credentials');
    const before =
      '# real ones\r\n[default]\r\naws_access_key_id = AKIAREALKEY000000001\r\naws_secret_access_key = real\r\n';
    writeFileSync(file, before, { mode: 0o644 });
    const r = await mintOut(['--placement', 'host=ci-2', '--count', '2', '--out', out]);
    expect(r.code).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    expect(listProfiles(after)).toHaveLength(3);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const backups = readdirSync(join(out, 'ci-2')).filter((f) => f.endsWith('.bak'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(out, 'ci-2', backups[0]!), 'utf8')).toBe(before);
    expect(r.err).toMatch(/merged into the existing file \(backup /);
  });

  it('refuses, before minting, an existing single-key file or an existing profile asked for', async () => {
    const out = join(root, 'taken');
    mkdirSync(join(out, 'web-1'), { recursive: true });
    writeFileSync(join(out, 'web-1', '.env'), 'DATABASE_URL=postgres://x\n', { mode: 0o644 });
    writeFileSync(
      join(out, 'web-1', 'credentials'),
      '[prod]\naws_access_key_id = AKIAREALKEY000000001\n',
    );
    const inv = join(root, 'taken.csv');
    writeFileSync(inv, 'host,format,profile\nweb-1,dotenv,\nweb-1,credentials,prod\n');
    const r = await mintOut(['--inventory', inv, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/nothing was minted/);
    expect(r.err).toMatch(/line 2: .*\.env already exists/);
    expect(r.err).toMatch(/line 3: profile \[prod\] already exists/);
    expect(readFileSync(join(out, 'web-1', '.env'), 'utf8')).toBe('DATABASE_URL=postgres://x\n');
    expect(canaryUsers()).toEqual([]);
  });

  it('validates the whole inventory before any AWS call and reports every problem at once', async () => {
    const inv = join(root, 'bad.csv');
    writeFileSync(
      inv,
      [
        'host,path,format,profile',
        'web-1,/srv/.env,dotenv,',
        'web-1,/srv/.env,dotenv,',
        'db-3,,yaml,',
        'ci-2,~/.aws/credentials,credentials,bad name',
        'ci-2,~/.aws/credentials,credentials,ops',
        'ci-2,~/.aws/credentials,credentials,ops',
        '..,,dotenv,',
        '',
      ].join('\n'),
    );
    const r = await mintOut(['--inventory', inv, '--out', join(root, 'o')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bad\.csv lines 2, 3: the same dotenv file \/srv\/\.env on host web-1/);
    expect(r.err).toMatch(/line 4: unknown bait format "yaml"/);
    expect(r.err).toMatch(/line 5: profile name "bad name"/);
    expect(r.err).toMatch(/bad\.csv lines 6, 7: profile \[ops\] is asked for 2 times in /);
    expect(r.err.match(/\[ops\]/g)).toHaveLength(1);
    expect(r.err).toMatch(/line 8: host "\.\." is not a folder name/);
    expect(canaryUsers()).toEqual([]);
    expect(fake.control.calls).toEqual([]);
    const list = await runCli(['--home', home, 'token', 'list', '--format', 'jsonl']);
    expect(list.out).toBe('');
  });

  it('writes inventory bait into the workspace by default, and warns inside a git work tree', async () => {
    const inv = join(root, 'hosts.csv');
    writeFileSync(inv, 'host\nweb-1\n');
    const r = await mintOut(['--inventory', inv]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(home, 'bait', 'web-1', 'credentials'), 'utf8')).toMatch(/AKIA/);
    expect(statSync(join(home, 'bait')).mode & 0o777).toBe(0o700);
    expect(r.err).not.toMatch(/git work tree/);
    mkdirSync(join(root, 'repo', '.git'), { recursive: true });
    const inRepo = await mintOut(['--inventory', inv, '--out', join(root, 'repo', 'bait')]);
    expect(inRepo.code).toBe(0);
    const warnings = inRepo.err.split('\n').filter((l) => /git work tree/.test(l));
    expect(warnings).toEqual([
      `warning: bait holding plaintext secrets goes to ${join(root, 'repo', 'bait')}, inside the git work tree ${join(root, 'repo')}; make sure it is git-ignored`,
    ]);
  });
});

describe('a mint killed while CreateUser is in flight', () => {
  it('is resumed by the next mint with the label and placement it was asked for', async () => {
    const ws = openWorkspace(home);
    const real = await createIam(ws.config);
    let userMade!: () => void;
    const made = new Promise<void>((r) => (userMade = r));
    // AWS creates the user, then the process dies before the response arrives (kill -9): the
    // promise never settles, so nothing after CreateUser runs — only the journal is left.
    const dying: IamPort = {
      ...real,
      createUser: async (input) => {
        await real.createUser(input);
        userMade();
        return new Promise<never>(() => undefined);
      },
    };
    void mintToken(
      {
        iam: dying,
        store: ws.store,
        seal: undefined,
        canary: ws.config.canary,
        actor: 'test',
        now: () => new Date(),
        log: () => undefined,
      },
      { label: 'payroll box', placement: { host: 'web-9', path: '/srv/.env', owner: 'web' } },
    );
    await made;
    await ws.close();
    const [orphan] = canaryUsers();
    const again = await mint();
    expect(again.code).toBe(0);
    expect(again.err).toMatch(new RegExp(`resumed the interrupted mint of ${orphan!.userName}`));
    const list = jsonl<{ userName: string; label?: string; placement?: Record<string, string> }>(
      (await runCli(['--home', home, 'token', 'list', '--format', 'jsonl'])).out,
    );
    const resumed = list.find((t) => t.userName === orphan!.userName);
    expect(resumed?.label).toBe('payroll box');
    expect(resumed?.placement).toEqual({ host: 'web-9', path: '/srv/.env', owner: 'web' });
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

  it("refuses to plant over a profile that is not the token's unless --force", async () => {
    const [t] = jsonl<{ id: string; accessKeyId: string }>((await mint()).out);
    const file = join(root, 'credentials');
    const before =
      '[default]\naws_access_key_id = AKIAREALKEY000000001\naws_secret_access_key = real\n';
    writeFileSync(file, before, { mode: 0o600 });
    const plant = (...extra: string[]) =>
      runCli([
        '--home',
        home,
        'token',
        'plant',
        t!.id,
        '--file',
        file,
        '--profile',
        'default',
        ...extra,
      ]);
    const refused = await plant();
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/profile \[default\].*--force/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const forced = await plant('--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/replacing the credentials it held \(backup /);
    expect(readFileSync(file, 'utf8')).toContain(`aws_access_key_id = ${t!.accessKeyId}`);
    // Planting the same token's profile again is fine.
    expect((await plant()).code).toBe(0);
  });

  it('rotates the key and retires the user even with AWS quarantine policy attached', async () => {
    const [t] = jsonl<{ id: string; accessKeyId: string; userName: string }>((await mint()).out);
    const rot = jsonl<{ accessKeyId: string }>(
      (await runCli(['--home', home, 'token', 'rotate', t!.id, '--format', 'jsonl'])).out,
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

describe('token rotate: the new key where the old one was, the old one still watched', () => {
  const rotate = (id: string, ...extra: string[]) =>
    runCli(['--home', home, 'token', 'rotate', id, ...extra]);

  it('re-plants a planted profile, and use of the old key still raises honeytoken.used', async () => {
    const [t] = jsonl<{ id: string; accessKeyId: string }>((await mint()).out);
    const file = join(root, 'credentials');
    const prod = '[prod]\naws_access_key_id = AKIAREALKEY000000001\naws_secret_access_key = real\n';
    writeFileSync(file, prod, { mode: 0o600 });
    const plantArgs = ['--home', home, 'token', 'plant', t!.id, '--file', file];
    expect((await runCli([...plantArgs, '--profile', 'billing'])).code).toBe(0);
    const r = await rotate(t!.id, '--format', 'jsonl');
    expect(r.code).toBe(0);
    const rot = jsonl<{ accessKeyId: string; previousAccessKeyId: string }>(r.out)[0]!;
    expect(rot.previousAccessKeyId).toBe(t!.accessKeyId);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith(prod)).toBe(true);
    expect(after).toContain(`[billing]\naws_access_key_id = ${rot.accessKeyId}\n`);
    expect(after).toContain(secretOf(rot.accessKeyId));
    expect(after).not.toContain(t!.accessKeyId);
    expect(r.err).toMatch(
      new RegExp(`re-planted the new key as profile \\[billing\\] in ${file} \\(backup `),
    );
    expect(r.err).not.toMatch(/still holds the old key/);
    const show = jsonl<{ custody: { action: string }[] }>(
      (await runCli(['--home', home, 'token', 'show', t!.id, '--format', 'jsonl'])).out,
    )[0]!;
    expect(show.custody.map((c) => c.action)).toEqual(['minted', 'planted', 'rotated', 'planted']);

    // An attacker who copied the file before the rotation tries the old key.
    const logs = join(root, 'logs');
    writeDelivery(logs, '20250301T1000', [
      ctRecord({
        identity: { type: 'IAMUser', accessKeyId: t!.accessKeyId, accountId: '210987654321' },
        errorCode: 'InvalidClientTokenId',
      }),
    ]);
    for (const command of ['detect', 'ingest']) {
      const d = await runCli(['--home', home, command, logs, '--format', 'jsonl']);
      expect(d.code).toBe(0);
      const used = jsonl<{ rule: string; tokenId: string; details: Record<string, unknown> }>(
        d.out,
      ).filter((f) => f.rule === 'honeytoken.used');
      expect(used).toHaveLength(1);
      expect(used[0]).toMatchObject({
        tokenId: t!.id,
        details: { matchedVia: ['previous-key'], rotatedAwayKeys: [t!.accessKeyId] },
      });
    }
  });

  it('with secrets mode none, keeps the new secret in a bait file when it can re-plant nothing', async () => {
    secretsModeNone();
    const out = join(root, 'out');
    const minted = await mintOut(['--placement', 'host=web-1,path=/srv/creds', '--out', out]);
    const [t] = jsonl<{ id: string }>(minted.out);
    rmSync(join(out, 'web-1', 'credentials'));
    const r = await rotate(t!.id, '--format', 'jsonl');
    expect(r.code).toBe(0);
    const { accessKeyId } = jsonl<{ accessKeyId: string }>(r.out)[0]!;
    const saved = /its bait is in (\S+)\n/.exec(r.err)?.[1];
    expect(saved?.startsWith(join(home, 'bait', 'rotated'))).toBe(true);
    expect(readFileSync(saved!, 'utf8')).toContain(secretOf(accessKeyId));
    expect(r.err).toContain(`replace it with the new key from ${saved}`);
  });

  it('names every placement it cannot re-plant, and never rewrites a single-key bait file', async () => {
    const out = join(root, 'out');
    const minted = await runCli([
      '--home',
      home,
      'token',
      'mint',
      '--placement',
      'host=web-1,path=/srv/app/.env,owner=web',
      '--out',
      out,
      '--bait-format',
      'dotenv',
      '--format',
      'jsonl',
    ]);
    const [t] = jsonl<{ id: string; accessKeyId: string }>(minted.out);
    const env = join(out, 'web-1', '.env');
    const before = readFileSync(env, 'utf8');
    const gone = join(root, 'gone-credentials');
    const plant = ['--home', home, 'token', 'plant', t!.id, '--file', gone, '--profile', 'ops'];
    expect((await runCli([...plant, '--host', 'web-1'])).code).toBe(0);
    rmSync(gone);
    const r = await rotate(t!.id);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/PREVIOUS KEY/);
    expect(r.out).toContain(t!.accessKeyId);
    expect(readFileSync(env, 'utf8')).toBe(before);
    const fresh = readdirSync(join(out, 'web-1')).filter((f) => f.startsWith('.env.rotated-'));
    expect(fresh).toHaveLength(1);
    const newKey = jsonl<{ accessKeyId: string }>(
      (await runCli(['--home', home, 'token', 'show', t!.id, '--format', 'jsonl'])).out,
    )[0]!.accessKeyId;
    expect(readFileSync(join(out, 'web-1', fresh[0]!), 'utf8')).toContain(secretOf(newKey));
    expect(r.err).toContain(
      `${env} (dotenv) still holds the old key; the new bait is in ${join(out, 'web-1', fresh[0]!)}`,
    );
    expect(r.err).toMatch(new RegExp(`update ${gone} \\(profile \\[ops\\]\\) by hand`));
    expect(r.err).toMatch(
      /the bait placed on web-1 in .*gone-credentials.* still holds the old key/,
    );
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
