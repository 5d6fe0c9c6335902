import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shebangFlags } from './child.js';

const dir = mkdtempSync(join(tmpdir(), 'keysnare-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(first: string): string {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, `${first}\nconsole.log(1);\n`);
  return file;
}

describe('shebangFlags', () => {
  it("reads the node flags of the launcher's own first line", () => {
    expect(shebangFlags(join(import.meta.dirname, '..', 'bin', 'keysnare.js'))).toEqual([
      '--max-semi-space-size=8',
      '--no-parallel-scavenge',
      '--heap-growing-percent=150',
    ]);
  });
  it('gives several flags, and none for a plain node shebang or none at all', () => {
    expect(shebangFlags(script('#!/usr/bin/env -S node --a=1 --b'))).toEqual(['--a=1', '--b']);
    expect(shebangFlags(script('#!/usr/bin/env node'))).toEqual([]);
    expect(shebangFlags(script('// no shebang'))).toEqual([]);
    expect(shebangFlags(script('#!/usr/bin/env -S node --x; rm -rf /'))).toEqual([]);
  });
});
