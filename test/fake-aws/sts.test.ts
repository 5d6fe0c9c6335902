import { CreateAccessKeyCommand, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import {
  GetAccessKeyInfoCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
} from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { accountIdFromKeyId } from '../../src/core/key-anatomy.js';
import { rejection, useFakeAws } from './harness.js';

describe('STS', () => {
  const h = useFakeAws({ accountId: '111122223333' });

  async function canary(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await h.iam().send(new CreateUserCommand({ UserName: 'backup-sync', Path: '/svc/' }));
    const out = await h.iam().send(new CreateAccessKeyCommand({ UserName: 'backup-sync' }));
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
    };
  }

  async function session(key: { accessKeyId: string; secretAccessKey: string }) {
    const out = await h.sts(key).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    const c = out.Credentials!;
    return {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
      expiration: c.Expiration!,
    };
  }

  it('tells a powerless canary who it is', async () => {
    const key = await canary();
    const users = h.fake.control.users();
    const out = await h.sts(key).send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({
      Account: '111122223333',
      Arn: 'arn:aws:iam::111122223333:user/svc/backup-sync',
      UserId: users.find((u) => u.userName === 'backup-sync')?.userId,
    });
  });

  it('issues ASIA session credentials that identify as the IAM user', async () => {
    h.fake.control.setNow(new Date('2025-01-01T10:00:00Z'));
    const creds = await session(await canary());
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(accountIdFromKeyId(creds.accessKeyId)).toBe('111122223333');
    expect(creds.secretAccessKey).toHaveLength(40);
    expect(creds.sessionToken.length).toBeGreaterThan(100);
    expect(creds.expiration).toEqual(new Date('2025-01-01T10:15:00Z'));
    const who = await h.sts(creds).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe('arn:aws:iam::111122223333:user/svc/backup-sync');
  });

  it('rejects session keys without their token, on IAM (no MFA), and after expiry', async () => {
    h.fake.control.setNow(new Date('2025-01-01T10:00:00Z'));
    const creds = await session(await canary());
    const { sessionToken: _token, ...noToken } = creds;
    expect((await rejection(h.sts(noToken).send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );
    expect((await rejection(h.iam(creds).send(new ListUsersCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );
    const again = await rejection(h.sts(creds).send(new GetSessionTokenCommand({})));
    expect(again.name).toBe('AccessDenied');
    h.fake.control.advance(15 * 60_000);
    const expired = await rejection(h.sts(creds).send(new GetCallerIdentityCommand({})));
    expect(expired.name).toBe('ExpiredToken');
  });

  it('validates the session duration', async () => {
    const err = await rejection(h.sts().send(new GetSessionTokenCommand({ DurationSeconds: 899 })));
    expect(err.name).toBe('ValidationError');
  });

  it('answers GetAccessKeyInfo with the account a key id belongs to', async () => {
    const key = await canary();
    const own = await h.sts().send(new GetAccessKeyInfoCommand({ AccessKeyId: key.accessKeyId }));
    expect(own.Account).toBe('111122223333');
    const foreign = await h
      .sts()
      .send(new GetAccessKeyInfoCommand({ AccessKeyId: 'AKIAQYLPMN5HHHFPZAM2' }));
    expect(foreign.Account).toBe('052310077262');
    const denied = await rejection(
      h.sts(key).send(new GetAccessKeyInfoCommand({ AccessKeyId: key.accessKeyId })),
    );
    expect(denied.name).toBe('AccessDenied');
  });
});
