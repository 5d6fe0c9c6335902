import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { accountIdFromKeyId } from '../../src/core/key-anatomy.js';
import { rejection, useFakeAws } from './harness.js';

describe('access keys', () => {
  const h = useFakeAws({ accountId: '052310077262' });

  async function userWithKey(
    name = 'canary',
  ): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await h.iam().send(new CreateUserCommand({ UserName: name }));
    const out = await h.iam().send(new CreateAccessKeyCommand({ UserName: name }));
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
    };
  }

  it('creates realistic AKIA keys whose embedded account is the fake account', async () => {
    const key = await userWithKey();
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(accountIdFromKeyId(key.accessKeyId)).toBe('052310077262');
    expect(key.secretAccessKey).toHaveLength(40);
    expect(accountIdFromKeyId(h.fake.admin.accessKeyId)).toBe('052310077262');
  });

  it('refuses a third key with LimitExceeded (409) and AWS wording', async () => {
    await userWithKey();
    await h.iam().send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    const err = await rejection(h.iam().send(new CreateAccessKeyCommand({ UserName: 'canary' })));
    expect(err.name).toBe('LimitExceededException');
    expect(err.$metadata.httpStatusCode).toBe(409);
    expect(err.message).toBe('Cannot exceed quota for AccessKeysPerUser: 2');
  });

  it('lists keys in creation order with paging', async () => {
    const first = await userWithKey();
    const second = await h.iam().send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    const page1 = await h
      .iam()
      .send(new ListAccessKeysCommand({ UserName: 'canary', MaxItems: 1 }));
    expect(page1.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([first.accessKeyId]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await h
      .iam()
      .send(new ListAccessKeysCommand({ UserName: 'canary', MaxItems: 1, Marker: page1.Marker! }));
    expect(page2.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([
      second.AccessKey?.AccessKeyId,
    ]);
    expect(page2.AccessKeyMetadata?.[0]).toMatchObject({ UserName: 'canary', Status: 'Active' });
  });

  it('makes a deactivated key an invalid caller and a reactivated one valid again', async () => {
    const key = await userWithKey();
    await h.sts(key).send(new GetCallerIdentityCommand({}));
    const update = (Status: 'Active' | 'Inactive') =>
      h
        .iam()
        .send(
          new UpdateAccessKeyCommand({ UserName: 'canary', AccessKeyId: key.accessKeyId, Status }),
        );
    await update('Inactive');
    const err = await rejection(h.sts(key).send(new GetCallerIdentityCommand({})));
    expect(err.name).toBe('InvalidClientTokenId');
    await update('Active');
    await expect(h.sts(key).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
  });

  it('answers NoSuchEntity for a key of another user and for deleted keys', async () => {
    const key = await userWithKey();
    await h.iam().send(new CreateUserCommand({ UserName: 'other' }));
    const wrongUser = await rejection(
      h.iam().send(new DeleteAccessKeyCommand({ UserName: 'other', AccessKeyId: key.accessKeyId })),
    );
    expect(wrongUser.name).toBe('NoSuchEntityException');
    expect(wrongUser.message).toBe(`The Access Key with id ${key.accessKeyId} cannot be found.`);
    await h
      .iam()
      .send(new DeleteAccessKeyCommand({ UserName: 'canary', AccessKeyId: key.accessKeyId }));
    const gone = await rejection(
      h.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId })),
    );
    expect(gone.name).toBe('NoSuchEntityException');
    expect((await rejection(h.sts(key).send(new GetCallerIdentityCommand({})))).name).toBe(
      'InvalidClientTokenId',
    );
  });
});

describe('GetAccessKeyLastUsed', () => {
  const h = useFakeAws();

  async function newKey(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    await h.iam().send(new CreateUserCommand({ UserName: 'canary' }));
    const out = await h.iam().send(new CreateAccessKeyCommand({ UserName: 'canary' }));
    return {
      accessKeyId: out.AccessKey!.AccessKeyId!,
      secretAccessKey: out.AccessKey!.SecretAccessKey!,
    };
  }

  const lastUsed = (id: string) =>
    h.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: id }));

  it('reports a never-used key with no date and N/A service and region', async () => {
    const key = await newKey();
    const out = await lastUsed(key.accessKeyId);
    expect(out.UserName).toBe('canary');
    expect(out.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
  });

  it('keeps the first use in a 15-minute span and takes the next one after it', async () => {
    const key = await newKey();
    const t0 = new Date('2025-01-01T10:00:00Z');
    const at = (min: number) => new Date(t0.getTime() + min * 60_000);
    const { control } = h.fake;
    expect(
      control.recordKeyUse(key.accessKeyId, { date: t0, service: 's3', region: 'eu-west-1' }),
    ).toBe(true);
    expect(
      control.recordKeyUse(key.accessKeyId, { date: at(14), service: 'ec2', region: 'us-west-2' }),
    ).toBe(false);
    expect((await lastUsed(key.accessKeyId)).AccessKeyLastUsed).toEqual({
      LastUsedDate: t0,
      ServiceName: 's3',
      Region: 'eu-west-1',
    });
    expect(
      control.recordKeyUse(key.accessKeyId, { date: at(15), service: 'ec2', region: 'us-west-2' }),
    ).toBe(true);
    expect((await lastUsed(key.accessKeyId)).AccessKeyLastUsed).toEqual({
      LastUsedDate: at(15),
      ServiceName: 'ec2',
      Region: 'us-west-2',
    });
  });

  it('records use when the key signs a request, even a denied one', async () => {
    const key = await newKey();
    h.fake.control.setNow(new Date('2025-03-01T08:00:00Z'));
    await rejection(h.iam(key).send(new ListAccessKeysCommand({})));
    expect((await lastUsed(key.accessKeyId)).AccessKeyLastUsed).toEqual({
      LastUsedDate: new Date('2025-03-01T08:00:00Z'),
      ServiceName: 'iam',
      Region: 'us-east-1',
    });
  });
});
