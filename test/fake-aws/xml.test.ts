import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { errorEnvelope, escapeXml, isoSeconds, successEnvelope, textEl } from './xml.js';

describe('escapeXml', () => {
  it('escapes markup characters so names and messages cannot inject elements', () => {
    expect(textEl('Message', `a<b>&"c"'d`)).toBe(
      '<Message>a&lt;b&gt;&amp;&quot;c&quot;&apos;d</Message>',
    );
  });

  it('replaces characters XML cannot carry and keeps carriage returns', () => {
    expect(escapeXml('a\u0000b\u001Fc\rd')).toBe('a\uFFFDb\uFFFDc&#13;d');
  });

  it('never leaves a raw < or & in its output', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const out = escapeXml(s);
        expect(out).not.toMatch(/</);
        expect(out.replace(/&(amp|lt|gt|quot|apos|#13);/g, '')).not.toMatch(/&/);
      }),
    );
  });
});

describe('envelopes', () => {
  it('wraps results and request ids in the IAM namespace', () => {
    expect(successEnvelope('iam', 'GetUser', '<User/>', 'rid')).toBe(
      '<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User/></GetUserResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></GetUserResponse>',
    );
  });

  it('answers output-less operations with only ResponseMetadata', () => {
    expect(successEnvelope('iam', 'DeleteUser', undefined, 'r')).not.toContain('DeleteUserResult');
  });

  it('marks 5xx errors as Receiver and others as Sender, in the STS namespace for STS', () => {
    const err = errorEnvelope('sts', { code: 'ServiceFailure', message: 'x<y', status: 500 }, 'r1');
    expect(err).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>x&lt;y</Message></Error><RequestId>r1</RequestId></ErrorResponse>',
    );
    expect(
      errorEnvelope('iam', { code: 'NoSuchEntity', message: 'm', status: 404 }, 'r'),
    ).toContain('<Type>Sender</Type>');
  });

  it('renders timestamps without milliseconds', () => {
    expect(isoSeconds(new Date('2025-01-01T10:05:07.123Z'))).toBe('2025-01-01T10:05:07Z');
  });
});
