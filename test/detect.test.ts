import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const canaryKey = testKey('AKIA', 1);
const sessionKey = testKey('ASIA', 2);
const otherKey = testKey('AKIA', 3);
const canaryUser = 'svc-billing-prod';
const canaryPrincipal = 'AIDAQEXAMPLE000000042';

interface Scenario {
  dir: string;
  tokensFile: string;
  expected: Set<string>;
  home: string;
}

/**
 * A folder of delivery files where the session-key events sort BEFORE the GetSessionToken that
 * reveals the session key, and the token file has only the key id (no ARN, no principal id).
 */
function buildScenario(): Scenario {
  const root = tempDir('ks-detect-');
  const dir = join(root, 'logs');
  const expected = new Set<string>();
  const canary = (o: Parameters<typeof ctRecord>[0]) => {
    const r = ctRecord(o);
    expected.add(r['eventID'] as string);
    return r;
  };
  const noise = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      ctRecord({
        identity: iamUser('alice', otherKey, 'AIDAQALICE0000000001'),
        eventName: 'DescribeInstances',
        eventSource: 'ec2.amazonaws.com',
        time: `2025-03-01T0${i % 10}:00:00Z`,
        ip: '192.0.2.1',
      }),
    );
  // File sorting first: events made with the session key (identity carries the canary user).
  writeDelivery(dir, '20250301T0900', [
    ...noise(40),
    canary({
      identity: iamUser(canaryUser, sessionKey, canaryPrincipal),
      eventName: 'ListUsers',
      eventSource: 'iam.amazonaws.com',
      time: '2025-03-01T10:20:00Z',
      errorCode: 'AccessDenied',
    }),
    canary({
      identity: { type: 'IAMUser', accessKeyId: sessionKey, accountId: ACCOUNT },
      eventName: 'DescribeRegions',
      eventSource: 'ec2.amazonaws.com',
      time: '2025-03-01T10:21:00Z',
      region: 'eu-west-1',
    }),
  ]);
  // Later file: the canary key itself, and the GetSessionToken that hands out the session key.
  writeDelivery(dir, '20250301T1015', [
    ...noise(30),
    canary({
      identity: iamUser(canaryUser, canaryKey, canaryPrincipal),
      time: '2025-03-01T10:10:00Z',
    }),
    canary({
      identity: iamUser(canaryUser, canaryKey, canaryPrincipal),
      eventName: 'GetSessionToken',
      time: '2025-03-01T10:12:00Z',
      responseElements: {
        credentials: {
          accessKeyId: sessionKey,
          expiration: 'Mar 1, 2025, 10:12:00 PM',
          sessionToken: 'x',
        },
      },
    }),
  ]);
  // A federated user issued by the canary, in JSON lines, in a subfolder.
  mkdirSync(join(dir, 'export'), { recursive: true });
  const fed = canary({
    identity: {
      type: 'FederatedUser',
      principalId: `${ACCOUNT}:mallory`,
      arn: `arn:aws:sts::${ACCOUNT}:federated-user/mallory`,
      accountId: ACCOUNT,
      accessKeyId: testKey('ASIA', 9),
      sessionContext: {
        sessionIssuer: {
          type: 'IAMUser',
          principalId: canaryPrincipal,
          arn: `arn:aws:iam::${ACCOUNT}:user/${canaryUser}`,
          accountId: ACCOUNT,
          userName: canaryUser,
        },
      },
    },
    eventName: 'ListBuckets',
    eventSource: 's3.amazonaws.com',
    time: '2025-03-01T11:00:00Z',
    ip: '198.51.100.7',
  });
  writeFileSync(
    join(dir, 'export', 'events.jsonl'),
    `${JSON.stringify(noise(1)[0])}\n${JSON.stringify(fed)}\n`,
  );
  // Broken neighbours: truncated gzip, broken JSON, not CloudTrail, and a digest file to skip.
  const gz = gzipSync(JSON.stringify({ Records: noise(50) }));
  writeFileSync(join(dir, 'truncated.json.gz'), gz.subarray(0, gz.length - 20));
  writeFileSync(join(dir, 'broken.json'), '{"Records": [ {"eventID": "x", ');
  writeFileSync(join(dir, 'not-cloudtrail.json'), JSON.stringify({ hello: 'world' }));
  const tokensFile = join(root, 't.json');
  writeFileSync(
    tokensFile,
    JSON.stringify([
      {
        accessKeyId: canaryKey,
        label: 'build-7',
        placement: 'host=build-7,path=~/.aws/credentials,owner=platform-team',
      },
    ]),
  );
  return { dir, tokensFile, expected, home: join(root, 'no-workspace-here') };
}

