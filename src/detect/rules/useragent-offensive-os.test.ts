import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../../core/index.js';
import { normalizeRecord } from '../../normalize/index.js';
import { createCanaryIndex } from '../canary-index.js';
import { createEngine } from '../engine.js';
import { findingsFromHits } from '../grouping.js';
import { sampleRecord, sampleTime, sampleUserIdentity } from './samples.js';
import { useragentOffensiveOs as rule } from './useragent-offensive-os.js';

const KALI = 'aws-cli/2.15.30 Python/3.11.8 Linux/6.6.9-amd64 exe/x86_64.kali.2024 prompt/off';
const T0 = '2025-03-04T09:00:00Z';
const DEV = sampleUserIdentity('dev-jane', 'AKIAQEXAMPLEJANE0001');

function findings(minutes: readonly number[]) {
  const engine = createEngine([rule], {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
  });
  const hits = minutes.flatMap((m, index) => {
    const raw = sampleRecord({ userIdentity: DEV, userAgent: KALI, eventTime: sampleTime(T0, m) });
    return engine.evaluate(normalizeRecord(raw, { file: 't', index }) as CloudEvent).hits;
  });
  return findingsFromHits(hits, [rule], engine, 60 * 60_000);
}

describe('useragent.offensive-os', () => {
  it('says the first finding is the first use in 14 days, and a later one is not', () => {
    const [first, later] = findings([0, 5, 24 * 60]);
    expect(first?.details).toMatchObject({ seenBefore: false, firstTimeIn14Days: true, calls: 2 });
    expect(first?.title).toBe(`Kali used by ${String(DEV['arn'])} from 203.0.113.45`);
    expect(later?.details).toMatchObject({
      seenBefore: true,
      lastSeenBefore: '2025-03-04T09:05:00.000Z',
    });
  });

  it('counts use more than 14 days earlier as a first time again', () => {
    const [, later] = findings([0, 15 * 24 * 60]);
    expect(later?.details).toMatchObject({ seenBefore: false, firstTimeIn14Days: true });
  });
});

describe('useragent.offensive-os details', () => {
  it('carry a hostile user agent as data, escapes and markup included', () => {
    const sample = rule.samples.match.find((s) => s.name.includes('terminal escapes'));
    const ua = String(sample?.events[0]?.['userAgent']);
    expect(ua).toContain('\u001b[2J');
    const engine = createEngine([rule], {
      canaries: createCanaryIndex([]),
      managementPrincipals: new Set(),
    });
    const ev = normalizeRecord(sample!.events[0]!, { file: 't', index: 0 }) as CloudEvent;
    const [finding] = findingsFromHits(engine.evaluate(ev).hits, [rule], engine, 60 * 60_000);
    expect(finding?.details).toMatchObject({ os: 'kali', userAgents: [ua] });
  });
});
