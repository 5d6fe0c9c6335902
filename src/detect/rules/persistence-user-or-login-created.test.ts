import { describe, expect, it } from 'vitest';
import { runRules } from '../../../test/helpers/rules.js';
import { persistenceUserOrLoginCreated as rule } from './persistence-user-or-login-created.js';
import { CANARY_SAMPLE_TOKEN as T, sampleIamCall, sampleTime } from './samples.js';

const T0 = '2025-04-02T01:20:00Z';
const createUser = (minutes: number, userAgent?: string) =>
  sampleIamCall({
    eventName: 'CreateUser',
    eventTime: sampleTime(T0, minutes),
    requestParameters: { userName: `u${minutes}` },
    ...(userAgent ? { userAgent } : {}),
  });

describe('persistence.user-or-login-created', () => {
  it('watches the console too when quietUserAgentClasses leaves it out', () => {
    const console = [createUser(0, 'AWS Internal'), createUser(1, 'console.amazonaws.com')];
    expect(runRules([rule], console)).toHaveLength(0);
    const watched = runRules([rule], console, {
      config: { quietUserAgentClasses: ['terraform'] },
    });
    expect(watched.map((f) => f.eventIds.length)).toEqual([2]);
  });

  it('rejects a user-agent class it does not know', () => {
    expect(() => runRules([rule], [], { config: { quietUserAgentClasses: ['cli'] } })).toThrow();
  });

  it('says whether the principal did it before within the lookback', () => {
    const found = runRules([rule], [createUser(0), createUser(3 * 24 * 60)]);
    expect(found.map((f) => f.details['firstTimeInLookback'])).toEqual([true, false]);
    expect(found[0]?.title).toBe(
      'CreateUser by arn:aws:iam::111122223333:user/alice for u0 from 203.0.113.45',
    );
  });

  it('leaves a password put on a canary user to honeytoken.tampered', () => {
    const onCanary = sampleIamCall({
      eventName: 'CreateLoginProfile',
      eventTime: T0,
      requestParameters: { userName: T.userName, passwordResetRequired: false },
    });
    expect(runRules([rule], [onCanary])).toHaveLength(1);
    expect(runRules([rule], [onCanary], { tokens: [T] })).toHaveLength(0);
  });
});