function eventIdsOf(out: string): Set<string> {
  return new Set(jsonl<{ eventIds: string[] }>(out).flatMap((f) => f.eventIds));
}

describe('keysnare detect', () => {
  let s: Scenario;
  beforeAll(() => {
    s = buildScenario();
  });

  it('finds every canary event, session and federated ones included, and nothing else', async () => {
    const r = await runCli([
      '--home',
      s.home,
      'detect',
      '--tokens',
      s.tokensFile,
      '--format',
      'jsonl',
      s.dir,
    ]);
    expect(r.code).toBe(0);
    expect([...eventIdsOf(r.out)].sort()).toEqual([...s.expected].sort());
    const findings = jsonl<Record<string, unknown>>(r.out);
    for (const f of findings) {
      expect(f['rule']).toBe('honeytoken.used');
      expect(f['severity']).toBe('critical');
      expect(f['accessKeyId']).toBe(canaryKey);
      expect(String((f['details'] as Record<string, unknown>)['placementText'])).toContain(
        'on build-7 in ~/.aws/credentials by platform-team',
      );
    }
  });

  it('names broken files on stderr, skips them and goes on', async () => {
    const r = await runCli([
      '--home',
      s.home,
      'detect',
      '--tokens',
      s.tokensFile,
      '--format',
      'jsonl',
      s.dir,
    ]);
    expect(r.err).toMatch(/truncated\.json\.gz.*(truncat|end of)/i);
    expect(r.err).toMatch(/broken\.json/);
    expect(r.err).toMatch(/not-cloudtrail\.json/);
    expect(r.err).toMatch(/\d+ rejected/);
  });

  it('gives the same result with worker threads and without the pre-filter', async () => {
    const threaded = await runCli([
      '--home',
      s.home,
      'detect',
      '--tokens',
      s.tokensFile,
      '--format',
      'jsonl',
      '--workers',
      '2',
      s.dir,
    ]);
    const full = await runCli([
      '--home',
      s.home,
      'detect',
      '--tokens',
      s.tokensFile,
      '--format',
      'jsonl',
      '--no-prefilter',
      s.dir,
    ]);
    expect([...eventIdsOf(threaded.out)].sort()).toEqual([...s.expected].sort());
    expect([...eventIdsOf(full.out)].sort()).toEqual([...s.expected].sort());
  });

  it('prints a table for people', async () => {
    const r = await runCli(['--home', s.home, 'detect', '--tokens', s.tokensFile, s.dir]);
    expect(r.out).toMatch(/^TIME\s+SEVERITY\s+RULE/);
    expect(r.out).toContain('honeytoken.used');
  });

  it('finds no canary use without canaries and says so; the real-key rules still run', async () => {
    const r = await runCli(['--home', s.home, 'detect', '--format', 'jsonl', s.dir]);
    expect(r.code).toBe(0);
    // Unregistered, the canary is an ordinary IAM user whose key asked for a session token.
    expect(jsonl<{ rule: string }>(r.out).map((f) => f.rule)).toEqual([
      'credentials.session-token-from-user',
    ]);
    expect(r.err).toMatch(/no canary tokens/);
  });

  it('exits 2 on a bad flag and 1 when no path can be read', async () => {
    expect((await runCli(['detect', '--format', 'xml', s.dir])).code).toBe(2);
    expect((await runCli(['--home', s.home, 'detect', join(s.dir, 'does-not-exist')])).code).toBe(
      1,
    );
  });
});
