import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withDemoFolder } from './folder.js';

let root: string;
let tmp: string;
let savedTmp: string | undefined;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  tmp = join(root, 'tmp');
  mkdirSync(tmp);
  savedTmp = process.env['TMPDIR'];
  process.env['TMPDIR'] = tmp; // os.tmpdir() follows it
});
afterEach(() => {
  if (savedTmp === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = savedTmp;
  rmSync(root, { recursive: true, force: true });
});

describe('the demo folder', () => {
  it('is a new temp folder, removed after success', async () => {
    const seen = await withDemoFolder(undefined, (dir, temporary) => {
      expect(temporary).toBe(true);
      expect(dir.startsWith(join(tmp, 'keysnare-demo-'))).toBe(true);
      writeFileSync(join(dir, 'f'), 'x');
      return Promise.resolve(dir);
    });
    expect(existsSync(seen)).toBe(false);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('is removed when the demo throws, and the error passes through', async () => {
    const boom = new Error('boom');
    await expect(
      withDemoFolder(undefined, (dir) => {
        writeFileSync(join(dir, 'f'), 'x');
        return Promise.reject(boom);
      }),
    ).rejects.toBe(boom);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('is removed on Ctrl-C before the signal goes on, and its handler is gone afterwards', async () => {
    const before = process.listenerCount('SIGINT');
    const signals: string[] = [];
    let inside: string[] = [];
    await withDemoFolder(
      undefined,
      (dir) => {
        writeFileSync(join(dir, 'f'), 'x');
        process.emit('SIGINT');
        inside = readdirSync(tmp);
        return Promise.resolve();
      },
      { onSignal: (s) => signals.push(s) },
    );
    expect(signals).toEqual(['SIGINT']);
    expect(inside).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('uses and keeps the folder the user gave', async () => {
    const given = join(root, 'mine');
    await withDemoFolder(given, (dir, temporary) => {
      expect([dir, temporary]).toEqual([given, false]);
      mkdirSync(dir);
      writeFileSync(join(dir, 'f'), 'x');
      return Promise.resolve();
    });
    expect(readdirSync(given)).toEqual(['f']);
  });
});
