import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { persistenceAccessKeyForOtherUser as rule } from './persistence-access-key-for-other-user.js';
import { CANARY_SAMPLE_TOKEN as T, sampleIamCall, sampleRoleIdentity } from './samples.js';

const forUser = (userName: string, more: Record<string, unknown> = {}) =>
  sampleIamCall({
    eventName: 'CreateAccessKey',
    eventTime: '2025-04-02T01:17:00Z',
    requestParameters: { userName },
    responseElements: { accessKey: { accessKeyId: 'AKIAQEXAMPLENEWKEY09', status: 'Active' } },
    ...more,
  });

describe('persistence.access-key-for-other-user', () => {
  it('leaves a key made for a canary user to honeytoken.tampered', () => {
    expect(runRules([rule], [forUser(T.userName ?? '')])).toHaveLength(1);
    expect(runRules([rule], [forUser(T.userName ?? '')], { tokens: [T] })).toHaveLength(0);
  });

  it('reports a CloudFormation stack making a key, saying which service, unless allow-listed', () => {
    const stack = forUser('app-smtp', {
      actor: {
        ...sampleRoleIdentity('cfn-exec', 'AWSCloudFormation'),
        invokedBy: 'cloudformation.amazonaws.com',
      },
      sourceIPAddress: 'cloudformation.amazonaws.com',
    });
    const [f] = runRules([rule], [stack]);
    expect(f?.details).toMatchObject({
      callerKind: 'role session',
      fromRoleSession: true,
      invokedBy: 'cloudformation.amazonaws.com',
      newAccessKeyIds: ['AKIAQEXAMPLENEWKEY09'],
      targetUsers: ['app-smtp'],
    });
    const allow = { principals: ['arn:aws:iam::111122223333:role/cfn-exec'] };
    expect(runRules([rule], [stack], { config: { allow } })).toHaveLength(0);
  });
});
