import { CreateAccessKeyCommand, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { rejection, useFakeAws } from './harness.js';
import { startFakeAws } from './index.js';
import { fakeSdkConfig } from './sdk.js';

describe('dispatch', () => {
  const h = useFakeAws();

  async function post(
    body: string,
  ): Promise<{ status: number; text: string; requestId: string | null }> {
    const res = await fetch(h.fake.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    return {
      status: res.status,
      text: await res.text(),
      requestId: res.headers.get('x-amzn-requestid'),
    };
  }

  it('answers unknown actions and versions with InvalidAction (400)', async () => {
    for (const body of [
      'Action=LaunchMissiles&Version=2010-05-08',
      'Action=ListUsers&Version=2011-06-15',
      'Action=ListUsers&Version=1999-01-01',
    ]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.text).toContain('<Code>InvalidAction</Code>');
      expect(res.text).toContain(`<RequestId>${res.requestId}</RequestId>`);
    }
  });

  it('maps the x-amzn-requestid header to $metadata.requestId', async () => {
    const out = await h.iam().send(new ListUsersCommand({}));
    expect(out.$metadata.requestId).toBe(h.fake.control.calls.at(-1)?.requestId);
  });

  it('logs every call with its action, params, caller key and status', async () => {
    await rejection(h.iam().send(new CreateUserCommand({ UserName: 'bad name' })));
    expect(h.fake.control.calls).toEqual([
      expect.objectContaining({
        action: 'CreateUser',
        service: 'iam',
        params: { Action: 'CreateUser', Version: '2010-05-08', UserName: 'bad name' },
        accessKeyId: h.fake.admin.accessKeyId,
        status: 400,
        errorCode: 'ValidationError',
      }),
    ]);
  });
});

describe('failure injection', () => {
  const h = useFakeAws();

  it('fails the next call of an action once with the given code and status, then recovers', async () => {
    h.fake.control.failNext('CreateAccessKey', 'ServiceFailure', { message: 'boom' });
    const err = await rejection(h.iam().send(new CreateAccessKeyCommand({})));
    expect(err.name).toBe('ServiceFailureException');
    expect(err.$metadata.httpStatusCode).toBe(500);
    expect(err.message).toBe('boom');
    await expect(h.iam().send(new ListUsersCommand({}))).resolves.toBeDefined();
    await expect(h.iam().send(new CreateAccessKeyCommand({}))).resolves.toBeDefined();
  });

  it('lets the SDK default retry (maxAttempts 3) succeed on the third try after two throttles', async () => {
    h.fake.control.throttle('GetCallerIdentity', 2);
    const out = await h.sts(undefined, 3).send(new GetCallerIdentityCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    const statuses = h.fake.control.calls.map((c) => [c.action, c.status, c.errorCode]);
    expect(statuses).toEqual([
      ['GetCallerIdentity', 400, 'Throttling'],
      ['GetCallerIdentity', 400, 'Throttling'],
      ['GetCallerIdentity', 200, undefined],
    ]);
  });

  it('gives up with Throttling when throttled more often than the SDK retries', async () => {
    h.fake.control.throttle('ListUsers', 3);
    const err = await rejection(h.iam(undefined, 3).send(new ListUsersCommand({})));
    expect(err.name).toBe('Throttling');
    expect(err.message).toBe('Rate exceeded');
    expect(err.$metadata.attempts).toBe(3);
  });
});

describe('startFakeAws', () => {
  it('runs independent fakes on separate ports with separate state', async () => {
    const [a, b] = await Promise.all([startFakeAws(), startFakeAws({ accountId: '000000000042' })]);
    try {
      expect(a.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(a.endpoint).not.toBe(b.endpoint);
      const { IAMClient } = await import('@aws-sdk/client-iam');
      await new IAMClient(fakeSdkConfig(a)).send(new CreateUserCommand({ UserName: 'only-in-a' }));
      expect(b.control.users().map((u) => u.userName)).toEqual(['keysnare-admin']);
      const err = await rejection(
        new IAMClient(fakeSdkConfig(b, { credentials: a.admin })).send(new ListUsersCommand({})),
      );
      expect(err.name).toBe('InvalidClientTokenId');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('refuses an account id that is not 12 digits', async () => {
    await expect(startFakeAws({ accountId: '123' })).rejects.toMatchObject({ code: 'KS_USAGE' });
  });
});
