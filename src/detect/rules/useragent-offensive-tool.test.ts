import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { classifyUserAgent } from '../../normalize/enrich/user-agent.js';
import { TOOL_SIGNATURES } from '../../normalize/enrich/user-agent-tools.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import { sampleRecord, sampleTime, sampleUserIdentity } from './samples.js';
import { useragentOffensiveTool as rule } from './useragent-offensive-tool.js';

const WORDS = rule.selector.userAgentContains ?? [];
const KEY = sampleUserIdentity('svc-reports', 'AKIAQEXAMPLELEAKED01');

function findings(records: readonly Record<string, unknown>[]) {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
  });
  const hits = records.flatMap(
    (r, index) => engine.evaluate(normalizeRecord(r, { file: 't', index }) as CloudEvent).hits,
  );
  return findingsFromHits(hits, [rule], engine, 60 * 60_000);
}

describe('useragent.offensive-tool', () => {
  it('is offered every user agent the classifier names a tool in', () => {
    for (const tool of TOOL_SIGNATURES)
      for (const needle of tool.needles)
        expect(
          WORDS.some((w) => needle.includes(w)),
          `${tool.name}: ${needle}`,
        ).toBe(true);
  });

  it('reports every tool the classifier knows', () => {
    for (const tool of TOOL_SIGNATURES) {
      const [finding] = findings([
        sampleRecord({ userIdentity: KEY, userAgent: `${tool.needles[0]}/1.0` }),
      ]);
      expect(finding?.details['tool'], tool.name).toBe(tool.name);
    }
  });

  it('rates stolen-key tools high and auditing tools medium', () => {
    const risk = (ua: string) =>
      findings([sampleRecord({ userIdentity: KEY, userAgent: ua })])[0]?.details['risk'];
    expect(risk('TruffleHog')).toBe('high');
    expect(risk('enumerate-iam/1.0 Boto3/1.34.0')).toBe('high');
    expect(risk('Boto3/1.35.0 Botocore/1.35.0 APN_1826889')).toBe('medium');
    expect(classifyUserAgent('Boto3/1.35.0 Botocore/1.35.0 APN_1826889').name).toBe('prowler');
  });

  it('says TruffleHog verified the key, and that a second run is not the first', () => {
    const run = (m: number) =>
      sampleRecord({
        userIdentity: KEY,
        userAgent: 'TruffleHog',
        eventTime: sampleTime('2025-03-04T09:00:00Z', m),
      });
    const [first, later] = findings([run(0), run(3 * 24 * 60)]);
    expect(first?.title).toBe(
      `TruffleHog verified AKIAQEXAMPLELEAKED01 of ${String(KEY['arn'])} from 203.0.113.45: the key has leaked`,
    );
    expect(first?.details).toMatchObject({ keyVerified: true, seenBefore: false });
    expect(later?.details).toMatchObject({ seenBefore: true });
  });

  it('carries the OS a tool ran on', () => {
    const ua = 'Scout Suite/5.12.0 Python/3.9.2 Linux/6.0.0-2parrot1-amd64 Scout Suite/5.12.0';
    const [finding] = findings([sampleRecord({ userIdentity: KEY, userAgent: ua })]);
    expect(finding?.details).toMatchObject({ tool: 'scoutsuite', os: ['parrot'], risk: 'medium' });
    expect(finding?.title).toBe(
      `ScoutSuite (auditing scanner) used by ${String(KEY['arn'])} from 203.0.113.45`,
    );
  });
});
