/**
 * The rule pack's acceptance scenarios, end to end through the CLI over delivery files composed
 * after real incidents (test/helpers/incidents.ts, benign-week.ts, benign-automation.ts): a leaked power-user key
 * swapped and turned into miners in 16 regions, one source trying seven stolen keys before
 * looking at SES, and a benign week that must raise nothing above low. The attacks give the same
 * findings from one `detect`, with the files in reverse order, and split across two `ingest`
 * runs into one workspace.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { automationWeek } from './helpers/benign-automation.js';
import { officeWeek } from './helpers/benign-week.js';
import { iamUser, testKey, writeDeliveries } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import type { KeyBatch, KeyTakeover } from './helpers/incidents.js';
import {
  FAILED_REGIONS,
  PER_LAUNCH,
  PRICES,
  SIXTEEN_REGIONS,
  keyBatch,
  keyTakeover,
  typeOf,
} from './helpers/incidents.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

interface Row {
  rule: string;
  severity: string;
  title: string;
  eventIds: string[];
  details: Record<string, unknown>;
}

let root: string;
beforeAll(() => {
  root = tempDir('ks-scenarios-');
});
afterAll(removeTempDirs);

async function workspace(name: string): Promise<string> {
  const home = join(root, name);
  const r = await runCli(['--home', home, 'init']);
  expect(r.code, r.err).toBe(0);
  return home;
}

async function detect(home: string, paths: readonly string[]): Promise<Row[]> {
  const r = await runCli(['--home', home, 'detect', '--format', 'jsonl', ...paths]);
  expect(r.code, r.err).toBe(0);
  return jsonl<Row>(r.out);
}

async function ingest(home: string, paths: readonly string[]): Promise<void> {
  const r = await runCli(['--home', home, 'ingest', ...paths]);
  expect(r.code, r.err).toBe(0);
}

async function stored(home: string): Promise<Row[]> {
  const r = await runCli(['--home', home, 'findings', 'list', '--format', 'jsonl']);
  expect(r.code, r.err).toBe(0);
  return jsonl<Row>(r.out);
}

/** Rule and eventIds of each finding, in a stable order: what must not depend on how files come. */
function shape(rows: readonly Row[]): { rule: string; eventIds: string[] }[] {
  return rows
    .map((f) => ({ rule: f.rule, eventIds: [...f.eventIds].sort() }))
    .sort((a, b) =>
      `${a.rule} ${a.eventIds.join()}`.localeCompare(`${b.rule} ${b.eventIds.join()}`),
    );
}

const only = (rows: readonly Row[], rule: string): Row[] => rows.filter((f) => f.rule === rule);
const sorted = (ids: readonly string[]) => [...ids].sort();

/**
 * The same findings from `detect` with the paths reversed, and from two `ingest` runs into one
 * workspace (`first` files, then the rest); `between` checks the workspace after the first run.
 */
async function expectSameEverywhere(
  name: string,
  files: Map<string, string>,
  first: (key: string) => boolean,
  baseline: Row[],
  between: (rows: Row[]) => void,
): Promise<void> {
  const paths = [...files.values()];
  const reversed = await detect(await workspace(`${name}-reversed`), [...paths].reverse());
  expect(shape(reversed)).toEqual(shape(baseline));

  const home = await workspace(`${name}-ingest`);
  const runs = [...files].map(([key, path]) => ({ first: first(key), path }));
  await ingest(
    home,
    runs.filter((f) => f.first).map((f) => f.path),
  );
  between(await stored(home));
  await ingest(
    home,
    runs.filter((f) => !f.first).map((f) => f.path),
  );
  expect(shape(await stored(home))).toEqual(shape(baseline));
}

describe('scenario 1: a leaked power-user key swapped, then launching in 16 regions', () => {
  let s: KeyTakeover;
  let files: Map<string, string>;
  let found: Row[];

  beforeAll(async () => {
    s = keyTakeover();
    files = writeDeliveries(join(root, 'takeover'), s.records);
    found = await detect(await workspace('takeover'), [join(root, 'takeover')]);
  });

  it('raises the swap, the denied CreateUser, the spread and the instance types, and nothing else', () => {
    expect(found.map((f) => f.rule).sort()).toEqual([
      'impact.multi-region-compute',
      'impact.unusual-instance-type',
      'persistence.key-swap',
      'persistence.user-or-login-created',
    ]);
    const ids = (rule: string) => sorted(only(found, rule)[0]!.eventIds);
    expect(ids('persistence.key-swap')).toEqual(sorted([s.createKey, s.deleteOldKey]));
    expect(ids('persistence.user-or-login-created')).toEqual([s.createUser]);
    expect(ids('impact.multi-region-compute')).toEqual(sorted(s.launches));
    expect(ids('impact.unusual-instance-type')).toEqual(sorted(s.launches));
    // The key pairs it made or imported on the way are in no finding.
    for (const f of found) for (const k of s.keyPairs) expect(f.eventIds).not.toContain(k);
  });

  it('says the new key killed the old one, and that CreateUser was denied', () => {
    const swap = only(found, 'persistence.key-swap')[0]!;
    expect(swap.title).toMatch(
      /^Key swap on arn:aws:iam::\d{12}:user\/dev-ravi: .* then the new key deleted /,
    );
    expect(swap.details).toMatchObject({ killedBy: 'new key', sameSourceIp: true });
    const user = only(found, 'persistence.user-or-login-created')[0]!;
    expect(user.title).toMatch(
      /^Denied CreateUser by .*dev-ravi for backup-admin from 198\.51\.100\.14$/,
    );
    expect(user.details).toMatchObject({ succeeded: false, errorCodes: ['AccessDenied'] });
  });

  it('estimates the burn across all 16 regions, launched and attempted', () => {
    const usd = (launched: boolean) =>
      SIXTEEN_REGIONS.reduce(
        (sum, _, i) =>
          launched && FAILED_REGIONS.has(i) ? sum : sum + PER_LAUNCH * PRICES[typeOf(i)],
        0,
      );
    const launched = Math.round(usd(true) * 100) / 100;
    const spread = only(found, 'impact.multi-region-compute')[0]!;
    expect(spread.title).toBe(
      `Instances launched across 16 regions by ${s.principal}: about $${Math.round(launched)} per hour`,
    );
    expect(spread.details).toMatchObject({
      regions: [...SIXTEEN_REGIONS].sort(),
      usdPerHourLaunched: launched,
      usdPerHourAttempted: Math.round(usd(false) * 100) / 100,
      instancesLaunched: (16 - FAILED_REGIONS.size) * PER_LAUNCH,
      estimateCovers: '16 of 16 calls',
    });
    const types = only(found, 'impact.unusual-instance-type')[0]!;
    expect(types.title).toMatch(/^c5\.24xlarge ×28, p3\.16xlarge ×24 launched in 16 regions by /);
  });

  it('gives the same findings with the files reversed and split across two ingest runs', async () => {
    // The first run has the key creation and the odd regions; the second the deletion, the
    // denied CreateUser and the even regions.
    const odd = new Set(SIXTEEN_REGIONS.filter((_, i) => i % 2 === 1));
    const first = (key: string) => key === 'us-east-1@20250402T0115' || odd.has(key.split('@')[0]!);
    await expectSameEverywhere('takeover', files, first, found, (rows) => {
      expect(only(rows, 'persistence.key-swap')).toEqual([]);
      expect(only(rows, 'impact.multi-region-compute')[0]?.eventIds).toHaveLength(8);
    });
  });
});

