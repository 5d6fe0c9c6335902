import { describe, expect, it } from 'vitest';
import type { IamPort, IamUserInfo } from '../../../aws/ports.js';
import type { Token } from '../../../core/token.js';
import { auditTokens } from '../audit.js';
import { liveUser } from './live-user.js';

const t: Token = {
  id: 'tok_aaaaaaaaaaaa',
  accessKeyId: 'AKIARZPUZDIKAAISEM2E',
  userName: 'svc-billing-prod',
  userArn: 'arn:aws:iam::123456789012:user/svc-billing-prod',
  status: 'active',
  origin: 'minted',
  createdAt: '2025-01-01T00:00:00.000Z',
};

function user(overrides: Partial<IamUserInfo> = {}): IamUserInfo {
  return {
    userName: 'svc-billing-prod',
    userId: 'AIDAEXAMPLEUSERID0001',
    arn: 'arn:aws:iam::123456789012:user/svc-billing-prod',
    path: '/',
    tags: [],
    ...overrides,
  };
}

const iamReturning = (u: IamUserInfo | undefined) =>
  ({ getUser: () => Promise.resolve(u) }) as Partial<IamPort> as IamPort;

describe('live-user', () => {
  it('is clean for an existing user with path "/" and plain tags', async () => {
    const iam = iamReturning(user({ tags: [{ key: 'team', value: 'billing' }] }));
    expect(await liveUser.run(t, { allTokens: [t], iam })).toEqual([]);
  });

  it('flags a missing user as high: the canary cannot fire', async () => {
    const [problem] = await liveUser.run(t, { allTokens: [t], iam: iamReturning(undefined) });
    expect(problem).toMatchObject({ code: 'live-user/missing', severity: 'high' });
  });

  it('checks a live path that differs from the recorded one', async () => {
    const iam = iamReturning(user({ path: '/SpaceCrab/' }));
    const [problem] = await liveUser.run(t, { allTokens: [t], iam });
    expect(problem?.code).toBe('live-user/tool-signature');
    expect(problem?.message).toContain('IAM, live');
  });

  it('flags tell words in tags', async () => {
    const iam = iamReturning(user({ tags: [{ key: 'purpose', value: 'Honeytoken for CI' }] }));
    const [problem] = await liveUser.run(t, { allTokens: [t], iam });
    expect(problem).toMatchObject({ code: 'live-user/tag-tells', severity: 'low' });
  });

  it('records getUser throwing as indeterminate, not clean', async () => {
    const iam = {
      getUser: () => Promise.reject(new Error('socket hang up')),
    } as Partial<IamPort> as IamPort;
    const [result] = await auditTokens([t], { allTokens: [t], iam }, [liveUser]);
    expect(result).toMatchObject({
      checked: [],
      problems: [],
      indeterminate: [{ check: 'live-user', error: 'socket hang up' }],
    });
  });

  it('is indeterminate when the registry has no user name to look up', async () => {
    const bare: Token = { ...t, userName: undefined, userArn: undefined } as unknown as Token;
    const [result] = await auditTokens([bare], { allTokens: [bare], iam: iamReturning(user()) }, [
      liveUser,
    ]);
    expect(result?.indeterminate[0]?.error).toContain('no IAM user name');
  });
});
