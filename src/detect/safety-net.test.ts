import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Token } from '../core/index.js';
import { findingId } from './grouping.js';
import {
  DEFAULT_SAFETY_NET_GRANULARITY_MS,
  evaluateSafetyNet,
  SAFETY_NET_RULE,
  type LastUseObservation,
  type SafetyNetInput,
} from './safety-net.js';

const TOKEN: Token = {
  id: 'tok_safetynet0001',
  accessKeyId: 'AKIAQEXAMPLECANARY01',
  userName: 'svc-billing-prod',
  userArn: 'arn:aws:iam::111122223333:user/svc-billing-prod',
  accountId: '111122223333',
  label: 'build-7 credentials',
  placement: { host: 'build-7', path: '~/.aws/credentials', owner: 'platform-team' },
  status: 'active',
  origin: 'minted',
  createdAt: '2026-01-01T00:00:00.000Z',
};
const OTHER: Token = { ...TOKEN, id: 'tok_safetynet0002', accessKeyId: 'AKIAQEXAMPLECANARY02' };

const MIN = 60_000;
const USED = '2026-03-02T10:30:00.000Z';
const usedMs = Date.parse(USED);

const obs = (over: Partial<LastUseObservation> = {}): LastUseObservation => ({
  tokenId: TOKEN.id,
  accessKeyId: TOKEN.accessKeyId,
  lastUsedDate: USED,
  service: 'sts',
  region: 'us-east-1',
  via: 'GetAccessKeyLastUsed',
  ...over,
});

const input = (over: Partial<SafetyNetInput> = {}): SafetyNetInput => ({
  tokens: [TOKEN],
  observations: [obs()],
  lastCloudTrail: new Map(),
  alreadyAlerted: new Map(),
  granularityMs: DEFAULT_SAFETY_NET_GRANULARITY_MS,
  ...over,
});

