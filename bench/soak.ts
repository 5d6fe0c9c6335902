/**
 * The alerting soak's data (test/alert-soak.test.ts and bench/alerts.ts, `npm run bench:alerts`): 10,000 findings of
 * 1,000 principals over ten runs. Each principal has five findings (five rules) in each of two
 * consecutive runs, an hour apart, so each makes one incident, opened in its first run and
 * updated in its second.
 */
import type { Finding, WorkspaceStore } from '../src/core/index.js';
import type { AlertingDeps } from '../src/pipeline/alerting.js';

/** The soak's shape. */
export const SOAK = { principals: 1000, runs: 10, perBatch: 5 } as const;

const RULES = [
  'useragent.offensive-os',
  'recon.access-denied-burst',
  'anomaly.first-seen-api',
  'persistence.user-or-login-created',
  'impact.multi-region-compute',
];

/** The findings of run `b`: principals p with p % 10 in {b, b - 1}, five findings each. */
export function* soakBatches(): Generator<Finding[]> {
  for (let b = 0; b < SOAK.runs; b++) {
    const out: Finding[] = [];
    const hour = String(b).padStart(2, '0');
    for (let p = 0; p < SOAK.principals; p++) {
      if (p % SOAK.runs !== b && p % SOAK.runs !== (b + SOAK.runs - 1) % SOAK.runs) continue;
      for (let r = 0; r < SOAK.perBatch; r++)
        out.push({
          id: `f-${b}-${p}-${r}`,
          rule: RULES[r]!,
          severity: r === 0 ? 'high' : 'medium',
          title: `finding ${r} of principal ${p}`,
          time: `2026-11-30T${hour}:${String(r).padStart(2, '0')}:00.000Z`,
          eventIds: [`ev-${b}-${p}-${r}`],
          principalArn: `arn:aws:iam::111122223333:user/p${p}`,
          accessKeyId: `AKIAQSOAK${String(p).padStart(11, '0')}`,
          sourceIp: `198.51.${p >> 8}.${p & 255}`,
          userAgent: 'aws-cli/2.15.0',
          eventNames: ['ListBuckets'],
          regions: ['us-east-1'],
          source: 'cloudtrail',
          details: {},
        });
    }
    yield out;
  }
}

/** Alerting over `store` with one sink named `hook`. */
export function soakDeps(store: WorkspaceStore): AlertingDeps {
  return {
    store,
    sinks: ['hook'],
    routes: [],
    quiet: [],
    windowMs: 24 * 3_600_000,
    tokens: [],
    runbook: () => [],
    now: () => new Date('2026-11-30T12:00:00.000Z'),
  };
}
