import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/index.js';
import { findAws, parseAwsIpRanges } from './aws-ip-ranges.js';
import { AWS_IP_RANGES } from '../../fixtures/ip-data.js';
import { parseAddress } from './ip.js';

const at = (text: string, ip: string) => findAws(parseAwsIpRanges(text, 'f'), parseAddress(ip)!);

function reasonOf(text: string): string {
  try {
    parseAwsIpRanges(text, 'ip-ranges.json');
  } catch (err) {
    if (isAppError(err, 'KS_IP_DATA_INVALID')) return String(err.details['reason']);
    throw err;
  }
  throw new Error('expected KS_IP_DATA_INVALID');
}

describe('parseAwsIpRanges', () => {
  it('labels an address with its most specific service: longest prefix, any service over AMAZON', () => {
    expect(at(AWS_IP_RANGES, '198.51.7.7')).toEqual({ service: 'AMAZON', region: 'us-east-1' });
    expect(at(AWS_IP_RANGES, '198.51.100.7')).toEqual({ service: 'EC2', region: 'us-east-1' });
    expect(at(AWS_IP_RANGES, '198.51.100.200')?.service).toBe('EC2_INSTANCE_CONNECT');
    expect(at(AWS_IP_RANGES, '203.0.113.9')).toEqual({ service: 'CLOUDFRONT', region: 'GLOBAL' });
    expect(at(AWS_IP_RANGES, '2001:db8:1234::1')?.service).toBe('S3');
    expect(at(AWS_IP_RANGES, '2001:db8:2::1')?.service).toBe('AMAZON');
    expect(at(AWS_IP_RANGES, '192.0.2.1')).toBeUndefined();
    expect(at(AWS_IP_RANGES, '2001:db9::1')).toBeUndefined();
  });

  it('keeps the publication stamps and counts', () => {
    const r = parseAwsIpRanges(AWS_IP_RANGES, 'f');
    expect(r).toMatchObject({ prefixes: 6, ipv6Prefixes: 2, syncToken: '1735725600' });
    expect(r.createDate).toBe('2025-01-01-10-00-00');
  });

  it('names the file problem: not JSON, truncated, wrong shape, bad entry, empty', () => {
    expect(reasonOf('<html>503</html>')).toMatch(/^not JSON/);
    expect(reasonOf(AWS_IP_RANGES.slice(0, 300))).toMatch(/^not JSON/);
    expect(reasonOf('[]')).toBe('the document: expected an object with "prefixes", found object');
    expect(reasonOf('{"prefixes": {}}')).toBe(
      'prefixes: expected a list of prefixes, found object',
    );
    expect(
      reasonOf('{"prefixes": [{"ip_prefix": "1.2.3/8", "region": "x", "service": "EC2"}]}'),
    ).toBe('prefixes[0].ip_prefix: expected an IPv4 CIDR such as 3.5.140.0/22, found "1.2.3/8"');
    expect(reasonOf('{"prefixes": [{"ip_prefix": "1.2.3.0/24", "region": "x"}]}')).toBe(
      'prefixes[0].service: expected a name such as EC2 or us-east-1, found undefined',
    );
    expect(
      reasonOf(
        '{"prefixes": [], "ipv6_prefixes": [{"ipv6_prefix": "1.2.3.0/24", "region": "r", "service": "S"}]}',
      ),
    ).toMatch(/^ipv6_prefixes\[0\]\.ipv6_prefix: expected an IPv6 CIDR/);
    expect(reasonOf('{"prefixes": []}')).toBe('lists no prefixes');
  });

  it('refuses markup in service and region names rather than carrying it', () => {
    expect(
      reasonOf('{"prefixes": [{"ip_prefix": "1.2.3.0/24", "region": "<b>", "service": "EC2"}]}'),
    ).toBe('prefixes[0].region: expected a name such as EC2 or us-east-1, found "<b>"');
  });
});
