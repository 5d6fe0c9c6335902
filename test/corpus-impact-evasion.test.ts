/**
 * The impact and defense-evasion rules over real third-party data, read in place from the corpus
 * (Stratus Red Team detonation logs, TrailDiscover example events): each fires on the detonations
 * and examples of what it catches, and on nothing else there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { Finding } from '../src/core/index.js';
import { createCanaryIndex } from '../src/detect/canary-index.js';
import { createEngine } from '../src/detect/engine.js';
import { findingsFromHits } from '../src/detect/grouping.js';
import type { Rule } from '../src/detect/rule.js';
import { rules } from '../src/detect/rules/index.js';
import { extractRecords, isRecordRejection, normalizeRecord } from '../src/normalize/index.js';
import { describeCorpus } from './helpers/corpus.js';

const IDS = [
  'impact.multi-region-compute',
  'impact.unusual-instance-type',
  'defense-evasion.logging-tampered',
];
const RULES = (rules as readonly Rule[]).filter((r) => IDS.includes(r.id));
const LIMITS = { maxDecompressedBytes: 50 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** Findings per file (relative path), each file on its own, as `detect` would see it. */
function findingsByFile(dir: string, suffix: string): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const file of walk(dir).filter((f) => f.endsWith(suffix))) {
    const engine = createEngine(RULES, {
      canaries: createCanaryIndex([]),
      managementPrincipals: new Set(),
    });
    const hits = extractRecords(file, readFileSync(file), LIMITS).records.flatMap(
      ({ index, value }) => {
        const ev = normalizeRecord(value, { file, index });
        return isRecordRejection(ev) ? [] : engine.evaluate(ev).hits;
      },
    );
    const found = findingsFromHits(hits, engine.rules, engine, 60 * 60_000);
    if (found.length > 0) out.set(path.relative(dir, file), found);
  }
  return out;
}

const summary = (m: Map<string, Finding[]>) =>
  Object.fromEntries([...m].map(([f, fs]) => [f, fs.map((x) => x.rule)]));

describeCorpus(
  'impact and defense-evasion rules on Stratus Red Team',
  'stratus-red-team/detonation-logs',
  (dir) => {
    it('fire on the logging and unusual-instance detonations, and on nothing else', () => {
      const found = findingsByFile(dir, '.json');
      const evasion = ['defense-evasion.logging-tampered'];
      expect(summary(found)).toEqual({
        'aws.defense-evasion.cloudtrail-delete.json': evasion,
        'aws.defense-evasion.cloudtrail-event-selectors.json': evasion,
        'aws.defense-evasion.cloudtrail-stop.json': evasion,
        'aws.defense-evasion.dns-delete-logs.json': evasion,
        'aws.defense-evasion.vpc-remove-flow-logs.json': evasion,
        'aws.execution.ec2-launch-unusual-instances.json': ['impact.unusual-instance-type'],
      });
      const gpu = found.get('aws.execution.ec2-launch-unusual-instances.json')![0]!;
      expect(gpu.title).toMatch(
        /^p2\.xlarge ×10 attempted in 1 region by .* \(about \$9\.00 per hour had they launched\)$/,
      );
      expect(gpu.details).toMatchObject({
        errorCodes: ['Client.UnauthorizedOperation'],
        instancesLaunched: 0,
      });
      const selectors = found.get('aws.defense-evasion.cloudtrail-event-selectors.json')![0]!;
      expect(selectors.title).toMatch(/management events no longer logged$/);
    });
  },
);

describeCorpus(
  'impact and defense-evasion rules on TrailDiscover',
  'traildiscover/events',
  (dir) => {
    it('report the denied logging changes as attempts, and stay quiet on the rest', () => {
      const found = findingsByFile(dir, '.json.cloudtrail');
      const evasion = ['defense-evasion.logging-tampered'];
      expect(summary(found)).toEqual({
        'CloudTrail/DeleteTrail.json.cloudtrail': evasion,
        'CloudTrail/StopLogging.json.cloudtrail': evasion,
        'CloudTrail/UpdateTrail.json.cloudtrail': evasion,
        'Config/DeleteConfigurationRecorder.json.cloudtrail': evasion,
        'Config/DeleteDeliveryChannel.json.cloudtrail': evasion,
        'Config/StopConfigurationRecorder.json.cloudtrail': evasion,
        'EC2/DeleteFlowLogs.json.cloudtrail': evasion,
        'GuardDuty/CreateIPSet.json.cloudtrail': evasion,
        'GuardDuty/DeleteDetector.json.cloudtrail': evasion,
        'GuardDuty/DeletePublishingDestination.json.cloudtrail': evasion,
        'GuardDuty/DisassociateFromMasterAccount.json.cloudtrail': evasion,
      });
      for (const [file, [f]] of found) {
        expect(f!.title, file).toMatch(/^Logging reduction attempted by .* \(all failed\): /);
        expect(f!.details['assessedSeverity'], file).toBe('medium');
      }
    });
  },
);
