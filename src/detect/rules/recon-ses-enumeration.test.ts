import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import { ruleConfigSchema } from '../rule-config.js';
import { sampleRecord, sampleRoleIdentity, sampleTime, sampleUserIdentity } from './samples.js';
import { reconSesEnumeration as rule } from './recon-ses-enumeration.js';

const T0 = '2025-03-04T09:00:00Z';

function call(
  who: Record<string, unknown>,
  eventName: string,
  minute: number,
  region = 'us-east-1',
) {
  return sampleRecord({
    userIdentity: who,
    eventSource: 'ses.amazonaws.com',
    eventName,
    awsRegion: region,
    sourceIPAddress: '198.51.100.23',
    userAgent: 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0',
    eventTime: sampleTime(T0, minute),
  });
}

function findings(records: readonly Record<string, unknown>[], options: object = {}) {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
    ruleConfig: new Map([[rule.id, ruleConfigSchema(rule).parse(options)]]),
  });
  const hits = records.flatMap(
    (r, index) => engine.evaluate(normalizeRecord(r, { file: 't', index }) as CloudEvent).hits,
  );
  return findingsFromHits(hits, [rule], engine, 60 * 60_000);
}

describe('recon.ses-enumeration', () => {
  it("never counts a role session's sends, but counts a long-term key's", () => {
    const mail = (who: Record<string, unknown>) => [
      call(who, 'GetSendQuota', 0),
      ...[1, 2, 3].map((m) => call(who, 'SendEmail', m)),
    ];
    const role = sampleRoleIdentity('mailer', 'ecs-1');
    const user = sampleUserIdentity('svc-mail', 'AKIAQEXAMPLEMAILER01');
    expect(findings(mail(role), { minCalls: 2 })).toHaveLength(0);
    const [finding] = findings(mail(user), { minCalls: 2 });
    expect(finding?.eventIds).toHaveLength(4);
    expect(finding?.details).toMatchObject({ sends: 3, calls: ['GetSendQuota'], regions: 1 });
    expect(finding?.title).toBe(
      'SES reconnaissance and sending by arn:aws:iam::111122223333:user/svc-mail in us-east-1',
    );
  });

  it('says how many regions the reconnaissance spanned', () => {
    const key = sampleUserIdentity('svc-3', 'AKIAQEXAMPLESTOLEN03');
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1'];
    const [finding] = findings(regions.map((r, i) => call(key, 'GetSendQuota', i, r)));
    expect(finding?.details).toMatchObject({ regions: 5, calls: ['GetSendQuota'], sends: 0 });
    expect(finding?.title).toBe(
      'SES reconnaissance by arn:aws:iam::111122223333:user/svc-3 across 5 regions',
    );
  });

  it('does not count a region it does not know', () => {
    const key = sampleUserIdentity('svc-3', 'AKIAQEXAMPLESTOLEN03');
    const odd = ['us-east-1', 'us-west-2', 'xx-fake-9'].map((r, i) =>
      call(key, 'GetSendQuota', i, r),
    );
    expect(findings(odd)).toHaveLength(0);
  });
});
