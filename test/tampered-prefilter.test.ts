import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACCOUNT, ctRecord, iamUser, testKey, writeDelivery } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

const canaryKey = testKey('AKIA', 61);
const canary = 'svc-ledger-prod';
const alice = iamUser('alice', testKey('AKIA', 62), 'AIDAQALICE0000000062');

function scenario(records: Record<string, unknown>[]) {
  const root = tempDir('ks-tp-');
  writeDelivery(join(root, 'logs'), '20250301T1000', records);
  const tokens = join(root, 't.json');
  writeFileSync(
    tokens,
    JSON.stringify([{ accessKeyId: canaryKey, userName: canary, accountId: ACCOUNT }]),
  );
  return { root, tokens, logs: join(root, 'logs') };
}

async function tampered(s: ReturnType<typeof scenario>) {
  const r = await runCli([
    '--home',
    join(s.root, 'none'),
    'detect',
    '--tokens',
    s.tokens,
    '--format',
    'jsonl',
    s.logs,
  ]);
  expect(r.code).toBe(0);
  return jsonl<{ rule: string; eventNames: string[] }>(r.out).filter(
    (f) => f.rule === 'honeytoken.tampered',
  );
}

describe('honeytoken.tampered through the pre-filter', () => {
  it('sees a denied change whose only trace of the canary is the error message', async () => {
    const denied = ctRecord({
      identity: alice,
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateAccessKey',
      errorCode: 'AccessDenied',
      requestParameters: null,
    });
    denied['errorMessage'] =
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: iam:CreateAccessKey on resource: user ${canary} because no identity-based policy allows the iam:CreateAccessKey action`;
    const found = await tampered(scenario([denied, ctRecord({ identity: alice })]));
    expect(found.map((f) => f.eventNames)).toEqual([['CreateAccessKey']]);
  });

  it('keeps the target user of a request padded past the size cap', async () => {
    const padded = ctRecord({
      identity: alice,
      eventSource: 'iam.amazonaws.com',
      eventName: 'PutUserPolicy',
      requestParameters: {
        userName: canary,
        policyName: 'p',
        policyDocument: `{"Version":"2012-10-17"${' '.repeat(200_000)}}`,
      },
    });
    expect(await tampered(scenario([padded]))).toHaveLength(1);
  });
});
