import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { credentialsSessionTokenFromUser as rule } from './credentials-session-token-from-user.js';
import { sampleRecord, sampleTime, sampleUserIdentity } from './samples.js';

const T0 = '2025-04-02T01:25:00Z';
const USER = sampleUserIdentity('dev-ravi', 'AKIAQEXAMPLERAVI0001');
const MFA = { serialNumber: 'arn:aws:iam::111122223333:mfa/dev-ravi' };
const call = (minutes: number, o: Parameters<typeof sampleRecord>[0] = {}) =>
  sampleRecord({
    userIdentity: USER,
    eventName: 'GetSessionToken',
    eventTime: sampleTime(T0, minutes),
    ...o,
  });

describe('credentials.session-token-from-user', () => {
  it('says the first time in the lookback, and names the earlier one after', () => {
    const found = runRules([rule], [call(0), call(2 * 24 * 60), call(45 * 24 * 60)]);
    expect(found.map((f) => f.details['firstTimeInLookback'])).toEqual([true, false, true]);
    expect(found[0]?.title).toBe(
      'GetSessionToken by arn:aws:iam::111122223333:user/dev-ravi from 203.0.113.45 (first time in 30 days)',
    );
    expect(found[1]?.title).not.toContain('first time');
    expect(found[1]?.details['lastSeenBefore']).toBe('2025-04-02T01:25:00.000Z');
    const longer = runRules([rule], [call(0), call(45 * 24 * 60)], {
      config: { lookbackDays: 60 },
    });
    expect(longer.map((f) => f.details['firstTimeInLookback'])).toEqual([true, false]);
  });

  it('reports MFA sessions too when quietWithMfa is false', () => {
    const mfa = [call(0, { requestParameters: MFA })];
    expect(runRules([rule], mfa)).toHaveLength(0);
    const [f] = runRules([rule], mfa, { config: { quietWithMfa: false } });
    expect(f?.details).toMatchObject({ withMfa: true, succeeded: true });
  });

  it("reports root's long-term key, and stays quiet for AWS services", () => {
    const root = {
      type: 'Root',
      principalId: '111122223333',
      arn: 'arn:aws:iam::111122223333:root',
      accountId: '111122223333',
      accessKeyId: 'AKIAQEXAMPLEROOT0001',
    };
    expect(runRules([rule], [call(0, { userIdentity: root })])).toHaveLength(1);
    const viaService = call(0, {
      userIdentity: { ...USER, invokedBy: 'cloudformation.amazonaws.com' },
      sourceIPAddress: 'cloudformation.amazonaws.com',
    });
    expect(runRules([rule], [viaService])).toHaveLength(0);
  });
});
