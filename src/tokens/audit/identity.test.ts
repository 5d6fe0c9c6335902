import { describe, expect, it } from 'vitest';
import { parseUserArn } from './identity.js';

describe('parseUserArn', () => {
  it.each([
    [
      'arn:aws:iam::123456789012:user/alice',
      { accountId: '123456789012', path: '/', userName: 'alice' },
    ],
    [
      'arn:aws:iam::123456789012:user/SpaceCrab/team/bob',
      { accountId: '123456789012', path: '/SpaceCrab/team/', userName: 'bob' },
    ],
    [
      'arn:aws-cn:iam::123456789012:user/c',
      { accountId: '123456789012', path: '/', userName: 'c' },
    ],
  ])('splits %s', (arn, parts) => {
    expect(parseUserArn(arn)).toEqual(parts);
  });

  it.each([
    'arn:aws:iam::123456789012:role/r',
    'arn:aws:sts::123456789012:assumed-role/r/s',
    'user/x',
    '',
  ])('rejects %s', (arn) => {
    expect(parseUserArn(arn)).toBeUndefined();
  });
});
