import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { privescTrustPolicyModified as rule } from './privesc-trust-policy-modified.js';
import { sampleIamCall } from './samples.js';

const update = (policyDocument: string, more: Record<string, unknown> = {}) =>
  sampleIamCall({
    eventName: 'UpdateAssumeRolePolicy',
    eventTime: '2025-05-20T23:10:00Z',
    requestParameters: { roleName: 'app-server', policyDocument },
    ...more,
  });
const SERVICE_ONLY = JSON.stringify({
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' } }],
});

describe('privesc.trust-policy-modified', () => {
  it('stays quiet for a failed call whose logged policy admits nobody of concern', () => {
    const failed = update(SERVICE_ONLY, { errorCode: 'LimitExceeded', errorMessage: 'too big' });
    expect(runRules([rule], [failed])).toHaveLength(0);
  });

  it('titles a denied attempt as one, naming the role from the message', () => {
    const [f] = runRules(
      [rule],
      [
        sampleIamCall({
          eventName: 'UpdateAssumeRolePolicy',
          errorCode: 'AccessDenied',
          errorMessage:
            'User: arn:aws:iam::111122223333:user/alice is not authorized to perform: iam:UpdateAssumeRolePolicy on resource: role admin because no identity-based policy allows it',
        }),
      ],
    );
    expect(f?.title).toBe(
      'Failed attempt to change the trust policy of role admin by arn:aws:iam::111122223333:user/alice',
    );
    expect(f?.details).toMatchObject({ succeeded: false, trustPolicy: ['not logged'] });
  });

  it('reports an unparsable policy on a successful call', () => {
    const [f] = runRules([rule], [update('{"Statement": [{"Effect": "Allow", "Principal"')]);
    expect(f?.details).toMatchObject({
      trustPolicy: ['unparsable'],
      unparsableReasons: ['not JSON'],
    });
  });
});