describe('evaluateSafetyNet', () => {
  it('alerts on the first use ever when CloudTrail never showed the key', () => {
    const r = evaluateSafetyNet(input());
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.details).toMatchObject({ lastCloudTrailTime: null, gapMinutes: null });
    expect(r.alerted).toEqual(new Map([[TOKEN.id, USED]]));
    expect([r.checked, r.unchanged]).toEqual([1, 0]);
  });

  it('alerts on a later use only once: the returned map silences the same last-used time', () => {
    const first = evaluateSafetyNet(input());
    expect(first.findings).toHaveLength(1);
    const second = evaluateSafetyNet(input({ alreadyAlerted: first.alerted }));
    expect(second.findings).toEqual([]);
    expect([second.checked, second.unchanged]).toEqual([1, 1]);
    const older = evaluateSafetyNet(
      input({
        alreadyAlerted: first.alerted,
        observations: [obs({ lastUsedDate: '2026-03-02T09:00:00Z' })],
      }),
    );
    expect(older.findings).toEqual([]);
    const later = evaluateSafetyNet(
      input({
        alreadyAlerted: first.alerted,
        observations: [obs({ lastUsedDate: '2026-03-02T11:00:00Z' })],
      }),
    );
    expect(later.findings.map((f) => f.time)).toEqual(['2026-03-02T11:00:00.000Z']);
  });

  it('does not alert when the use is within 15 minutes after the latest CloudTrail event', () => {
    for (const minutesBefore of [0, 1, 15]) {
      const seen = new Map([[TOKEN.id, usedMs - minutesBefore * MIN]]);
      const r = evaluateSafetyNet(input({ lastCloudTrail: seen }));
      expect(r.findings, `${minutesBefore} min`).toEqual([]);
      expect(r.alerted.size).toBe(0);
      expect([r.checked, r.unchanged]).toEqual([1, 1]);
    }
    const laterInCloudTrail = new Map([[TOKEN.id, usedMs + 60 * MIN]]);
    expect(evaluateSafetyNet(input({ lastCloudTrail: laterInCloudTrail })).findings).toEqual([]);
  });

  it('alerts when the use is 16 minutes after the latest CloudTrail event', () => {
    const seen = usedMs - 16 * MIN;
    const r = evaluateSafetyNet(input({ lastCloudTrail: new Map([[TOKEN.id, seen]]) }));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.details).toMatchObject({
      lastCloudTrailTime: new Date(seen).toISOString(),
      gapMinutes: 16,
    });
  });

  it('honours the configured granularity', () => {
    const seen = new Map([[TOKEN.id, usedMs - 16 * MIN]]);
    expect(
      evaluateSafetyNet(input({ lastCloudTrail: seen, granularityMs: 20 * MIN })).findings,
    ).toEqual([]);
    expect(() => evaluateSafetyNet(input({ granularityMs: -1 }))).toThrow(RangeError);
  });

  it('takes the latest of several observations: API and report, both key slots', () => {
    const observations = [
      obs({ lastUsedDate: '2026-03-02T08:00:00.000Z', via: 'credential-report' }),
      // S3 is not regional: the report's region is N/A, so the observation has none.
      {
        tokenId: TOKEN.id,
        accessKeyId: TOKEN.accessKeyId,
        lastUsedDate: '2026-03-02T12:00:00.000Z',
        service: 's3',
        via: 'credential-report' as const,
      },
      obs({ lastUsedDate: '2026-03-02T11:00:00.000Z' }),
      obs({ lastUsedDate: 'not a time' }),
    ];
    const r = evaluateSafetyNet(input({ observations }));
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f.time).toBe('2026-03-02T12:00:00.000Z');
    expect(f.regions).toEqual([]);
    expect(f.details).toMatchObject({ via: 'credential-report', service: 's3', region: null });
    expect(f.title).toBe(
      'Canary key AKIAQEXAMPLECANARY01 (build-7 credentials) used without a CloudTrail record (last used 2026-03-02T12:00:00.000Z via s3)',
    );
  });

  it('prefers the observation that says more when two report the same time, in any order', () => {
    const bare: LastUseObservation = {
      tokenId: TOKEN.id,
      accessKeyId: TOKEN.accessKeyId,
      lastUsedDate: '2026-03-02T10:30:00+00:00',
      via: 'credential-report',
    };
    const rich = obs();
    fc.assert(
      fc.property(fc.boolean(), (flip) => {
        const r = evaluateSafetyNet(input({ observations: flip ? [bare, rich] : [rich, bare] }));
        expect(r.findings[0]?.details).toMatchObject({
          service: 'sts',
          via: 'GetAccessKeyLastUsed',
        });
      }),
    );
  });

  it('checks only tokens with observations, each once, retired ones included', () => {
    const retired: Token = { ...OTHER, status: 'retired', retiredAt: '2026-02-01T00:00:00.000Z' };
    const third: Token = { ...TOKEN, id: 'tok_safetynet0003' };
    const r = evaluateSafetyNet(
      input({
        tokens: [TOKEN, retired, third, TOKEN],
        observations: [
          obs(),
          obs({ tokenId: retired.id, accessKeyId: retired.accessKeyId }),
          obs({ tokenId: 'tok_unknown' }),
        ],
      }),
    );
    expect(r.checked).toBe(2);
    expect(r.findings.map((f) => f.tokenId).sort()).toEqual([TOKEN.id, retired.id]);
    expect(r.findings.find((f) => f.tokenId === retired.id)?.details['tokenStatus']).toBe(
      'retired',
    );
  });

  it('returns what was alerted before along with the new alerts', () => {
    const before = new Map([[OTHER.id, '2026-01-05T00:00:00.000Z']]);
    const r = evaluateSafetyNet(input({ alreadyAlerted: before }));
    expect(r.alerted).toEqual(
      new Map([
        [OTHER.id, '2026-01-05T00:00:00.000Z'],
        [TOKEN.id, USED],
      ]),
    );
    expect(before.size).toBe(1);
  });

  it('builds a finding that keeps the finding contract', () => {
    const seen = usedMs - 40 * MIN;
    const [f] = evaluateSafetyNet(input({ lastCloudTrail: new Map([[TOKEN.id, seen]]) })).findings;
    expect(f).toEqual({
      id: findingId('honeytoken.unlogged-use', TOKEN.id, USED),
      rule: 'honeytoken.unlogged-use',
      severity: 'critical',
      title:
        'Canary key AKIAQEXAMPLECANARY01 (build-7 credentials) used without a CloudTrail record (last used 2026-03-02T10:30:00.000Z via sts in us-east-1)',
      time: USED,
      eventIds: [],
      accessKeyId: TOKEN.accessKeyId,
      principalArn: TOKEN.userArn,
      accountId: '111122223333',
      regions: ['us-east-1'],
      eventNames: [],
      tokenId: TOKEN.id,
      source: 'safety-net',
      details: {
        lastUsedDate: USED,
        service: 'sts',
        region: 'us-east-1',
        via: 'GetAccessKeyLastUsed',
        lastCloudTrailTime: new Date(seen).toISOString(),
        gapMinutes: 40,
        placement: TOKEN.placement,
        placementText:
          'key AKIAQEXAMPLECANARY01 placed on build-7 in ~/.aws/credentials by platform-team',
        tokenLabel: 'build-7 credentials',
        tokenStatus: 'active',
        note: 'found by the Safety Net: IAM last-used data shows use that CloudTrail did not record (unlogged API, data event, or trail gap)',
      },
    });
    expect(new Date(f!.time).toISOString()).toBe(f!.time);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });

  it('normalizes the last-used time so the same instant gets the same finding id', () => {
    const a = evaluateSafetyNet(
      input({ observations: [obs({ lastUsedDate: '2026-03-02T10:30:00Z' })] }),
    );
    const b = evaluateSafetyNet(
      input({ observations: [obs({ lastUsedDate: '2026-03-02T11:30:00+01:00' })] }),
    );
    expect(a.findings[0]?.id).toBe(b.findings[0]?.id);
    expect(a.findings[0]?.time).toBe(USED);
  });

  it('carries metadata with a runbook and ATT&CK ids', () => {
    expect(SAFETY_NET_RULE.id).toBe('honeytoken.unlogged-use');
    expect(SAFETY_NET_RULE.severity).toBe('critical');
    expect(SAFETY_NET_RULE.runbook.length).toBeGreaterThan(2);
    expect(SAFETY_NET_RULE.attack).toEqual(['T1552.001', 'T1078.004']);
  });

  it('alerts at most once per token and only past the granularity, whatever the input', () => {
    const arb = fc.record({
      used: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 1, maxLength: 4 }),
      seen: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(arb, ({ used, seen }) => {
        const observations = used.map((m) =>
          obs({ lastUsedDate: new Date(usedMs + m * MIN).toISOString() }),
        );
        const lastCloudTrail = new Map(seen === undefined ? [] : [[TOKEN.id, usedMs + seen * MIN]]);
        const r = evaluateSafetyNet(input({ observations, lastCloudTrail }));
        const latest = Math.max(...used);
        const expected = seen === undefined || latest - seen > 15 ? 1 : 0;
        expect(r.findings).toHaveLength(expected);
        const again = evaluateSafetyNet(
          input({ observations, lastCloudTrail, alreadyAlerted: r.alerted }),
        );
        expect(again.findings).toEqual([]);
      }),
    );
  });
});
