import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

let root: string;
let tmp: string;
let savedTmp: string | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  // os.tmpdir() follows TMPDIR: the demo's temp folder lands here, so "nothing left" is exact
  // even while other test files use the real temp folder.
  tmp = join(root, 'tmp');
  mkdirSync(tmp);
  savedTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = tmp;
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmp;
  rmSync(root, { recursive: true, force: true });
});

describe('keysnare demo', () => {
  it('leaves nothing behind in the temp folder when run without --demo-home', async () => {
    expect(tmpdir()).toBe(tmp);
    const r = await runCli(['demo']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/TruffleHog/);
    expect(readdirSync(tmp)).toEqual([]);
    expect(r.err).toMatch(/--demo-home/);
  });

  it('keeps the workspace and the demo logs under --demo-home, and nothing in the temp folder', async () => {
    const home = join(root, 'demo');
    const r = await runCli(['demo', '--demo-home', home]);
    expect(r.code).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
    expect(existsSync(join(home, 'keysnare.db'))).toBe(true);
    const logs = readdirSync(home, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.json.gz'),
    );
    expect(logs).toHaveLength(3);
    expect(r.err).toContain(`--home ${home}`);
  });
});
