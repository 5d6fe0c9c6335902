/**
 * Which canary an event belongs to must not depend on what was known when its file was read. Two
 * canary keys of one IAM user share its ARN; a session key made from the second key is used in a
 * file delivered before the one whose GetSessionToken reveals it. Read first, the use matches
 * the shared ARN; once the session key is known, it matches the key, which decides. Both orders
 * of learning must end with the key's token.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const ACCOUNT = '111122223333';
const first = testKey('AKIA', 501);
const second = testKey('AKIA', 502);
const session = testKey('ASIA', 503);
const ARN = `arn:aws:iam::${ACCOUNT}:user/svc-pair`;
const user = (key: string) => iamUser('svc-pair', key, 'AIDAQPAIRPRINCIPAL001');

describe('canary attribution', () => {
  it('gives a session key’s events to the token whose key made it, whatever was known when read', async () => {
    const root = tempDir('ks-attribution-');
    const logs = join(root, 'logs');
    const quiet = (minute: number) =>
      Array.from({ length: 30 }, (_, i) =>
        ctRecord({
          identity: iamUser('deploy', testKey('AKIA', 600), 'AIDAQDEPLOY000000009'),
          eventName: 'DescribeInstances',
          eventSource: 'ec2.amazonaws.com',
          time: `2025-03-01T10:${String(minute).padStart(2, '0')}:${String(i).padStart(2, '0')}Z`,
        }),
      );
    writeDelivery(logs, '20250301T1000', [
      ...quiet(1),
      ctRecord({
        identity: { ...user(second), accessKeyId: session },
        eventName: 'ListBuckets',
        eventSource: 's3.amazonaws.com',
        time: '2025-03-01T10:04:00Z',
        ip: '203.0.113.9',
      }),
    ]);
    writeDelivery(logs, '20250301T1005', [
      ...quiet(2),
      ctRecord({
        identity: user(second),
        eventName: 'GetSessionToken',
        time: '2025-03-01T10:03:00Z',
        ip: '203.0.113.9',
        responseElements: { credentials: { accessKeyId: session } },
      }),
    ]);
    const tokens = join(root, 'tokens.json');
    // The second key first: the shared ARN is then the first key's (the last registered).
    writeFileSync(
      tokens,
      JSON.stringify([
        { accessKeyId: second, userName: 'svc-pair', userArn: ARN, label: 'second key' },
        { accessKeyId: first, userName: 'svc-pair', userArn: ARN, label: 'first key' },
      ]),
    );
    const findings = async (workers: string) => {
      const r = await runCli([
        'detect',
        '--format',
        'jsonl',
        '--workers',
        workers,
        '--tokens',
        tokens,
        logs,
      ]);
      expect(r.code, r.err).toBe(0);
      return jsonl<{ rule: string; title: string; eventIds: string[] }>(r.out)
        .filter((f) => f.rule === 'honeytoken.used')
        .map((f) => ({ title: f.title, events: f.eventIds.length }));
    };
    const one = await findings('1');
    expect(one).toHaveLength(1);
    expect(one[0]!.title).toContain(second);
    expect(one[0]!.events).toBe(2);
    expect(await findings('2')).toEqual(one);
  });
});
