import { describe, expect, it } from 'vitest';
import type { IamAccessKeyInfo, IamPort } from '../../../aws/ports.js';
import type { Token } from '../../../core/token.js';
import { liveKeyStatus } from './live-key-status.js';

const t: Token = {
  id: 'tok_aaaaaaaaaaaa',
  accessKeyId: 'AKIARZPUZDIKAAISEM2E',
  userName: 'svc-billing-prod',
  status: 'active',
  origin: 'minted',
  createdAt: '2025-01-01T00:00:00.000Z',
};

function iamWithKeys(keys: IamAccessKeyInfo[]): IamPort {
  return { listAccessKeys: () => Promise.resolve(keys) } as Partial<IamPort> as IamPort;
}

const key = (accessKeyId: string, status: string): IamAccessKeyInfo => ({
  userName: 'svc-billing-prod',
  accessKeyId,
  status,
});

describe('live-key-status', () => {
  it('is clean when the key is there and Active', async () => {
    const iam = iamWithKeys([
      key('AKIARTX3GSDSQAISEM2E', 'Inactive'),
      key(t.accessKeyId, 'Active'),
    ]);
    expect(await liveKeyStatus.run(t, { allTokens: [t], iam })).toEqual([]);
  });

  it('flags an Inactive key as high: the canary is blind', async () => {
    const [problem] = await liveKeyStatus.run(t, {
      allTokens: [t],
      iam: iamWithKeys([key(t.accessKeyId, 'Inactive')]),
    });
    expect(problem).toMatchObject({ code: 'live-key-status/inactive', severity: 'high' });
    expect(problem?.message).toContain('blind');
  });

  it('flags a missing key as high', async () => {
    const [problem] = await liveKeyStatus.run(t, { allTokens: [t], iam: iamWithKeys([]) });
    expect(problem).toMatchObject({ code: 'live-key-status/missing', severity: 'high' });
  });

  it('does not flag a retired token whose key was switched off, and says so', async () => {
    const retired: Token = { ...t, status: 'retired' };
    expect(await liveKeyStatus.run(retired, { allTokens: [], iam: iamWithKeys([]) })).toEqual([]);
    expect(liveKeyStatus.note(retired)).toContain('retired');
  });
});
