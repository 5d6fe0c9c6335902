import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws } from './fake-aws/index.js';
import type { FakeAws } from './fake-aws/index.js';
import { fakeSdkConfig } from './fake-aws/sdk.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

afterAll(removeTempDirs);

interface F {
  rule: string;
  title: string;
  eventNames: string[];
  details: Record<string, unknown>;
}

describe('canary tampering and use, end to end through the fake AWS and its CloudTrail', () => {
  let fake: FakeAws;
  let findings: F[];
  let canaryUser: string;
  beforeAll(async () => {
    fake = await startFakeAws({ accountId: '111122223333' });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: fake.endpoint,
      AWS_ACCESS_KEY_ID: fake.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fake.admin.secretAccessKey,
      AWS_REGION: 'us-east-1',
    });
    const root = tempDir('ks-tamper-');
    const home = join(root, 'ws');
    await runCli(['--home', home, 'init']);
    // Keysnare's own management calls: mint, render (no AWS), rotate.
    const [t] = jsonl<{ id: string; userName: string }>(
      (
        await runCli([
          '--home',
          home,
          'token',
          'mint',
          '--placement',
          'host=build-7',
          '--format',
          'jsonl',
        ])
      ).out,
    );
    canaryUser = t!.userName;
    await runCli(['--home', home, 'token', 'rotate', t!.id]);
    const secret = fake.control.users().find((u) => u.userName === canaryUser)!.keys[0]!;
    // The attacker uses the canary key.
    const attacker = new STSClient(
      fakeSdkConfig(fake, {
        credentials: { accessKeyId: secret.accessKeyId, secretAccessKey: secret.secretAccessKey },
      }),
    );
    await attacker.send(new GetCallerIdentityCommand({}));
    // Another administrator changes the canary user; then AWS quarantines it.
    const admin = new IAMClient(fakeSdkConfig(fake));
    await admin.send(new CreateUserCommand({ UserName: 'alice' }));
    await admin.send(
      new AttachUserPolicyCommand({
        UserName: 'alice',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    const aliceKey = (await admin.send(new CreateAccessKeyCommand({ UserName: 'alice' })))
      .AccessKey!;
    const alice = new IAMClient(
      fakeSdkConfig(fake, {
        credentials: {
          accessKeyId: aliceKey.AccessKeyId!,
          secretAccessKey: aliceKey.SecretAccessKey!,
        },
      }),
    );
    await alice.send(
      new AttachUserPolicyCommand({
        UserName: canaryUser,
        PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );
    fake.control.attachPolicyAsAws(
      canaryUser,
      'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
    );
    // Keysnare retires the canary (its own calls again).
    await runCli(['--home', home, 'token', 'retire', t!.id]);
    const file = await fake.writeCloudTrailFile(join(root, 'trail'));
    const r = await runCli(['--home', home, 'ingest', '--format', 'jsonl', file]);
    expect(r.code).toBe(0);
    findings = jsonl<F>(
      (await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl'])).out,
    );
  });
  afterAll(async () => {
    await fake.close();
  });

  it('alerts on the canary key being used', () => {
    const used = findings.filter((f) => f.rule === 'honeytoken.used');
    expect(used).toHaveLength(1);
    expect(used[0]!.eventNames).toEqual(['GetCallerIdentity']);
  });

  it('alerts on another principal changing the canary user, and labels AWS quarantine', () => {
    const tampered = findings.filter((f) => f.rule === 'honeytoken.tampered');
    const text = JSON.stringify(tampered);
    expect(text).toContain('arn:aws:iam::111122223333:user/alice');
    expect(tampered.some((f) => f.details['awsQuarantine'] === true)).toBe(true);
  });

  it("never raises tampering for Keysnare's own mint, rotate and retire calls", () => {
    const tampered = findings.filter((f) => f.rule === 'honeytoken.tampered');
    const names = tampered.flatMap((f) => f.eventNames);
    for (const own of [
      'CreateUser',
      'CreateAccessKey',
      'DeleteAccessKey',
      'DeleteUser',
      'DetachUserPolicy',
    ])
      expect(names).not.toContain(own);
    expect(JSON.stringify(tampered)).not.toContain('keysnare-admin');
  });
});
