/**
 * How `detect` and `ingest` treat awkward input: floods of rejections, devices and gzip bombs,
 * unreadable times, skipped and missing paths, and progress on a terminal.
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';

const canaryKey = testKey('AKIA', 61);
const principal = 'AIDAQEXAMPLE000000061';

let root: string;
let tokensFile: string;
/** A folder with one good delivery file holding one canary event. */
let goodDir: string;
/** A home whose config has small limits (1 MiB files, 64 KiB records, 2 MiB in flight). */
let smallHome: string;

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'keysnare-test-'));
  tokensFile = join(root, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify([{ accessKeyId: canaryKey, label: 'limits' }]));
  goodDir = join(root, 'good');
  writeDelivery(goodDir, '20250301T1000', [
    ctRecord({ identity: iamUser('svc-a', canaryKey, principal), time: '2025-03-01T10:00:00Z' }),
  ]);
  smallHome = join(root, 'small-home');
  mkdirSync(smallHome);
  writeFileSync(
    join(smallHome, 'keysnare.yaml'),
    'version: 1\nlimits:\n  maxFileBytes: 1048576\n  maxRecordBytes: 65536\n  maxInFlightBytes: 2097152\n',
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('rejection lines', () => {
  it('gives a wholly non-CloudTrail file one line, and caps the lines of a run', async () => {
    const dir = join(root, 'not-ct');
    mkdirSync(dir);
    const junk = JSON.stringify(Array.from({ length: 60 }, (_, i) => ({ hello: i })));
    for (let i = 0; i < 250; i++)
      writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.json`), junk);
    const r = await runCli(['--home', join(root, 'none'), 'detect', '--format', 'jsonl', dir]);
    expect(r.code).toBe(0);
    const skipped = lines(r.err).filter((l) => l.startsWith('keysnare: skipped'));
    expect(skipped).toHaveLength(200);
    expect(skipped[0]).toMatch(
      /f000\.json: 60 record\(s\) rejected, none accepted; first: record 0: not a CloudTrail record/,
    );
    expect(r.err).toMatch(/keysnare: 50 more rejection line\(s\) not shown/);
    expect(r.err).toMatch(/15000 rejected/);
    expect(lines(r.err).length).toBeLessThan(210);
  });

  it('still names the bad records of a mixed file one per line, capped per file, index once', async () => {
    const dir = join(root, 'mixed');
    const records: unknown[] = Array.from({ length: 70 }, (_, i) => ({ hello: i }));
    records.push(ctRecord({ identity: iamUser('svc-a', canaryKey, principal) }));
    writeDelivery(dir, '20250301T1100', records);
    const r = await runCli(['--home', join(root, 'none'), 'detect', '--no-prefilter', dir]);
    const perRecord = lines(r.err).filter((l) => / record \d+: /.test(l));
    expect(perRecord).toHaveLength(50);
    expect(perRecord[0]).toMatch(/record 0: not a CloudTrail record: it is a JSON object/);
    for (const l of perRecord) expect(l).not.toMatch(/record \d+.*record \d+/);
    expect(r.err).toMatch(/20 more rejected record\(s\) in this file not shown/);
    expect(r.err).toMatch(/70 rejected/);
  });
});

describe('limits on bytes actually read', () => {
  it('stops reading a device at limits.maxFileBytes and names it', async () => {
    const r = await runCli([
      '--home',
      smallHome,
      'detect',
      '/dev/zero',
      goodDir,
      '--tokens',
      tokensFile,
    ]);
    expect(r.err).toMatch(
      /skipped \/dev\/zero: stopped reading after 1 MB: over the limits\.maxFileBytes limit/,
    );
    expect(r.out).toContain('honeytoken.used');
  }, 30_000);

  it('stops a gzip bomb at the decompressed cap', async () => {
    const bomb = join(root, 'bomb.json.gz');
    const chunk = Buffer.alloc(1024 * 1024);
    let left = 200;
    const zeros = new Readable({
      read() {
        this.push(left-- > 0 ? chunk : null);
      },
    });
    await pipeline(zeros, createGzip(), createWriteStream(bomb));
    const r = await runCli(['--home', smallHome, 'detect', bomb, goodDir, '--tokens', tokensFile]);
    expect(r.err).toMatch(/skipped .*bomb\.json\.gz: decompresses to more than the 1 MB limit/);
    expect(r.out).toContain('honeytoken.used');
  }, 30_000);

  it('lowers the worker count so files in flight stay within limits.maxInFlightBytes', async () => {
    const dir = join(root, 'many');
    for (let i = 0; i < 6; i++)
      writeDelivery(dir, `2025030${i}T1000`, [
        ctRecord({ identity: iamUser('b', canaryKey, principal) }),
      ]);
    const r = await runCli(['--home', smallHome, 'detect', '--workers', '8', '--stats', dir]);
    const stats = JSON.parse(/stats (\{.*\})/.exec(r.err)?.[1] ?? '{}') as { workers?: number };
    expect(stats.workers).toBe(2);
  }, 30_000);
});

describe('bad eventTime', () => {
  it('names each unreadable or implausible time and never groups it into a finding', async () => {
    const dir = join(root, 'times');
    const bad = [
      '12345',
      'not-a-time',
      '2026-02-30T25:61:61Z',
      '2999-01-01T00:00:00Z',
      '2009-05-01T00:00:00Z',
    ];
    const records = bad.map((time) =>
      ctRecord({ identity: iamUser('svc-a', canaryKey, principal), time }),
    );
    (records[0] as Record<string, unknown>)['eventTime'] = 12345;
    const good = ctRecord({
      identity: iamUser('svc-a', canaryKey, principal),
      time: '2025-03-01T10:00:00Z',
    });
    records.push(good);
    const file = writeDelivery(dir, '20250301T1200', records);
    const r = await runCli([
      '--home',
      join(root, 'none'),
      'detect',
      '--format',
      'jsonl',
      '--tokens',
      tokensFile,
      dir,
    ]);
    const findings = jsonl<{ time: string; eventIds: string[] }>(r.out);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.eventIds).toEqual([good['eventID']]);
    expect(findings[0]?.time).toBe('2025-03-01T10:00:00.000Z');
    expect(r.out).not.toContain('1970');
    expect(r.err).toContain(
      `${file} record 0: eventTime 12345 is before CloudTrail existed (2013-11-01)`,
    );
    expect(r.err).toContain(`${file} record 1: eventTime "not-a-time" is not a readable time`);
    expect(r.err).toContain(
      `${file} record 2: eventTime "2026-02-30T25:61:61Z" is not a readable time`,
    );
    expect(r.err).toContain(`${file} record 3: eventTime "2999-01-01T00:00:00Z" is in the future`);
    expect(r.err).toContain(
      `${file} record 4: eventTime "2009-05-01T00:00:00Z" is before CloudTrail`,
    );
  });
});

describe('skipped and missing paths', () => {
  it('names every skipped file given on the command line, with the reason', async () => {
    const dir = join(root, 'skips');
    mkdirSync(dir);
    const files = ['empty.json', 'empty.gz', 'notes.txt'].map((n) => join(dir, n));
    for (const f of files) writeFileSync(f, '');
    const r = await runCli(['--home', join(root, 'none'), 'detect', ...files]);
    for (const f of files) expect(r.err).toContain(`keysnare: skipped ${f}: empty file`);
    const walked = await runCli(['--home', join(root, 'none'), 'detect', dir]);
    expect(walked.err).not.toContain('empty.json');
    expect(walked.err).toMatch(/2 file\(s\) skipped/);
  });

  it('exits 1 when any path given is missing, after processing the rest (detect and ingest)', async () => {
    const missing = join(root, 'does-not-exist');
    const alone = await runCli(['--home', join(root, 'none'), 'detect', missing]);
    expect(alone.code).toBe(1);
    const both = await runCli([
      '--home',
      join(root, 'none'),
      'detect',
      '--format',
      'jsonl',
      '--tokens',
      tokensFile,
      missing,
      goodDir,
    ]);
    expect(both.code).toBe(1);
    expect(both.err).toContain(`keysnare: skipped ${missing}: cannot read`);
    expect(jsonl(both.out)).toHaveLength(1);
    const home = join(root, 'ingest-home');
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    const ingest = await runCli(['--home', home, 'ingest', missing, goodDir]);
    expect(ingest.code).toBe(1);
    expect(ingest.err).toContain(`keysnare: skipped ${missing}: cannot read`);
    expect(ingest.err).toMatch(/stored 1 new event/);
  });
});

describe('progress', () => {
  async function run(args: string[], isTty: boolean, env: Record<string, string> = {}) {
    let out = '';
    let err = '';
    const code = await main(
      args,
      { out: (t) => void (out += t), err: (t) => void (err += t), isTty },
      env,
      process.cwd(),
    );
    return { code, out, err };
  }
  const PROGRESS = /\d+\/\d+ files, [\d.]+\/[\d.]+ MB, \d+ records/;
  const ANY_PROGRESS = /\d+\/\d+ files/;

  it('shows progress on stderr, never on stdout, when stderr is a terminal', async () => {
    const r = await run(
      ['--home', join(root, 'none'), 'detect', '--tokens', tokensFile, goodDir],
      true,
    );
    expect(r.err).toMatch(PROGRESS);
    expect(r.out).not.toMatch(PROGRESS);
    expect(r.out).toContain('honeytoken.used');
    const home = join(root, 'progress-home');
    expect((await run(['--home', home, 'init'], false)).code).toBe(0);
    const ingest = await run(['--home', home, 'ingest', goodDir], true);
    expect(ingest.err).toMatch(PROGRESS);
    expect(ingest.err).toMatch(/grouping \d+ rule hit\(s\) into findings/);
    expect(ingest.out).not.toMatch(PROGRESS);
    const quiet = await run(['--home', home, 'ingest', goodDir], false);
    expect(quiet.err).not.toMatch(/grouping/);
  });

  it('shows none off a terminal, under CI, or for --format jsonl', async () => {
    const args = ['--home', join(root, 'none'), 'detect', '--tokens', tokensFile, goodDir];
    expect((await run(args, false)).err).not.toMatch(ANY_PROGRESS);
    expect((await run(args, true, { CI: 'true' })).err).not.toMatch(ANY_PROGRESS);
    expect((await run([...args, '--format', 'jsonl'], true)).err).not.toMatch(ANY_PROGRESS);
  });
});
