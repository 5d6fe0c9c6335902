import { describe, expect, it } from 'vitest';
import { isAppError } from '../../core/errors.js';
import { policyStyle } from './policy-style.js';

const doc = (...statements: object[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('policyStyle', () => {
  it.each([
    [
      doc({ Effect: 'Deny', Action: '*', Resource: '*' }),
      { allows: false, denies: true, deniesAll: true },
    ],
    [
      doc({ Effect: 'Deny', Action: ['*:*'], Resource: ['*'] }),
      { allows: false, denies: true, deniesAll: true },
    ],
    [
      doc({ Effect: 'Deny', Action: 's3:*', Resource: '*' }),
      { allows: false, denies: true, deniesAll: false },
    ],
    [
      doc({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
      { allows: false, denies: true, deniesAll: false },
    ],
    [
      doc({ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }),
      { allows: true, denies: false, deniesAll: false },
    ],
    [
      JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }),
      { allows: true, denies: false, deniesAll: false },
    ],
  ])('classifies %s', (text, style) => {
    expect(policyStyle('p', text)).toEqual(style);
  });

  it.each(['not json', '[]', 'null'])('refuses %s with KS_INPUT_INVALID', (text) => {
    expect(() => policyStyle('p', text)).toThrow(
      expect.objectContaining({ code: 'KS_INPUT_INVALID' }),
    );
    try {
      policyStyle('p', text);
    } catch (err) {
      expect(isAppError(err, 'KS_INPUT_INVALID')).toBe(true);
    }
  });
});
