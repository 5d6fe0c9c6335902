import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../core/errors.js';
import { numberedName, planMint } from './mint-plan.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const newId = (): string => `tok_test${String(++n).padStart(8, '0')}`;

describe('numberedName', () => {
  it('numbers before the extension, and after a leading-dot name', () => {
    expect(numberedName('.env', 1)).toBe('.env');
    expect(numberedName('.env', 2)).toBe('.env-2');
    expect(numberedName('provider.tf', 3)).toBe('provider-3.tf');
    expect(numberedName('credentials', 2)).toBe('credentials-2');
  });
});

describe('planMint', () => {
  it('never plans two tokens for one file and profile', async () => {
    const rows = [1, 2, 3].map((line) => ({ line, placement: { host: 'web-1' } }));
    const env = await planMint({ rows, outDir: dir, defaultFormat: 'env', newId });
    expect(new Set(env.map((p) => p.bait?.file)).size).toBe(3);
    const creds = await planMint({ rows, outDir: dir, defaultFormat: 'credentials', newId });
    expect(new Set(creds.map((p) => p.bait?.file)).size).toBe(1);
    expect(new Set(creds.map((p) => p.bait?.profile)).size).toBe(3);
  });

  it('avoids a profile already in the file when it chooses one itself', async () => {
    const file = join(dir, 'h', 'credentials');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'h'));
    const { PROFILE_NAMES } = await import('./bait/bait.js');
    writeFileSync(
      file,
      PROFILE_NAMES.slice(1)
        .map((p) => `[${p}]\n`)
        .join(''),
    );
    const [p] = await planMint({
      rows: [{ line: 1, placement: { host: 'h' } }],
      outDir: dir,
      defaultFormat: 'credentials',
      newId,
    });
    expect(p?.bait?.profile).toBe(PROFILE_NAMES[0]);
  });

  it('reports every problem at once with KS_MINT_PLAN', async () => {
    const err: unknown = await planMint({
      rows: [
        { line: 2, placement: { host: 'a' }, format: 'nope' },
        { line: 3, placement: { host: 'b' }, profile: 'x y' },
      ],
      inventory: 'inv.csv',
      outDir: dir,
      defaultFormat: 'credentials',
      newId,
    }).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_MINT_PLAN')).toBe(true);
    expect((err as { lines: string[] }).lines).toEqual([
      expect.stringMatching(/^inv\.csv line 2: unknown bait format "nope"/),
      expect.stringMatching(/^inv\.csv line 3: profile name "x y"/),
    ]);
  });
});
