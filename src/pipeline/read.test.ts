import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCapped } from './read.js';
import { resolveWorkers } from './threads.js';

const MIB = 1024 * 1024;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('readCapped', () => {
  it('reads a regular file up to and including the cap, and refuses one byte more', () => {
    const file = join(dir, 'exact.json');
    writeFileSync(file, Buffer.alloc(1000, 0x20));
    expect(readCapped(file, 1000)?.length).toBe(1000);
    expect(readCapped(file, 999)).toBeUndefined();
    writeFileSync(join(dir, 'empty.json'), '');
    expect(readCapped(join(dir, 'empty.json'), 10)?.length).toBe(0);
  });

  it('stops reading a device at the cap', () => {
    expect(readCapped('/dev/zero', MIB)).toBeUndefined();
  });

  it('stops reading a FIFO at the cap', () => {
    const fifo = join(dir, 'pipe.json.gz');
    execFileSync('mkfifo', [fifo]);
    // The writer is another process: this thread blocks in readSync while it writes.
    const writer = spawn('sh', ['-c', `head -c ${3 * MIB} /dev/urandom > '${fifo}'`], {
      stdio: 'ignore',
    });
    expect(readCapped(fifo, MIB)).toBeUndefined();
    writer.kill();
  });
});

describe('resolveWorkers', () => {
  const memory = { maxFileBytes: 512 * MIB, maxInFlightBytes: 1024 * MIB };

  it('keeps workers × maxFileBytes within maxInFlightBytes', () => {
    expect(resolveWorkers(8, 100, 10_000 * MIB, memory)).toBe(2);
    expect(resolveWorkers('auto', 100, 10_000 * MIB, memory)).toBeLessThanOrEqual(2);
    expect(resolveWorkers(8, 100, 0, { maxFileBytes: 4 * MIB, maxInFlightBytes: MIB })).toBe(1);
  });

  it('never uses more workers than files', () => {
    expect(
      resolveWorkers(8, 3, 10_000 * MIB, { maxFileBytes: MIB, maxInFlightBytes: 64 * MIB }),
    ).toBe(3);
  });
});
