import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import { ruleConfigSchema } from '../rule-config.js';
import { sampleRecord, sampleTime, sampleUserIdentity } from './samples.js';
import { reconAccessDeniedBurst as rule } from './recon-access-denied-burst.js';

const T0 = '2025-03-04T09:00:00Z';
const KEY = sampleUserIdentity('svc-backup', 'AKIAQEXAMPLESTOLEN01');

function deniedCalls(services: readonly string[], seconds: number) {
  return services.map((s, i) =>
    sampleRecord({
      userIdentity: KEY,
      eventSource: `${s}.amazonaws.com`,
      eventName: `List${i}`,
      errorCode: 'AccessDenied',
      sourceIPAddress: '198.51.100.23',
      eventTime: sampleTime(T0, (i * seconds) / 60),
    }),
  );
}

function findings(records: readonly Record<string, unknown>[], options: object = {}) {
  const config = ruleConfigSchema(rule).parse({ ...options });
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
    ruleConfig: new Map([[rule.id, config]]),
  });
  const hits = records.flatMap(
    (r, index) => engine.evaluate(normalizeRecord(r, { file: 't', index }) as CloudEvent).hits,
  );
  return findingsFromHits(hits, [rule], engine, 60 * 60_000);
}

const THREE = ['iam', 's3', 'ec2'];
const tenOver = (services: readonly string[]) =>
  Array.from({ length: 10 }, (_, i) => services[i % services.length]!);

describe('recon.access-denied-burst thresholds', () => {
  it('fires at exactly ten denied calls over three services within ten minutes', () => {
    const [finding] = findings(deniedCalls(tenOver(THREE), 60));
    expect(finding?.eventIds).toHaveLength(10);
    expect(finding?.details).toMatchObject({
      deniedCalls: 10,
      distinctCalls: 10,
      services: ['ec2.amazonaws.com', 'iam.amazonaws.com', 's3.amazonaws.com'],
      errorCodes: ['AccessDenied'],
      sourceIp: '198.51.100.23',
    });
    expect(finding?.title).toBe(
      `10 denied calls across 3 services and 1 region by ${String(KEY['arn'])} from 198.51.100.23`,
    );
  });

  it('counts a repeated call once', () => {
    const repeats = [...deniedCalls(tenOver(THREE), 20), ...deniedCalls(tenOver(THREE), 20)];
    expect(findings(repeats)).toHaveLength(1);
    const same = deniedCalls(tenOver(THREE).slice(0, 3), 20);
    const retried = Array.from({ length: 5 }, () => same).flat();
    expect(findings(retried.map((r, i) => ({ ...r, eventID: `retry-${i}` })))).toHaveLength(0);
  });

  it('stays quiet at nine calls, or at ten over two services', () => {
    expect(findings(deniedCalls(tenOver(THREE).slice(0, 9), 60))).toHaveLength(0);
    expect(findings(deniedCalls(tenOver(['iam', 's3']), 60))).toHaveLength(0);
  });

  it('stays quiet when the ten calls need more than the window', () => {
    // Ten calls 70 s apart span 10.5 minutes: no ten-minute window holds them all.
    expect(findings(deniedCalls(tenOver(THREE), 70))).toHaveLength(0);
    expect(findings(deniedCalls(tenOver(THREE), 70), { windowMinutes: 11 })).toHaveLength(1);
  });

  it('takes its thresholds and error codes from the config', () => {
    const two = deniedCalls(tenOver(['iam', 's3']), 30);
    expect(findings(two, { minServices: 2 })).toHaveLength(1);
    expect(findings(two, { minServices: 2, errorCodes: ['Forbidden'] })).toHaveLength(0);
    expect(findings(two.slice(0, 5), { minServices: 2, minCalls: 5 })).toHaveLength(1);
  });
});
