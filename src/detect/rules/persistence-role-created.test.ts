import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { persistenceRoleCreated as rule } from './persistence-role-created.js';
import { sampleIamCall } from './samples.js';

const OUT = '999988887777';
const policy = (aws: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: aws }, Action: 'sts:AssumeRole' }],
  });
const createRole = (request: Record<string, unknown>, response?: Record<string, unknown>) =>
  sampleIamCall({
    eventName: 'CreateRole',
    eventTime: '2025-05-12T02:40:00Z',
    requestParameters: { roleName: 'vendor-access', ...request },
    ...(response ? { responseElements: { role: { roleName: 'vendor-access', ...response } } } : {}),
  });

describe('persistence.role-created', () => {
  it('stays quiet for accounts in trustedAccounts, and for own users when told', () => {
    const outside = [createRole({ assumeRolePolicyDocument: policy(`arn:aws:iam::${OUT}:root`) })];
    expect(runRules([rule], outside)).toHaveLength(1);
    expect(runRules([rule], outside, { config: { trustedAccounts: [OUT] } })).toHaveLength(0);
    const own = [
      createRole({ assumeRolePolicyDocument: policy('arn:aws:iam::111122223333:user/bob') }),
    ];
    expect(runRules([rule], own)).toHaveLength(1);
    expect(runRules([rule], own, { config: { sameAccountUsers: false } })).toHaveLength(0);
  });

  it('rejects a trustedAccounts entry that is not an account id', () => {
    expect(() => runRules([rule], [], { config: { trustedAccounts: ['*'] } })).toThrow(/12-digit/);
  });

  it('reads the policy from the response when padding cut the request', () => {
    const padded = `${' '.repeat(70_000)}${policy(`arn:aws:iam::${OUT}:root`)}`;
    const [f] = runRules(
      [rule],
      [
        createRole(
          { assumeRolePolicyDocument: padded },
          { assumeRolePolicyDocument: encodeURIComponent(policy(`arn:aws:iam::${OUT}:root`)) },
        ),
      ],
    );
    expect(f?.details).toMatchObject({ outsideAccounts: [OUT], trustPolicy: ['read'] });
  });

  it('reports a successful CreateRole whose policy was not logged at all', () => {
    const padded = `${' '.repeat(70_000)}${policy(`arn:aws:iam::${OUT}:root`)}`;
    const [f] = runRules([rule], [createRole({ assumeRolePolicyDocument: padded })]);
    expect(f?.title).toBe(
      'Role vendor-access created by arn:aws:iam::111122223333:user/alice with its trust policy not logged',
    );
    expect(f?.details).toMatchObject({ trustPolicy: ['not logged'], admits: [] });
  });
});
