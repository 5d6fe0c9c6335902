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

describe('recon.access-denied-burst over files delivered late', () => {
  it("finds a burst split between two regions' files when the second comes 40 minutes late", () => {
    // Delivery order: the first region's file, then 12,000 denied calls of other keys 40 minutes
    // on, then the second region's file of the burst's minutes, delivered late. The state keeps
    // the first half for it (the lateness allowance, state/memory.ts): an eviction every 10,000
    // events behind the newest time less the rule's 20-minute retention dropped it.
    const first = deniedCalls(['iam', 's3', 'ec2', 'kms', 'sns'], 30);
    const later = Array.from({ length: 12_000 }, (_, i) =>
      sampleRecord({
        userIdentity: sampleUserIdentity(
          `dev-${i % 50}`,
          `AKIAQEXAMPLEDEV${String(i % 50).padStart(5, '0')}`,
        ),
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        errorCode: 'AccessDenied',
        sourceIPAddress: '192.0.2.10',
        eventTime: sampleTime(T0, 40 + i / 600),
      }),
    );
    const second = deniedCalls(['lambda', 'sqs', 'rds', 'dynamodb', 'logs'], 30).map((r, i) => ({
      ...r,
      eventName: `Describe${i}`,
      awsRegion: 'eu-west-1',
      eventID: `second-${i}`,
    }));
    const burst = findings([...first, ...later, ...second]).filter(
      (f) => f.details['sourceIp'] === '198.51.100.23',
    );
    expect(burst).toHaveLength(1);
    expect(burst[0]?.eventIds).toHaveLength(10);
  });
});
