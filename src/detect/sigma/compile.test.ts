import { describe, expect, it } from 'vitest';
import type { SigmaDetectionRule } from './parse.js';
import { parseSigma } from './parse.js';
import { compileSigma, SigmaCompileError, valuesAt } from './compile.js';

/** A CloudTrail rule with this detection block (YAML, indented by two). */
function compiled(detection: string) {
  const text = `title: Test rule\nid: 5e1f0000-0000-4000-8000-000000000001\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n${detection}`;
  const [rule] = parseSigma(text, 'test.yml');
  return compileSigma(rule as SigmaDetectionRule);
}

const ev = (over: Record<string, unknown>): Record<string, unknown> => ({
  eventVersion: '1.09',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice' },
  ...over,
});

describe('compiled Sigma rules', () => {
  it('match an equality list, OR-ed, and pin the event names they can match', () => {
    const r = compiled(
      '  selection:\n    eventName:\n      - StopLogging\n      - DeleteTrail\n  condition: selection\n',
    );
    expect(r.matches(ev({ eventName: 'DeleteTrail' }))).toBe(true);
    expect(r.matches(ev({ eventName: 'StartLogging' }))).toBe(false);
    expect([...(r.eventNames ?? [])]).toEqual(['stoplogging', 'deletetrail']);
    expect(r.eventSources).toBeUndefined();
  });

  it('treat a filter with not as holding when its field is absent', () => {
    const r = compiled(
      '  selection:\n    eventName: CreateUser\n  filter:\n    userIdentity.invokedBy: cloudformation.amazonaws.com\n  condition: selection and not filter\n',
    );
    expect(r.matches(ev({}))).toBe(true);
    const byCfn = ev({
      userIdentity: { type: 'AssumedRole', invokedBy: 'cloudformation.amazonaws.com' },
    });
    expect(r.matches(byCfn)).toBe(false);
  });

  it('match contains on a nested object as a substring of its compact JSON', () => {
    const r = compiled(
      '  selection:\n    eventName: PutBucketPolicy\n    requestParameters|contains: \'"Principal":"*"\'\n  condition: selection\n',
    );
    const open = {
      bucketName: 'b',
      bucketPolicy: { Statement: [{ Effect: 'Allow', Principal: '*' }] },
    };
    expect(r.matches(ev({ eventName: 'PutBucketPolicy', requestParameters: open }))).toBe(true);
    const closed = { bucketName: 'b', bucketPolicy: { Statement: [{ Principal: { AWS: 'x' } }] } };
    expect(r.matches(ev({ eventName: 'PutBucketPolicy', requestParameters: closed }))).toBe(false);
  });

  it('compare without case by default (CloudTrail writes MFAUsed "No"), with |cased when asked', () => {
    const r = compiled(
      "  selection:\n    additionalEventData.MFAUsed: 'NO'\n  condition: selection\n",
    );
    expect(r.matches(ev({ additionalEventData: { MFAUsed: 'No' } }))).toBe(true);
    const c = compiled(
      "  selection:\n    additionalEventData.MFAUsed|cased: 'NO'\n  condition: selection\n",
    );
    expect(c.matches(ev({ additionalEventData: { MFAUsed: 'No' } }))).toBe(false);
  });

  it('honour wildcards and their escapes, a re, a fieldref and a null check', () => {
    const star = compiled(
      "  selection:\n    requestParameters.userName: 'ad\\*min*'\n  condition: selection\n",
    );
    expect(star.matches(ev({ requestParameters: { userName: 'ad*min-2' } }))).toBe(true);
    expect(star.matches(ev({ requestParameters: { userName: 'adXmin' } }))).toBe(false);
    const re = compiled(
      "  selection:\n    userAgent|re|i: 'kali|parrot'\n  condition: selection\n",
    );
    expect(re.matches(ev({ userAgent: 'aws-cli/2 distrib#KALI.2024' }))).toBe(true);
    expect(re.matches(ev({ userAgent: 'aws-cli/2 ubuntu' }))).toBe(false);
    const self = compiled(
      '  selection:\n    requestParameters.userName|fieldref: userIdentity.userName\n  condition: selection\n',
    );
    const own = ev({
      userIdentity: { userName: 'alice' },
      requestParameters: { userName: 'ALICE' },
    });
    expect(self.matches(own)).toBe(true);
    expect(
      self.matches(
        ev({ userIdentity: { userName: 'alice' }, requestParameters: { userName: 'bob' } }),
      ),
    ).toBe(false);
    const none = compiled('  selection:\n    errorCode: null\n  condition: selection\n');
    expect(none.matches(ev({}))).toBe(true);
    expect(none.matches(ev({ errorCode: 'AccessDenied' }))).toBe(false);
  });

  it('read dotted paths through arrays, and keyword searches over the whole record', () => {
    expect(valuesAt({ resources: [{ ARN: 'a' }, { ARN: 'b' }] }, 'resources.ARN')).toEqual([
      'a',
      'b',
    ]);
    // A key holding dots is found before the shorter key; '' is the whole record; deeper arrays.
    expect(valuesAt({ 'a.b': 1, a: { b: 2 } }, 'a.b')).toBe(1);
    expect(valuesAt({ a: { 'b.c': 3, b: { c: 4 } } }, 'a.b.c')).toBe(3);
    expect(valuesAt({ a: 1 }, '')).toEqual({ a: 1 });
    expect(valuesAt({ a: { b: [{ c: [1, 2] }, { c: 3 }] } }, 'a.b.c')).toEqual([1, 2, 3]);
    expect(valuesAt({ a: { b: null } }, 'a.b.c')).toBeUndefined();
    const both = compiled(
      "  selection:\n    '|all':\n      - alice\n      - CreateUser\n  condition: selection\n",
    );
    expect(both.matches(ev({}))).toBe(true);
    expect(both.matches(ev({ eventName: 'DeleteUser' }))).toBe(false);
    const arn = compiled(
      "  selection:\n    resources.ARN|endswith: ':role/admin'\n  condition: selection\n",
    );
    expect(
      arn.matches(ev({ resources: [{ ARN: 'x' }, { ARN: 'arn:aws:iam::1:role/admin' }] })),
    ).toBe(true);
    const kw = compiled('  keywords:\n    - pacu\n  condition: keywords\n');
    expect(kw.matches(ev({ userAgent: 'Pacu/1.2' }))).toBe(true);
    expect(kw.matches(ev({}))).toBe(false);
  });

  it('name the search and where it is when an item does not compile', () => {
    expect(() =>
      compiled('  selection:\n    eventName|nosuch: x\n  condition: selection\n'),
    ).toThrow(SigmaCompileError);
    expect(() =>
      compiled('  selection:\n    eventName|nosuch: x\n  condition: selection\n'),
    ).toThrow(/test\.yml:7:\d+: selection: .*nosuch/);
    expect(() =>
      compiled('  selection:\n    eventName: x\n  condition: selection and missing\n'),
    ).toThrow(/condition: .*"missing"/);
  });
});
