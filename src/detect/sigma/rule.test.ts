import { describe, expect, it } from 'vitest';
import { attackIds, describeSigmaHits, severityOfLevel, sigmaMeta } from './rule.js';
import type { SigmaRuleMeta } from './parse.js';

const meta: SigmaRuleMeta = {
  file: 'rules/aws_trail.yml',
  id: '4db60cc0-36fb-42b7-9b58-a5b53019fb74',
  title: 'Trail changed',
  level: 'High',
  tags: [
    'attack.defense-evasion',
    'attack.t1562.008',
    'attack.T1078',
    'attack.t1562.008',
    'cve.2024',
  ],
  references: ['https://example.test/ref'],
  falsepositives: ['change windows'],
};

describe('Sigma rules as Keysnare rules', () => {
  it('map level to severity (any case; none or unknown is medium) and tags to ATT&CK technique ids', () => {
    expect(
      ['informational', 'low', 'medium', 'HIGH', 'critical', undefined, 'odd'].map(severityOfLevel),
    ).toEqual(['info', 'low', 'medium', 'high', 'critical', 'medium', 'medium']);
    expect(attackIds(meta.tags)).toEqual(['T1562.008', 'T1078']);
    const m = sigmaMeta(meta);
    expect(m).toMatchObject({ id: `sigma.${meta.id}`, severity: 'high', source: 'cloudtrail' });
    expect(m.runbook.join(' ')).toContain('change windows');
  });

  it("describe hits with the rule's own words and who acted", () => {
    const hit = (principalArn: string) => ({
      rule: `sigma.${meta.id}`,
      groupKey: principalArn,
      eventId: 'e1',
      eventName: 'StopLogging',
      eventSource: 'cloudtrail.amazonaws.com',
      region: 'us-east-1',
      principalArn,
      sourceIp: '198.51.100.4',
    });
    const one = describeSigmaHits(meta, [hit('arn:aws:iam::111122223333:user/alice')]);
    expect(one.title).toBe('Trail changed: 1 event by arn:aws:iam::111122223333:user/alice');
    expect(one.details['sigma']).toMatchObject({
      file: meta.file,
      falsepositives: ['change windows'],
    });
    const two = describeSigmaHits(meta, [hit('arn:a'), hit('arn:b')]);
    expect(two.title).toBe('Trail changed: 2 events by 2 principals');
  });
});
