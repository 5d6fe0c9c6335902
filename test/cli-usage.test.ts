import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkspace } from '../src/app.js';
import { buildProgram } from '../src/cli/main.js';
import { testKey } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

async function workspace(): Promise<{ root: string; home: string }> {
  const root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  roots.push(root);
  const home = join(root, 'ws');
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  return { root, home };
}

/** Every command that only groups subcommands (`token`, `findings`, …), found from the program. */
function commandGroups(): string[][] {
  const io = { out: () => undefined, err: () => undefined, isTty: false };
  const { program } = buildProgram(io, {}, process.cwd());
  const out: string[][] = [];
  const walk = (cmd: typeof program, path: string[]): void => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      if (sub.commands.length > 0) {
        out.push(p);
        walk(sub, p);
      }
    }
  };
  walk(program, []);
  return out;
}

describe('command groups without a subcommand', () => {
  it('finds the groups (token, findings)', () => {
    expect(commandGroups()).toEqual(expect.arrayContaining([['token'], ['findings']]));
  });

  it.each(commandGroups().map((g) => [g.join(' '), g]))(
    '`keysnare %s` prints its help on stderr and exits 2',
    async (_name, group) => {
      const r = await runCli(group);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain(`Usage: keysnare ${group.join(' ')}`);
    },
  );

  it('`keysnare` alone is a usage error too, while --help and help exit 0', async () => {
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['token', '--help'])).code).toBe(0);
    expect((await runCli(['help', 'token'])).code).toBe(0);
  });
});

