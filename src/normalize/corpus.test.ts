/**
 * Real third-party data, read in place from the corpus (test/helpers/corpus.ts: KEYSNARE_CORPUS,
 * else ../shared/corpus): Stratus Red Team detonation logs and TrailDiscover example events. Every
 * file must extract and normalize without a single rejection.
 */
import { it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describeCorpus } from '../../test/helpers/corpus.js';
import type { CloudEvent } from '../core/event.js';
import { isRecordRejection, normalizeRecord } from './cloudtrail.js';
import { extractRecords } from './records.js';

const LIMITS = { maxDecompressedBytes: 50 * 1024 * 1024, maxRecordBytes: 1024 * 1024 };

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** What plain JSON.parse sees: an array's length, or 1 for a single object. */
function plainCount(file: string): number {
  const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  return Array.isArray(value) ? value.length : 1;
}

interface CorpusRun {
  readonly files: string[];
  readonly events: CloudEvent[];
  readonly problems: string[];
}

/** Read a corpus folder once, on first use. */
function corpusRun(dir: string, suffix: string): () => CorpusRun {
  let cached: CorpusRun | undefined;
  return () => {
    cached ??= run(walk(dir).filter((f) => f.endsWith(suffix)));
    return cached;
  };
}

function run(files: string[]): CorpusRun {
  const events: CloudEvent[] = [];
  const problems: string[] = [];
  for (const file of files) {
    const result = extractRecords(file, readFileSync(file), LIMITS);
    for (const r of result.rejections) problems.push(`${file}#${r.index ?? '-'}: ${r.reason}`);
    if (result.skipped !== undefined) problems.push(`${file}: skipped: ${result.skipped}`);
    for (const { index, value } of result.records) {
      const ev = normalizeRecord(value, { file, index });
      if (isRecordRejection(ev)) problems.push(`${file}#${index}: ${ev.reason}`);
      else events.push(ev);
    }
  }
  return { files, events, problems };
}

describeCorpus('Stratus Red Team detonation logs', 'stratus-red-team/detonation-logs', (dir) => {
  const load = corpusRun(dir, '.json');

  it('normalizes every record with no rejections', () => {
    const stratus = load();
    expect(stratus.files.length).toBeGreaterThanOrEqual(30);
    expect(stratus.problems).toEqual([]);
    const expected = stratus.files.reduce((n, f) => n + plainCount(f), 0);
    expect(stratus.events).toHaveLength(expected);
  });

  it('reads the sts-federation-token detonation: an IAM user mints, the federated user calls', () => {
    const stratus = load();
    const events = stratus.events.filter((e) =>
      e.origin.file.endsWith('aws.persistence.sts-federation-token.json'),
    );
    const minted = events.find((e) => e.eventName === 'GetFederationToken');
    expect(minted?.identity.type).toBe('IAMUser');
    expect(minted?.eventSource).toBe('sts.amazonaws.com');
    const used = events.find((e) => e.identity.type === 'FederatedUser');
    expect(used).toMatchObject({
      eventName: 'GetCallerIdentity',
      identity: {
        issuerType: 'IAMUser',
        issuerArn: 'arn:aws:iam::742491224508:user/stratus-red-team-user-federation-user',
      },
      key: { prefix: 'ASIA', kind: 'temporary-access-key' },
    });
  });

  it('flags the fake Stratus regions as unknown and the real ones as known', () => {
    const stratus = load();
    const byRegion = new Map(stratus.events.map((e) => [e.region, e.regionKnown]));
    expect(byRegion.get('ap-isob-east-1r')).toBe(false);
    expect(byRegion.get('apiso-northsouth-3r')).toBe(false);
    const fake = stratus.events.filter((e) => !e.regionKnown);
    expect(fake.length).toBeGreaterThan(stratus.events.length / 2);
    for (const e of stratus.events)
      expect(e.regionKnown).toBe(/^(?:us|eu)-(?:east|west)-[12]$/.test(e.region));
  });

  it('has a parseable time on every event and recognises the emulation tool in user agents', () => {
    const stratus = load();
    expect(stratus.events.every((e) => e.timeMs !== undefined)).toBe(true);
    const tools = new Set(
      stratus.events
        .filter((e) => e.userAgentClass === 'offensive-tool')
        .map((e) => e.userAgentName),
    );
    expect(tools).toEqual(new Set(['stratus-red-team', 'grimoire']));
  });
});

describeCorpus('TrailDiscover example events', 'traildiscover/events', (dir) => {
  const load = corpusRun(dir, '.json.cloudtrail');

  it('normalizes every record in every .json.cloudtrail file with no rejections', () => {
    const trail = load();
    expect(trail.files.length).toBeGreaterThanOrEqual(300);
    expect(trail.problems).toEqual([]);
    const expected = trail.files.reduce((n, f) => n + plainCount(f), 0);
    expect(trail.events).toHaveLength(expected);
  });

  it('classifies the console, Terraform, browser and AWS-service user agents it contains', () => {
    const trail = load();
    const classes = new Set(trail.events.map((e) => e.userAgentClass));
    for (const c of [
      'aws-cli',
      'terraform',
      'browser',
      'console',
      'aws-service',
      'aws-internal',
    ] as const) {
      expect(classes).toContain(c);
    }
  });

  it('keeps real regions known', () => {
    const trail = load();
    const regions = new Set(trail.events.map((e) => e.region));
    expect(regions).toContain('us-east-1');
    for (const e of trail.events) if (e.region === 'us-east-1') expect(e.regionKnown).toBe(true);
  });
});
