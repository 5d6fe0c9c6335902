import { describe, expect, it } from 'vitest';
import type { Finding } from '../core/index.js';
import { canaryContacts, raiseByCanaryContact, withCanaryContacts } from './correlate.js';

const finding = (o: Partial<Finding> & Pick<Finding, 'id' | 'rule'>): Finding => ({
  severity: 'medium',
  title: o.rule,
  time: '2025-03-01T10:00:00.000Z',
  eventIds: [`${o.id}-e`],
  source: 'cloudtrail',
  details: {},
  ...o,
});

describe('cross-correlation with the canaries', () => {
  const canary = finding({
    id: 'f-canary',
    rule: 'honeytoken.used',
    severity: 'critical',
    sourceIp: '198.51.100.23',
    tokenId: 'tok_1',
    time: '2025-03-01T10:05:00.000Z',
  });
  const sameIp = finding({
    id: 'f-1',
    rule: 'credentials.session-token-from-user',
    sourceIp: '198.51.100.23',
  });
  const listed = finding({
    id: 'f-2',
    rule: 'persistence.user-or-login-created',
    sourceIp: '203.0.113.9',
    details: { sourceIps: ['203.0.113.9', '198.51.100.23'] },
  });
  const other = finding({
    id: 'f-3',
    rule: 'credentials.session-token-from-user',
    sourceIp: '192.0.2.1',
  });
  const service = finding({
    id: 'f-4',
    rule: 'honeytoken.tampered',
    sourceIp: 'cloudformation.amazonaws.com',
  });
  const viaService = finding({
    id: 'f-5',
    rule: 'impact.unusual-instance-type',
    sourceIp: 'cloudformation.amazonaws.com',
  });

  it('raises every finding of an IP that touched a canary to at least high, and says which canary', () => {
    const raised = raiseByCanaryContact([other, sameIp, canary, listed, service, viaService]);
    expect(raised.map((f) => f.id).sort()).toEqual(['f-1', 'f-2']);
    for (const f of raised) {
      expect(f.severity).toBe('high');
      expect(f.details['canaryContact']).toMatchObject({
        sourceIp: '198.51.100.23',
        canaryFindingId: 'f-canary',
        tokenId: 'tok_1',
      });
      expect(String((f.details['canaryContact'] as { why: string }).why)).toContain('tok_1');
    }
  });

  it('never lowers a severity, leaves canary findings alone, and is idempotent', () => {
    const critical = { ...sameIp, severity: 'critical' as const };
    const once = withCanaryContacts([canary, critical]);
    expect(once[1]?.severity).toBe('critical');
    expect(once[0]).toEqual(canary);
    expect(raiseByCanaryContact(once)).toEqual([]);
  });

  it('takes the earliest canary finding of an IP, and ignores AWS service names', () => {
    const later = { ...canary, id: 'f-late', tokenId: 'tok_2', time: '2025-03-02T00:00:00.000Z' };
    const contacts = canaryContacts([later, canary, service]);
    expect(contacts.get('198.51.100.23')?.canaryFindingId).toBe('f-canary');
    expect(contacts.has('cloudformation.amazonaws.com')).toBe(false);
  });
});
