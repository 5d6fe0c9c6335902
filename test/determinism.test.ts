/**
 * Findings must not depend on how files are split among workers, the order they are given, the
 * pre-filter, or whether they arrive in one `detect` or across two `ingest` runs. The data mixes a
 * canary whose session key is used in a file before the one that reveals it, one source trying
 * four stolen keys across two files, and calls from Kali.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { addToken, jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const canary = testKey('AKIA', 301);
const session = testKey('ASIA', 302);
const CANARY_PRINCIPAL = 'AIDAQDETERMINISM00001';
const ATTACKER = '198.51.100.77';
const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const stolen = (i: number) =>
  iamUser(`svc-${i}`, testKey('AKIA', 310 + i), `AIDAQSTOLEN0000000${i}`);
const noise = (n: number, minute: string) =>
  Array.from({ length: n }, (_, i) =>
    ctRecord({
      identity: iamUser('deploy', testKey('AKIA', 400), 'AIDAQDEPLOY000000001'),
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstances',
      time: `2025-03-01T10:${minute}:${String(i % 60).padStart(2, '0')}Z`,
      ip: '192.0.2.10',
    }),
  );

let root: string;
let logs: string;
let files: string[];

type Shape = { rule: string; eventIds: string[] };
const shape = (out: string): Shape[] =>
  jsonl<{ rule: string; eventIds: string[] }>(out)
    .map((f) => ({ rule: f.rule, eventIds: [...f.eventIds].sort() }))
    .sort((a, b) => `${a.rule}${a.eventIds.join()}`.localeCompare(`${b.rule}${b.eventIds.join()}`));

async function workspaceWithCanary(name: string): Promise<string> {
  const home = join(root, name);
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  const add = await addToken(home, canary, 'svc-etl', 'host=ci-3,path=/etc/ci/env');
  expect(add.code).toBe(0);
  return home;
}

beforeAll(() => {
  root = tempDir('ks-determinism-');
  logs = join(root, 'logs');
  const canaryUser = iamUser('svc-etl', canary, CANARY_PRINCIPAL);
  files = [
    writeDelivery(logs, '20250301T1000', [
      ...noise(40, '00'),
      ctRecord({ identity: { ...canaryUser, accessKeyId: session }, time: '2025-03-01T10:04:00Z' }),
      ...[1, 2].map((i) =>
        ctRecord({ identity: stolen(i), ip: ATTACKER, ua: KALI, time: `2025-03-01T10:0${i}:00Z` }),
      ),
    ]),
    writeDelivery(logs, '20250301T1005', [
      ...noise(40, '01'),
      ctRecord({
        identity: canaryUser,
        eventName: 'GetSessionToken',
        time: '2025-03-01T10:03:00Z',
        responseElements: { credentials: { accessKeyId: session } },
      }),
    ]),
    writeDelivery(logs, '20250301T1010', [
      ...noise(40, '02'),
      ...[3, 4].map((i) =>
        ctRecord({
          identity: stolen(i),
          ip: ATTACKER,
          ua: KALI,
          time: `2025-03-01T10:0${i + 2}:00Z`,
        }),
      ),
    ]),
    writeDelivery(logs, '20250301T1015', noise(40, '03')),
  ];
});
afterAll(removeTempDirs);

describe('deterministic findings', () => {
  it('are the same for 1 or 2 workers, any file order, with or without the pre-filter, and across two ingest runs', async () => {
    const home = await workspaceWithCanary('detect-home');
    const detect = async (args: string[]) => {
      const r = await runCli(['--home', home, 'detect', '--format', 'jsonl', ...args]);
      expect(r.code, r.err).toBe(0);
      return shape(r.out);
    };
    const baseline = await detect(['--workers', '1', logs]);
    expect(baseline.map((f) => f.rule).sort()).toEqual([
      'honeytoken.used',
      'recon.key-enumeration',
      'useragent.offensive-os',
      'useragent.offensive-os',
      'useragent.offensive-os',
      'useragent.offensive-os',
    ]);
    expect(baseline.find((f) => f.rule === 'recon.key-enumeration')?.eventIds).toHaveLength(4);
    expect(baseline.find((f) => f.rule === 'honeytoken.used')?.eventIds).toHaveLength(2);
    expect(await detect(['--workers', '2', ...[...files].reverse()])).toEqual(baseline);
    expect(await detect(['--workers', '2', '--no-prefilter', logs])).toEqual(baseline);

    const ws = await workspaceWithCanary('ingest-home');
    // Two probes and the canary in the first run, the other two probes in the second: the
    // window carries over between runs.
    const first = await runCli(['--home', ws, 'ingest', '--workers', '2', files[1]!, files[0]!]);
    expect(first.code, first.err).toBe(0);
    const second = await runCli(['--home', ws, 'ingest', files[3]!, files[2]!]);
    expect(second.code, second.err).toBe(0);
    const stored = await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl']);
    expect(shape(stored.out)).toEqual(baseline);
  });

  it('re-ingesting the same files runs no rule and adds nothing', async () => {
    const ws = await workspaceWithCanary('reingest-home');
    expect((await runCli(['--home', ws, 'ingest', logs])).code).toBe(0);
    const before = (await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl'])).out;
    const again = await runCli(['--home', ws, 'ingest', '--format', 'jsonl', logs]);
    expect(again.code).toBe(0);
    expect(again.out).toBe('');
    expect(again.err).toMatch(/ 0 considered/);
    expect(again.err).toMatch(/stored 0 new event\(s\), 166 already stored/);
    expect((await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl'])).out).toBe(
      before,
    );
  });
});
