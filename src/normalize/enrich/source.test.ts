import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { classifySource, isDnsNameLike } from './source.js';

describe('classifySource', () => {
  it.each([
    ['203.0.113.45', 'ipv4'],
    ['0.0.0.0', 'ipv4'],
    ['255.255.255.255', 'ipv4'],
    ['10.1.2.3', 'ipv4'],
    ['2001:db8::1', 'ipv6'],
    ['::1', 'ipv6'],
    ['::ffff:203.0.113.45', 'ipv6'],
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', 'ipv6'],
    ['fe80::1%eth0', 'ipv6'],
    ['AWS Internal', 'aws-internal'],
    ['AWS Internal/3', 'aws-internal'],
    ['ec2.amazonaws.com', 'aws-service'],
    ['CloudFormation.AmazonAWS.com', 'aws-service'],
    ['ssm.us-east-1.amazonaws.com', 'aws-service'],
    ['build-7.corp.example.com', 'hostname'],
    ['evil.amazonaws.com.example.net', 'hostname'],
  ] as const)('classifies %s as %s', (input, kind) => {
    expect(classifySource(input)).toBe(kind);
  });

  it.each([
    ['256.1.1.1'],
    ['1.2.3'],
    ['1.2.3.4.5'],
    ['255.090.254.5'], // leading zero: octal to some parsers, would dodge string allow-lists
    ['1.2.3.999'],
    ['AWS Internal/x'],
    ['aws internal'],
    ['<script>alert(1)</script>'],
    ['-bad-.example.com'],
    ['localhost'],
    ['a'.repeat(300) + '.com'],
    [' 1.2.3.4'],
  ])('classifies %s as invalid', (input) => {
    expect(classifySource(input)).toBe('invalid');
  });

  it('reports missing for undefined and empty', () => {
    expect(classifySource(undefined)).toBe('missing');
    expect(classifySource('')).toBe('missing');
  });

  it('answers quickly on a 1 MB string', () => {
    expect(classifySource('1.'.repeat(500_000))).toBe('invalid');
    expect(classifySource('a.'.repeat(500_000))).toBe('invalid');
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(typeof classifySource(s)).toBe('string');
      }),
    );
  });
});

describe('isDnsNameLike', () => {
  it('accepts DNS names with a trailing dot and rejects numeric last labels', () => {
    expect(isDnsNameLike('example.com.')).toBe(true);
    expect(isDnsNameLike('1.2.3.4')).toBe(false);
    expect(isDnsNameLike('a..b')).toBe(false);
    expect(isDnsNameLike(`${'x'.repeat(64)}.com`)).toBe(false);
  });
});
