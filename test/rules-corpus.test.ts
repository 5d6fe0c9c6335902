/**
 * The persistence and credential rules over real third-party data, read in place (never copied):
 * every Stratus Red Team persistence detonation they are meant for is caught, once, by the rule
 * meant for it, and nothing else in the corpus fires them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createCanaryIndex } from '../src/detect/canary-index.js';
import { createEngine } from '../src/detect/engine.js';
import { findingsFromHits } from '../src/detect/grouping.js';
import type { HitSummary, Rule } from '../src/detect/rule.js';
import { rules } from '../src/detect/rules/index.js';
import { isRecordRejection, normalizeRecord } from '../src/normalize/index.js';
import { extractRecords } from '../src/normalize/records.js';
import { describeCorpus } from './helpers/corpus.js';

const IDS = new Set([
  'persistence.access-key-for-other-user',
  'persistence.key-swap',
  'persistence.user-or-login-created',
  'persistence.role-created',
  'privesc.trust-policy-modified',
  'credentials.session-token-from-user',
]);
const LIMITS = { maxDecompressedBytes: 50 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** "rule file" for every finding the rules make over the folder's files. */
function findingsIn(dir: string, suffix: string): string[] {
  const chosen = (rules as readonly Rule[]).filter((r) => IDS.has(r.id));
  const engine = createEngine(chosen, {
    canaries: createCanaryIndex([]),
    managementPrincipals: new Set(),
  });
  const hits: HitSummary[] = [];
  const fileOf = new Map<string, string>();
  for (const file of walk(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()) {
    for (const { index, value } of extractRecords(file, readFileSync(file), LIMITS).records) {
      const ev = normalizeRecord(value, { file, index });
      if (isRecordRejection(ev)) continue;
      fileOf.set(ev.eventId, path.basename(file));
      hits.push(...engine.evaluate(ev).hits);
    }
  }
  return findingsFromHits(hits, chosen, engine, 60 * 60_000)
    .map((f) => `${f.rule} ${fileOf.get(f.eventIds[0] ?? '') ?? '?'}`)
    .sort();
}

describeCorpus('Stratus Red Team detonations', 'stratus-red-team/detonation-logs', (dir) => {
  it('catches each IAM persistence technique with the rule meant for it, and nothing else', () => {
    expect(findingsIn(dir, '.json')).toEqual([
      'credentials.session-token-from-user aws.persistence.sts-federation-token.json',
      'persistence.access-key-for-other-user aws.persistence.iam-backdoor-user.json',
      'persistence.access-key-for-other-user aws.persistence.iam-create-admin-user.json',
      'persistence.role-created aws.persistence.iam-create-backdoor-role.json',
      'persistence.user-or-login-created aws.persistence.iam-create-admin-user.json',
      'persistence.user-or-login-created aws.persistence.iam-create-user-login-profile.json',
      'persistence.user-or-login-created aws.privilege-escalation.iam-update-user-login-profile.json',
      'privesc.trust-policy-modified aws.persistence.iam-backdoor-role.json',
    ]);
  });
});

describeCorpus('TrailDiscover example events', 'traildiscover/events', (dir) => {
  it('reports the denied attempts it holds and stays quiet on the rest', () => {
    expect(findingsIn(dir, '.json.cloudtrail')).toEqual([
      'credentials.session-token-from-user GetFederationToken.json.cloudtrail',
      'persistence.user-or-login-created CreateLoginProfile.json.cloudtrail',
      'persistence.user-or-login-created UpdateLoginProfile.json.cloudtrail',
      'privesc.trust-policy-modified UpdateAssumeRolePolicy.json.cloudtrail',
    ]);
  });
});
