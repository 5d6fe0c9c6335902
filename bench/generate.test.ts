import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdFromKeyId } from '../src/core/key-anatomy.js';
import { isAppError } from '../src/core/errors.js';
import { listTrailFiles } from './floor.js';
import { generateDataset, type DatasetManifest, type TokenEntry } from './generate.js';

interface Identity {
  type?: string;
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  sessionContext?: { sessionIssuer?: { arn?: string; principalId?: string } };
}

interface TrailRecord {
  eventID: string;
  eventName: string;
  userIdentity: Identity;
  responseElements?: { credentials?: { accessKeyId?: string } } | null;
}

interface ParsedFile {
  readonly path: string;
  readonly records: readonly { readonly record: TrailRecord; readonly json: string }[];
}

const OPTIONS = {
  records: 3000,
  canaries: 50,
  canaryEvents: 20,
  seed: 7,
  recordsPerFile: [200, 400],
} as const;
const DELIVERY_KEY =
  /^AWSLogs\/(?<acct>\d{12})\/CloudTrail\/(?<region>[a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/\k<acct>_CloudTrail_\k<region>_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;

let dirA: string;
let dirB: string;
let manifest: DatasetManifest;
let tokens: TokenEntry[];
let files: ParsedFile[];

function readFiles(dir: string): ParsedFile[] {
  return listTrailFiles(dir).map((path) => {
    const body = JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as {
      Records: TrailRecord[];
    };
    return {
      path: relative(dir, path),
      records: body.Records.map((record) => ({ record, json: JSON.stringify(record) })),
    };
  });
}

function isCanaryIdentity(id: Identity, keys: Set<string>, arns: Set<string>): boolean {
  return (
    (id.accessKeyId !== undefined && keys.has(id.accessKeyId)) ||
    (id.arn !== undefined && arns.has(id.arn)) ||
    (id.sessionContext?.sessionIssuer?.arn !== undefined &&
      arns.has(id.sessionContext.sessionIssuer.arn))
  );
}

beforeAll(async () => {
  dirA = mkdtempSync(join(tmpdir(), 'ks-bench-a-'));
  dirB = mkdtempSync(join(tmpdir(), 'ks-bench-b-'));
  manifest = await generateDataset({ dir: dirA, ...OPTIONS });
  tokens = JSON.parse(readFileSync(join(dirA, 'tokens.json'), 'utf8')) as TokenEntry[];
  files = readFiles(dirA);
});

afterAll(() => {
  rmSync(dirA, { recursive: true, force: true });
  rmSync(dirB, { recursive: true, force: true });
});

const allRecords = (): ParsedFile['records'] => files.flatMap((f) => f.records);

describe('generateDataset', () => {
  it('produces the same manifest, tokens and files for the same seed', async () => {
    const again = await generateDataset({ dir: dirB, ...OPTIONS });
    expect(again).toEqual(manifest);
    expect(readFileSync(join(dirB, 'tokens.json'), 'utf8')).toBe(
      readFileSync(join(dirA, 'tokens.json'), 'utf8'),
    );
    expect(readFiles(dirB).map((f) => f.path)).toEqual(files.map((f) => f.path));
  });

  it('writes gzip files named like CloudTrail deliveries that parse as {"Records":[…]}', () => {
    expect(files.length).toBe(manifest.files);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      expect(f.path).toMatch(DELIVERY_KEY);
      expect(f.records.length).toBeGreaterThan(0);
      expect(f.records.length).toBeLessThanOrEqual(400);
    }
    expect(allRecords().length).toBe(3000);
    expect(manifest.records).toBe(3000);
  });

  it('writes records of about 1 KB on average', () => {
    const bytes = allRecords().reduce((n, r) => n + Buffer.byteLength(r.json), 0);
    const average = bytes / allRecords().length;
    expect(average).toBeGreaterThan(600);
    expect(average).toBeLessThan(2000);
    expect(Math.abs(manifest.avgRecordBytes - average)).toBeLessThan(2);
  });

  it('writes well-formed key ids that decode to the account of their identity', () => {
    for (const { record } of allRecords()) {
      const { accessKeyId, accountId } = record.userIdentity;
      if (accessKeyId === undefined) continue;
      expect(accessKeyId).toMatch(/^(AKIA|ASIA)[A-Z2-7]{16}$/);
      expect(accountIdFromKeyId(accessKeyId)).toBe(accountId);
    }
    for (const t of tokens) expect(accountIdFromKeyId(t.accessKeyId)).toBe(t.accountId);
  });

  it('lists exactly the records made by canary identities as canary events', () => {
    const keys = new Set(tokens.map((t) => t.accessKeyId));
    const arns = new Set(tokens.map((t) => t.userArn));
    const byCanary = allRecords().filter((r) =>
      isCanaryIdentity(r.record.userIdentity, keys, arns),
    );
    expect(byCanary.map((r) => r.record.eventID).sort()).toEqual(manifest.canaryEventIds);
    expect(manifest.canaryEventIds).toHaveLength(20);
    expect(new Set(allRecords().map((r) => r.record.eventID)).size).toBe(3000);
  });

  it('puts canary use in a few files and covers session and federation tokens', () => {
    const canary = new Set(manifest.canaryEventIds);
    const holding = files.filter((f) => f.records.some((r) => canary.has(r.record.eventID)));
    expect(holding.length).toBe(manifest.canaryFiles);
    expect(holding.length).toBeLessThanOrEqual(2);
    const events = allRecords()
      .filter((r) => canary.has(r.record.eventID))
      .map((r) => r.record);
    const names = events.map((e) => e.eventName);
    expect(names).toContain('GetSessionToken');
    expect(names).toContain('GetFederationToken');
    expect(events.some((e) => e.userIdentity.type === 'FederatedUser')).toBe(true);
    const sessionKeys = events
      .map((e) => e.responseElements?.credentials?.accessKeyId)
      .filter((k) => k !== undefined);
    for (const key of sessionKeys) {
      expect(key).toMatch(/^ASIA/);
      expect(events.filter((e) => e.userIdentity.accessKeyId === key).length).toBeGreaterThan(0);
    }
    expect(events.filter((e) => e.userIdentity.accessKeyId?.startsWith('AKIA')).length).toBe(
      manifest.keyIdHits,
    );
  });

  it('keeps each canary user principalId the same across its events', () => {
    const canary = new Set(manifest.canaryEventIds);
    const idsByArn = new Map<string, Set<string>>();
    const note = (arn: string | undefined, id: string | undefined): void => {
      if (arn === undefined || id === undefined) return;
      idsByArn.set(arn, (idsByArn.get(arn) ?? new Set()).add(id));
    };
    for (const { record } of allRecords().filter((r) => canary.has(r.record.eventID))) {
      const id = record.userIdentity;
      if (id.type === 'IAMUser') note(id.arn, id.principalId);
      note(id.sessionContext?.sessionIssuer?.arn, id.sessionContext?.sessionIssuer?.principalId);
    }
    expect(idsByArn.size).toBeGreaterThan(0);
    for (const ids of idsByArn.values()) {
      expect(ids.size).toBe(1);
      expect([...ids][0]).toMatch(/^AIDA[A-Z2-7]{17}$/);
    }
  });

  it('never mentions a canary key id, session key or user name in an ordinary record', () => {
    const canary = new Set(manifest.canaryEventIds);
    const canaryRecords = allRecords().filter((r) => canary.has(r.record.eventID));
    const sessionKeys = canaryRecords.map(
      (r) => r.record.responseElements?.credentials?.accessKeyId,
    );
    const needles = [
      ...tokens.flatMap((t) => [t.accessKeyId, `"${t.userName}"`, t.userArn]),
      ...sessionKeys.filter((k): k is string => k !== undefined),
    ];
    const leaks: string[] = [];
    for (const { record, json } of allRecords()) {
      if (canary.has(record.eventID)) continue;
      for (const needle of needles)
        if (json.includes(needle)) leaks.push(`${record.eventID}: ${needle}`);
    }
    expect(needles.length).toBeGreaterThan(150);
    expect(leaks).toEqual([]);
  });

  it('spreads canary use over nearly every file with the spread layout', async () => {
    const spreadDir = mkdtempSync(join(tmpdir(), 'ks-bench-spread-'));
    try {
      const m = await generateDataset({
        dir: spreadDir,
        ...OPTIONS,
        canaryEvents: 60,
        layout: 'spread',
      });
      const concentrated = await generateDataset({ dir: dirB, ...OPTIONS, canaryEvents: 60 });
      expect(m.canaryEventIds).toHaveLength(60);
      expect(m.canaryFiles).toBeGreaterThanOrEqual(Math.floor(m.files * 0.8));
      expect(concentrated.canaryFiles).toBeLessThanOrEqual(Math.ceil(60 / 10) + 1);
      const withCanary = readFiles(spreadDir).filter((f) =>
        f.records.some((r) => m.canaryEventIds.includes(r.record.eventID)),
      );
      expect(withCanary).toHaveLength(m.canaryFiles);
    } finally {
      rmSync(spreadDir, { recursive: true, force: true });
    }
  });

  it('refuses canary events without canaries', async () => {
    const err: unknown = await generateDataset({
      dir: dirB,
      records: 10,
      canaries: 0,
      canaryEvents: 5,
    }).catch((e: unknown) => e);
    expect(isAppError(err, 'KS_USAGE')).toBe(true);
  });
});
