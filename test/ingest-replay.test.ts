/**
 * Ingest agrees with detect when a canary is registered after its events were stored: the
 * registration's identifiers replay the stored events the canary rules select — by the keys and
 * ARNs that made them, and (for honeytoken.tampered) by the IAM user a call acts on.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { addToken, jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const canaryKey = testKey('AKIA', 71);
const canary = 'svc-ledger-prod';
const alice = iamUser('alice', testKey('AKIA', 72), 'AIDAQALICE0000000072');

describe('ingest replays stored events for a canary registered later', () => {
  it('finds a tampering event and a use stored before the token was registered, as detect does', async () => {
    const root = tempDir('ks-replay-');
    const home = join(root, 'ws');
    const logs = join(root, 'logs');
    const later = join(root, 'later');
    writeDelivery(logs, '20250301T1000', [
      ctRecord({
        identity: alice,
        eventSource: 'iam.amazonaws.com',
        eventName: 'AttachUserPolicy',
        requestParameters: {
          userName: canary,
          policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        },
        time: '2025-03-01T10:00:00Z',
      }),
      ctRecord({
        identity: iamUser(canary, canaryKey, 'AIDAQLEDGER000000071'),
        time: '2025-03-01T10:02:00Z',
      }),
    ]);
    writeDelivery(later, '20250302T1000', [
      ctRecord({ identity: alice, time: '2025-03-02T10:00:00Z' }),
    ]);
    expect((await runCli(['--home', home, 'init'])).code).toBe(0);
    expect((await runCli(['--home', home, 'ingest', logs])).code).toBe(0);
    const before = await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl']);
    expect(jsonl(before.out).filter((f) => String(f['rule']).startsWith('honeytoken.'))).toEqual(
      [],
    );
    const add = await addToken(home, canaryKey, canary, 'host=ledger-1');
    expect(add.code, add.err).toBe(0);
    // Any later ingest replays; the detect run over the same files is the reference.
    expect((await runCli(['--home', home, 'ingest', later])).code).toBe(0);
    const rules = (out: string) =>
      jsonl<{ rule: string; eventIds: string[] }>(out)
        .filter((f) => f.rule.startsWith('honeytoken.'))
        .map((f) => `${f.rule} ${f.eventIds.length}`)
        .sort();
    const stored = await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl']);
    const detected = await runCli(['--home', home, 'detect', '--format', 'jsonl', logs]);
    expect(rules(stored.out)).toEqual(['honeytoken.tampered 1', 'honeytoken.used 1']);
    expect(rules(stored.out)).toEqual(rules(detected.out));
    // With nothing new to look for, the next ingest replays nothing.
    const again = await runCli(['--home', home, 'ingest', '--format', 'jsonl', later]);
    expect(again.out).toBe('');
  });
});
