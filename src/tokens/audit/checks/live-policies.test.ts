import { describe, expect, it } from 'vitest';
import type { IamPort } from '../../../aws/ports.js';
import { AppError } from '../../../core/errors.js';
import type { Token } from '../../../core/token.js';
import { auditTokens } from '../audit.js';
import { livePolicies } from './live-policies.js';

const t: Token = {
  id: 'tok_aaaaaaaaaaaa',
  accessKeyId: 'AKIARZPUZDIKAAISEM2E',
  userName: 'svc-billing-prod',
  status: 'active',
  origin: 'minted',
  createdAt: '2025-01-01T00:00:00.000Z',
};

const DENY_ALL = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyAll', Effect: 'Deny', Action: '*', Resource: '*' }],
});

/** An IAM port with the given inline and attached policies; other calls fail the test. */
function iamWith(
  inline: Record<string, string>,
  attached: { policyName: string; policyArn: string }[],
) {
  const port: Partial<IamPort> = {
    listUserPolicies: (user) =>
      Promise.resolve(user === 'svc-billing-prod' ? Object.keys(inline) : []),
    getUserPolicy: (_user, name) => Promise.resolve(inline[name] ?? ''),
    listAttachedUserPolicies: () => Promise.resolve(attached),
  };
  return port as IamPort;
}

const run = (iam: IamPort) => livePolicies.run(t, { allTokens: [t], iam });

describe('live-policies', () => {
  it('flags an explicit deny-all inline policy as a tell, quoting the AWS error text', async () => {
    const problems = await run(iamWith({ DenyAll: DENY_ALL }, []));
    expect(problems.map((p) => [p.code, p.severity])).toEqual([
      ['live-policies/explicit-deny-all', 'medium'],
    ]);
    expect(problems[0]?.message).toContain('explicit deny in an identity-based policy');
  });

  it('flags any Allow as dangerous', async () => {
    const allow = JSON.stringify({
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' },
    });
    const problems = await run(iamWith({ ReadBucket: allow }, []));
    expect(problems.map((p) => [p.code, p.severity])).toEqual([['live-policies/allow', 'high']]);
  });

  it('explains an AWSCompromisedKeyQuarantine policy as AWS having found the key exposed', async () => {
    const quarantine = {
      policyName: 'AWSCompromisedKeyQuarantineV2',
      policyArn: 'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
    };
    const [problem] = await run(iamWith({}, [quarantine]));
    expect(problem?.code).toBe('live-policies/aws-quarantine');
    expect(problem?.message).toContain('exposed publicly');
    expect(problem?.fix).toContain('AttachUserPolicy');
  });

  it('flags other attached managed policies and AWSDenyAll', async () => {
    const problems = await run(
      iamWith({}, [
        { policyName: 'ReadOnlyAccess', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
        { policyName: 'AWSDenyAll', policyArn: 'arn:aws:iam::aws:policy/AWSDenyAll' },
      ]),
    );
    expect(problems.map((p) => p.code)).toEqual([
      'live-policies/attached',
      'live-policies/explicit-deny-all',
    ]);
  });

  it('is clean for a user with no policies (implicit deny)', async () => {
    expect(await run(iamWith({}, []))).toEqual([]);
  });

  it('is indeterminate, not clean, when IAM fails or a document is unreadable', async () => {
    const failing = {
      listUserPolicies: () =>
        Promise.reject(
          new AppError('KS_AWS', { operation: 'ListUserPolicies', reason: 'Throttling' }),
        ),
    } as Partial<IamPort> as IamPort;
    for (const iam of [failing, iamWith({ Odd: 'not json' }, [])]) {
      const [result] = await auditTokens([t], { allTokens: [t], iam }, [livePolicies]);
      expect(result?.checked).toEqual([]);
      expect(result?.problems).toEqual([]);
      expect(result?.indeterminate).toHaveLength(1);
      expect(result?.indeterminate[0]?.check).toBe('live-policies');
    }
  });
});
