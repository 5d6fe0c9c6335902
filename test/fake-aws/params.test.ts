import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Params, parseForm, toRequestParameters } from './params.js';

describe('parseForm', () => {
  it('decodes percent-encoding and + as space', () => {
    const fields = parseForm('Action=CreateUser&Path=%2Fsvc%2F&UserName=a+b&Empty=&Flag');
    expect(Object.fromEntries(fields)).toEqual({
      Action: 'CreateUser',
      Path: '/svc/',
      UserName: 'a b',
      Empty: '',
      Flag: '',
    });
  });

  it('rejects malformed percent-encoding with MalformedQueryString', () => {
    expect(() => parseForm('UserName=%E0%A4%A')).toThrow(
      expect.objectContaining({ code: 'MalformedQueryString' }),
    );
  });
});

describe('Params', () => {
  const params = new Params(
    parseForm(
      'Tags.member.2.Key=b&Tags.member.2.Value=2&Tags.member.1.Key=a&Tags.member.1.Value=1&TagKeys.member.1=x&MaxItems=5',
    ),
  );

  it('flattens .member.N lists in N order', () => {
    expect(params.members('Tags')).toEqual([
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    expect(params.members('TagKeys')).toEqual([{ '': 'x' }]);
  });

  it('validates integers against their range', () => {
    expect(params.int('MaxItems', 1, 1000, 100)).toBe(5);
    expect(params.int('Missing', 1, 1000, 100)).toBe(100);
    expect(() => new Params(parseForm('MaxItems=0')).int('MaxItems', 1, 1000, 100)).toThrow(
      expect.objectContaining({ code: 'ValidationError' }),
    );
  });

  it('reports a missing required member in lowerCamelCase', () => {
    expect(() => params.require('UserName')).toThrow(/Value null at 'userName'/);
  });
});

describe('toRequestParameters', () => {
  it('nests lists and lower-cases the first letter of each name, dropping Action and Version', () => {
    const fields = parseForm(
      'Action=CreateUser&Version=2010-05-08&UserName=u&Path=%2F&Tags.member.1.Key=k&Tags.member.1.Value=v&DurationSeconds=900',
    );
    expect(toRequestParameters(fields)).toEqual({
      userName: 'u',
      path: '/',
      tags: [{ key: 'k', value: 'v' }],
      durationSeconds: 900,
    });
  });

  it('is null when the call has no parameters', () => {
    expect(
      toRequestParameters(parseForm('Action=GetCallerIdentity&Version=2011-06-15')),
    ).toBeNull();
  });

  it('never lets hostile parameter names reach an object prototype', () => {
    const out = toRequestParameters(
      parseForm('__proto__.polluted=1&constructor.prototype.x=2&A=1'),
    );
    expect(out).toEqual({ a: '1' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('accepts any form text without throwing anything but an AWS fault', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          toRequestParameters(parseForm(s));
        } catch (err) {
          expect(err).toMatchObject({ code: 'MalformedQueryString' });
        }
      }),
    );
  });
});
