/**
 * A source IP that used a canary raises its findings on real keys, in `detect` and across two
 * `ingest` runs where the canary use arrives after the other finding was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { addToken, jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

const canary = testKey('AKIA', 501);
const ATTACKER = '198.51.100.66';
const realUser = iamUser('dev-omar', testKey('AKIA', 502), 'AIDAQCONTACT00000002');
let root: string;
let first: string;
let second: string;

type Row = { rule: string; severity: string; details: Record<string, unknown> };

beforeAll(() => {
  root = tempDir('ks-contact-');
  // Earlier file: a real user's key asks for a session token from the attacker's IP (medium).
  first = writeDelivery(join(root, 'logs'), '20250301T1000', [
    ctRecord({
      identity: realUser,
      eventSource: 'sts.amazonaws.com',
      eventName: 'GetSessionToken',
      ip: ATTACKER,
      time: '2025-03-01T09:58:00Z',
    }),
  ]);
  // Later file: the same IP uses a canary.
  second = writeDelivery(join(root, 'logs'), '20250301T1015', [
    ctRecord({
      identity: iamUser('svc-backup', canary, 'AIDAQCONTACT00000001'),
      ip: ATTACKER,
      time: '2025-03-01T10:10:00Z',
    }),
  ]);
});
afterAll(removeTempDirs);

async function workspace(name: string): Promise<string> {
  const home = join(root, name);
  expect((await runCli(['--home', home, 'init'])).code).toBe(0);
  expect(
    (await addToken(home, canary, 'svc-backup', 'host=nas-1,path=/srv/.aws/credentials')).code,
  ).toBe(0);
  return home;
}

const sessionFinding = (rows: Row[]): Row | undefined =>
  rows.find((r) => r.rule === 'credentials.session-token-from-user');

describe('a source IP that used a canary', () => {
  it('raises its findings on real keys to high in detect, naming the canary finding', async () => {
    const home = await workspace('detect');
    const r = await runCli(['--home', home, 'detect', '--format', 'jsonl', join(root, 'logs')]);
    expect(r.code, r.err).toBe(0);
    const rows = jsonl<Row>(r.out);
    const canaryRow = rows.find((x) => x.rule === 'honeytoken.used');
    expect(canaryRow).toBeDefined();
    const raised = sessionFinding(rows);
    expect(raised?.severity).toBe('high');
    expect(raised?.details['canaryContact']).toMatchObject({
      sourceIp: ATTACKER,
      canaryRule: 'honeytoken.used',
    });
  });

  it('raises a finding stored by an earlier ingest when the canary use arrives later', async () => {
    const home = await workspace('ingest');
    expect((await runCli(['--home', home, 'ingest', first])).code).toBe(0);
    const list = async () =>
      jsonl<Row>((await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl'])).out);
    expect(sessionFinding(await list())?.severity).toBe('medium');
    expect((await runCli(['--home', home, 'ingest', second])).code).toBe(0);
    const after = sessionFinding(await list());
    expect(after?.severity).toBe('high');
    expect(after?.details['canaryContact']).toMatchObject({ sourceIp: ATTACKER });
  });
});