describe('scenario 2: one source tries seven stolen keys, then looks at SES', () => {
  let s: KeyBatch;
  let files: Map<string, string>;
  let found: Row[];

  beforeAll(async () => {
    s = keyBatch();
    files = writeDeliveries(join(root, 'batch'), s.records);
    found = await detect(await workspace('batch'), [join(root, 'batch')]);
  });

  it('raises the key enumeration, Kali for each key, and the SES reconnaissance', () => {
    expect(found.map((f) => f.rule).sort()).toEqual([
      'recon.key-enumeration',
      'recon.ses-enumeration',
      ...Array<string>(7).fill('useragent.offensive-os'),
    ]);
    const enumeration = only(found, 'recon.key-enumeration')[0]!;
    expect(sorted(enumeration.eventIds)).toEqual(sorted(s.probes));
    expect(enumeration.title).toBe(`7 access keys probed from ${s.attacker}`);
    expect(enumeration.details['keysThatWorked']).toHaveLength(7);
    const ses = only(found, 'recon.ses-enumeration')[0]!;
    expect(sorted(ses.eventIds)).toEqual(sorted(s.ses));
    expect(ses.title).toMatch(/^SES reconnaissance by .*smtp-mailer across 3 regions$/);
  });

  it('reports Kali once per key, each finding holding exactly that principal’s calls', () => {
    const kali = only(found, 'useragent.offensive-os');
    const byPrincipal = new Map(
      kali.map((f) => [String(f.details['principal']), sorted(f.eventIds)]),
    );
    expect(byPrincipal).toEqual(
      new Map([...s.byPrincipal].map(([arn, ids]) => [arn, sorted(ids)])),
    );
    // The single denied ListUsers is no burst.
    expect(only(found, 'recon.access-denied-burst')).toEqual([]);
  });

  it('gives the same findings with the files reversed and split across two ingest runs', async () => {
    // Four keys and the eu-west-1 SES calls in the first run; three keys, ListUsers and the
    // other SES calls in the second.
    const first = (key: string) =>
      key === 'us-east-1@20250304T0905' || key.startsWith('eu-west-1@');
    await expectSameEverywhere('batch', files, first, found, (rows) => {
      expect(only(rows, 'recon.key-enumeration')[0]?.eventIds).toHaveLength(4);
      expect(only(rows, 'recon.ses-enumeration')).toEqual([]);
    });
  });
});

const RANK: Readonly<Record<string, number>> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

describe('scenario 3: a benign week', () => {
  let week: Record<string, unknown>[];

  beforeAll(() => {
    week = [...officeWeek(), ...automationWeek()];
  });

  it('raises nothing above low: CI, developers on SSO behind one NAT, Terraform, a console key rotation, AWS services', async () => {
    writeDeliveries(join(root, 'week'), week, 60);
    const found = await detect(await workspace('week'), [join(root, 'week')]);
    const loud = found.filter((f) => (RANK[f.severity] ?? 4) > RANK['low']!);
    expect(loud.map((f) => `${f.rule}: ${f.title}`)).toEqual([]);
  });

  it('is quiet because of what the events say: the same launches and sweep by a person are reported', async () => {
    const person = iamUser('ops-script', testKey('AKIA', 999), 'AIDAQOPSSCRIPT000001');
    const asPerson = week.map((r) => {
      const service = (r['userIdentity'] as { invokedBy?: string }).invokedBy;
      if (service !== 'autoscaling.amazonaws.com' && service !== 'config.amazonaws.com') return r;
      return {
        ...r,
        userIdentity: person,
        sourceIPAddress: '198.51.100.99',
        userAgent: 'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.8.0 lang/python#3.12.2',
      };
    });
    writeDeliveries(join(root, 'week-as-person'), asPerson, 60);
    const found = await detect(await workspace('week-as-person'), [join(root, 'week-as-person')]);
    expect(new Set(found.map((f) => f.rule))).toEqual(
      new Set(['impact.multi-region-compute', 'recon.access-denied-burst']),
    );
  });
});