describe('safety-net flags', () => {
  it('refuses --once together with --every', async () => {
    const { home } = await workspace();
    const r = await runCli(['--home', home, 'safety-net', '--once', '--every', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--once.*--every|--every.*--once/);
    expect(r.out).toBe('');
  });
});

describe('findings list --rule', () => {
  it('names an unknown rule and lists the known ids, Safety Net included', async () => {
    const { home } = await workspace();
    const r = await runCli(['--home', home, 'findings', 'list', '--rule', 'nope']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toContain('"nope"');
    for (const id of ['honeytoken.used', 'honeytoken.tampered', 'honeytoken.unlogged-use'])
      expect(r.err).toContain(id);
  });

  it('accepts every known rule id, the Safety Net one included', async () => {
    const { home } = await workspace();
    for (const id of ['honeytoken.used', 'honeytoken.unlogged-use']) {
      const r = await runCli([
        '--home',
        home,
        'findings',
        'list',
        '--rule',
        id,
        '--format',
        'jsonl',
      ]);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
    }
  });
});

describe('token add errors', () => {
  const key = testKey('AKIA', 61);

  it('names the option, not a made-up file, and says it once', async () => {
    const { home } = await workspace();
    const r = await runCli([
      '--home',
      home,
      'token',
      'add',
      '--access-key-id',
      key,
      '--placement',
      'x',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('command line');
    expect(r.err).not.toContain('.json');
    expect(r.err).toContain('--placement');
    expect(r.err.split('is not key=value').length - 1).toBe(1);
    expect(r.err.split('invalid').length - 1).toBeLessThanOrEqual(1);
  });

  it('names the option of an invalid access key id', async () => {
    const { home } = await workspace();
    const r = await runCli(['--home', home, 'token', 'add', '--access-key-id', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('command line');
    expect(r.err).toContain('--access-key-id');
    expect(r.err).toContain('expected an access key id');
  });
});

describe('token move', () => {
  const key = testKey('AKIA', 62);

  async function withToken() {
    const ws = await workspace();
    const add = await runCli([
      '--home',
      ws.home,
      'token',
      'add',
      '--access-key-id',
      key,
      '--placement',
      'host=a,path=/p',
    ]);
    expect(add.code).toBe(0);
    return ws;
  }

  async function placementAndCustody(home: string) {
    const w = openWorkspace(home);
    try {
      const t = await w.store.getByAccessKeyId(key);
      return { placement: t?.placement, custody: t ? (await w.store.custody(t.id)).length : 0 };
    } finally {
      await w.close();
    }
  }

  it.each([['host='], ['host= ,path='], ['foo=bar'], ['host=b,hots=c']])(
    'refuses the placement %j and changes nothing',
    async (placement) => {
      const { home } = await withToken();
      const before = await placementAndCustody(home);
      const r = await runCli(['--home', home, 'token', 'move', key, '--placement', placement]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/invalid placement/);
      expect(await placementAndCustody(home)).toEqual(before);
    },
  );

  it('names the allowed keys when a key is unknown', async () => {
    const { home } = await withToken();
    const r = await runCli(['--home', home, 'token', 'move', key, '--placement', 'hots=b']);
    expect(r.err).toContain('"hots"');
    expect(r.err).toMatch(/host, path, owner, notes/);
  });

  it('refuses to move a retired token', async () => {
    const { home } = await withToken();
    expect((await runCli(['--home', home, 'token', 'retire', key])).code).toBe(0);
    const before = await placementAndCustody(home);
    const r = await runCli(['--home', home, 'token', 'move', key, '--placement', 'host=b']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/retired/);
    expect(await placementAndCustody(home)).toEqual(before);
  });

  it('still records a valid move', async () => {
    const { home } = await withToken();
    const r = await runCli([
      '--home',
      home,
      'token',
      'move',
      key,
      '--placement',
      'host=b,owner=ops',
    ]);
    expect(r.code).toBe(0);
    expect((await placementAndCustody(home)).placement).toEqual({ host: 'b', owner: 'ops' });
  });
});

describe('token import conflicts', () => {
  const [k1, k2, k3] = [testKey('AKIA', 63), testKey('AKIA', 64), testKey('AKIA', 65)];

  async function withTwoRegistered() {
    const ws = await workspace();
    for (const k of [k1, k2])
      expect((await runCli(['--home', ws.home, 'token', 'add', '--access-key-id', k])).code).toBe(
        0,
      );
    const file = join(ws.root, 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify([{ accessKeyId: k1 }, { accessKeyId: k2 }, { accessKeyId: k3 }]),
    );
    return { ...ws, file };
  }

  const registered = async (home: string): Promise<string[]> => {
    const w = openWorkspace(home);
    try {
      return (await w.store.list({ status: 'all' })).map((t) => t.accessKeyId).sort();
    } finally {
      await w.close();
    }
  };

  it('names every key already registered at once and imports nothing', async () => {
    const { home, file } = await withTwoRegistered();
    const r = await runCli(['--home', home, 'token', 'import', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(k1);
    expect(r.err).toContain(k2);
    expect(r.err).not.toContain(k3);
    expect(r.err).toContain('--skip-existing');
    expect(await registered(home)).toEqual([k1, k2].sort());
  });

  it('with --skip-existing imports the rest and says how many it skipped', async () => {
    const { home, file } = await withTwoRegistered();
    const r = await runCli([
      '--home',
      home,
      'token',
      'import',
      file,
      '--skip-existing',
      '--format',
      'jsonl',
    ]);
    expect(r.code).toBe(0);
    expect(jsonl(r.out).map((t) => t['accessKeyId'])).toEqual([k3]);
    expect(r.err).toMatch(/imported 1 token\(s\)/);
    expect(r.err).toMatch(/skipped 2 already registered/);
    expect(await registered(home)).toEqual([k1, k2, k3].sort());
  });

  it('names a key given twice in the file', async () => {
    const { home, root } = await workspace();
    const file = join(root, 'dup.json');
    writeFileSync(file, JSON.stringify([{ accessKeyId: k3 }, { accessKeyId: k3 }]));
    const r = await runCli(['--home', home, 'token', 'import', file, '--skip-existing']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(k3);
    expect(await registered(home)).toEqual([]);
  });
});
