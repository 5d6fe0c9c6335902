import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIamClient } from '../src/aws/clients.js';
import { createIamPort } from '../src/aws/iam.js';
import type { IamPort } from '../src/aws/ports.js';
import { auditTokens } from '../src/tokens/audit/audit.js';
import { startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';

describe('IAM port over the real SDK, against the wire-level fake', () => {
  let fake: FakeAws;
  let iam: IamPort;
  beforeEach(async () => {
    fake = await startFakeAws({ accountId: '210987654321' });
    iam = createIamPort(
      createIamClient({ endpoint: fake.endpoint, credentials: fake.admin, maxAttempts: 3 }),
    );
  });
  afterEach(async () => {
    await fake.close();
  });

  it('creates a user with one key and reads them back; a missing user is undefined', async () => {
    const u = await iam.createUser({ userName: 'svc-ledger-prod' });
    expect(u.arn).toBe('arn:aws:iam::210987654321:user/svc-ledger-prod');
    const k = await iam.createAccessKey('svc-ledger-prod');
    expect(k.secretAccessKey).toHaveLength(40);
    expect((await iam.listAccessKeys('svc-ledger-prod')).map((x) => x.accessKeyId)).toEqual([
      k.accessKeyId,
    ]);
    expect(await iam.getUser('nobody-here')).toBeUndefined();
    await expect(iam.deleteUser('nobody-here')).rejects.toMatchObject({
      code: 'KS_AWS',
      details: { awsCode: 'NoSuchEntity' },
    });
  });

  it('reports never-used keys without a date and honours the 15-minute last-used rule', async () => {
    await iam.createUser({ userName: 'ci-deploy-web' });
    const k = await iam.createAccessKey('ci-deploy-web');
    expect(await iam.getAccessKeyLastUsed(k.accessKeyId)).toEqual({ userName: 'ci-deploy-web' });
    fake.control.recordKeyUse(k.accessKeyId, {
      date: new Date('2026-11-20T10:00:00Z'),
      service: 'sts',
      region: 'us-east-1',
    });
    expect(await iam.getAccessKeyLastUsed(k.accessKeyId)).toMatchObject({
      lastUsedDate: '2026-11-20T10:00:00.000Z',
      serviceName: 'sts',
    });
  });

  it('walks the credential report states and decodes the CSV once', async () => {
    expect((await iam.getCredentialReport()).state).toBe('not-present');
    expect((await iam.generateCredentialReport()).state).toBe('STARTED');
    let r = await iam.getCredentialReport();
    for (let i = 0; i < 5 && r.state !== 'ready'; i++) {
      await iam.generateCredentialReport();
      r = await iam.getCredentialReport();
    }
    expect(r.state).toBe('ready');
    if (r.state === 'ready') expect(r.csv.split('\n')[0]).toMatch(/^user,arn,user_creation_time,/);
  });

  it('retries throttling with backoff', async () => {
    fake.control.throttle('ListUserPolicies', 2);
    await iam.createUser({ userName: 'etl-search-3' });
    expect(await iam.listUserPolicies('etl-search-3')).toEqual([]);
  });

  it('feeds the live audit checks: an explicit deny-all is reported as a tell', async () => {
    await iam.createUser({ userName: 'backup-media' });
    const k = await iam.createAccessKey('backup-media');
    await iam.putUserPolicy(
      'backup-media',
      'deny',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
      }),
    );
    const token = {
      id: 'tok_live',
      accessKeyId: k.accessKeyId,
      userName: 'backup-media',
      userArn: 'arn:aws:iam::210987654321:user/backup-media',
      accountId: '210987654321',
      status: 'active' as const,
      origin: 'minted' as const,
      createdAt: new Date().toISOString(),
    };
    const [result] = await auditTokens([token], { allTokens: [token], iam });
    expect(result!.problems.map((p) => p.code).join(' ')).toMatch(/deny/i);
    expect(result!.indeterminate).toEqual([]);
  });
});
