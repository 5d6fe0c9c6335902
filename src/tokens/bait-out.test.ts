import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Token } from '../core/index.js';
import { gitWorkTreeOf, writeBait } from './bait-out.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const token: Token = {
  id: 'tok_aaaaaaaaaaaa',
  accessKeyId: 'AKIAY34FZKBOKMUTVV7A',
  status: 'active',
  origin: 'minted',
  createdAt: '2025-01-01T00:00:00.000Z',
};
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const NOW = new Date('2025-01-02T00:00:00.000Z');

describe('writeBait', () => {
  it('never overwrites a file that appeared after planning: the bait goes beside it', async () => {
    const file = join(dir, 'h', '.env');
    mkdirSync(join(dir, 'h'));
    writeFileSync(file, 'MINE=1\n');
    const target = { file, format: 'dotenv', profile: 'prod', merge: undefined };
    const w = await writeBait(target, token, SECRET, new Set(), NOW);
    expect(readFileSync(file, 'utf8')).toBe('MINE=1\n');
    expect(w.file).toBe(`${file}.${token.id}`);
    expect(w.fallbackReason).toMatch(/EEXIST|exists/);
    expect(readFileSync(w.file, 'utf8')).toContain(SECRET);
    expect(statSync(w.file).mode & 0o777).toBe(0o600);
  });

  it('creates new bait 0600 in 0700 folders', async () => {
    const file = join(dir, 'a', 'b', 'provider.tf');
    const target = { file, format: 'terraform', profile: 'prod', merge: undefined };
    const w = await writeBait(target, token, SECRET, new Set(), NOW);
    expect(w).toEqual({ file, mergedIntoExisting: false });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o700);
  });
});

describe('gitWorkTreeOf', () => {
  it('finds the work tree by walking up for .git, even for a path not created yet', () => {
    expect(gitWorkTreeOf(join(dir, 'x', 'y'))).toBeUndefined();
    mkdirSync(join(dir, 'repo'));
    writeFileSync(join(dir, 'repo', '.git'), 'gitdir: ../elsewhere\n');
    expect(gitWorkTreeOf(join(dir, 'repo', 'bait', 'h', '.env'))).toBe(join(dir, 'repo'));
  });
});
