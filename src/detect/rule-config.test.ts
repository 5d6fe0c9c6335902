import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../core/index.js';
import { allowListMatcher, ruleConfigSchema } from './rule-config.js';
import { rules } from './rules/index.js';

const enumeration = rules.find((r) => r.id === 'recon.key-enumeration')!;

function ev(over: Partial<CloudEvent>): CloudEvent {
  return {
    eventId: 'e1',
    eventName: 'GetCallerIdentity',
    eventSource: 'sts.amazonaws.com',
    region: 'us-east-1',
    regionKnown: true,
    identity: { arn: 'arn:aws:iam::111122223333:user/dev', accountId: '111122223333' },
    sourceKind: 'ipv4',
    sourceIp: '198.51.100.7',
    userAgentClass: 'aws-cli',
    origin: { file: 'f', index: 0 },
    ...over,
  };
}

describe('rule configuration', () => {
  it('parses a rule entry with its own options and the shared ones', () => {
    const c = ruleConfigSchema(enumeration).parse({ minKeys: 5, allow: { cidrs: ['10.0.0.0/8'] } });
    expect(c).toMatchObject({ enabled: true, options: { minKeys: 5, windowMinutes: 15 } });
    expect(c.allow.cidrs).toEqual(['10.0.0.0/8']);
  });

  it('reports unknown options, bad CIDRs and bad patterns with their paths', () => {
    const r = ruleConfigSchema(enumeration).safeParse({
      minKey: 5,
      allow: { cidrs: ['10.0.0.0/33'], userAgents: ['('] },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join('.')).sort();
    expect(paths).toEqual(['', 'allow.cidrs.0', 'allow.userAgents.0']);
  });

  it('allow-lists by CIDR, user agent, principal pattern and account', () => {
    const allowed = allowListMatcher({
      cidrs: ['10.1.0.0/16', '2001:db8::/32'],
      userAgents: ['^prowler'],
      principals: ['arn:aws:iam::*:role/security-audit'],
      accounts: ['444455556666'],
    });
    expect(allowed(ev({ sourceIp: '10.1.200.3' }))).toBe(true);
    expect(allowed(ev({ sourceIp: '10.2.0.1' }))).toBe(false);
    expect(allowed(ev({ sourceIp: '2001:db8::1', sourceKind: 'ipv6' }))).toBe(true);
    expect(allowed(ev({ userAgent: 'Prowler/4.2 boto3' }))).toBe(true);
    expect(
      allowed(ev({ identity: { issuerArn: 'arn:aws:iam::123456789012:role/security-audit' } })),
    ).toBe(true);
    expect(
      allowed(ev({ identity: { arn: 'arn:aws:iam::123456789012:role/security-audit-x' } })),
    ).toBe(false);
    expect(allowed(ev({ identity: { accountId: '444455556666' } }))).toBe(true);
    expect(allowed(ev({}))).toBe(false);
  });
});
