import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { workspaceFsError } from '../src/app.js';
import { isAppError } from '../src/core/index.js';
import { runCli } from './helpers/cli.js';

const roots: string[] = [];
const locked: string[] = [];
afterEach(() => {
  for (const d of locked.splice(0)) chmodSync(d, 0o700);
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  roots.push(root);
  return root;
}

const asRoot = process.getuid?.() === 0;

/** The errno code of what `f` throws (the precondition of a test, so it cannot pass vacuously). */
function errnoOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
  return undefined;
}

/**
 * A folder under which mkdir is denied. Not as root: a folder of mode 0500. As root (chmod does
 * not deny root) the kernel's sysfs, where even root cannot create folders.
 */
function deniedParent(): string {
  if (!asRoot) {
    const dir = join(scratch(), 'locked');
    mkdirSync(dir, { mode: 0o500 });
    locked.push(dir);
    return dir;
  }
  return '/sys';
}

/**
 * A workspace folder whose contents cannot be looked at. Not as root: mode 000. As root, pid 1's
 * root folder through /proc, which a sandboxed root may not traverse (EACCES).
 */
function unreadableHome(): string {
  if (!asRoot) {
    const dir = join(scratch(), 'ws');
    mkdirSync(dir);
    chmodSync(dir, 0o000);
    locked.push(dir);
    return dir;
  }
  return '/proc/1/root';
}

describe('init on a path that is not a folder', () => {
  it('names the file and what to do, leaves the file alone, exit 2', async () => {
    const root = scratch();
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine\n');
    const r = await runCli(['--home', file, 'init']);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/unexpected|EEXIST/);
    expect(r.err).toContain(`${file} is a file, not a folder`);
    expect(r.err).toContain('--home');
    expect(readFileSync(file, 'utf8')).toBe('mine\n');
  });

  it('names the file in the way when a folder above --home is a file', async () => {
    const root = scratch();
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine\n');
    const r = await runCli(['--home', join(file, 'ws'), 'init']);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/unexpected|ENOTDIR/);
    expect(r.err).toContain(`${file} is a file, not a folder`);
  });

  it('any other command on such a --home says the same, not "no workspace"', async () => {
    const root = scratch();
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'mine\n');
    const r = await runCli(['--home', file, 'token', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).not.toMatch(/no workspace/);
    expect(r.err).toContain(`${file} is a file, not a folder`);
  });
});

describe('init where it may not write', () => {
  it('gives a catalogued error with the path and what to do', async () => {
    const home = join(deniedParent(), `keysnare-test-${process.pid}`);
    expect(
      errnoOf(() => mkdirSync(home)),
      `precondition: mkdir ${home} must be denied on this machine`,
    ).toMatch(/^(EACCES|EPERM)$/);
    const r = await runCli(['--home', home, 'init']);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/unexpected/);
    expect(r.err).toContain(`cannot create the workspace at ${home}: permission denied`);
    expect(r.err).toMatch(/chmod|--home/);
  });
});

describe('a workspace that cannot be read', () => {
  it('is reported as unreadable with its path, not as "no workspace"', async () => {
    const home = unreadableHome();
    expect(
      errnoOf(() => statSync(join(home, 'keysnare.yaml'))),
      `precondition: ${home} must not be searchable on this machine`,
    ).toMatch(/^(EACCES|EPERM)$/);
    const r = await runCli(['--home', home, 'token', 'list']);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/no workspace|unexpected/);
    expect(r.err).toContain(`cannot read the workspace at ${home}: permission denied`);
  });
});

describe('workspaceFsError', () => {
  /** A Node errno error as fs raises it (fs.mkdirSync on a mode-000 folder, as a non-root user). */
  const errno = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
    Object.assign(new Error(`${code}: permission denied, ${syscall} '${path}'`), {
      code,
      errno: -13,
      syscall,
      path,
    });

  it('maps EACCES, EPERM and EROFS to KS_WORKSPACE_ACCESS with the path', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      const e = workspaceFsError(errno(code, 'mkdir', '/w/ws'), '/w/ws', 'create');
      if (!isAppError(e, 'KS_WORKSPACE_ACCESS')) throw new Error(`not mapped: ${code}`);
      expect(e.message).toContain('/w/ws');
      expect(e.message).toContain(code);
    }
  });

  it('leaves other errors as they are', () => {
    const other = errno('ENOSPC', 'write', '/w/ws/keysnare.yaml');
    expect(workspaceFsError(other, '/w/ws', 'create')).toBe(other);
  });
});
