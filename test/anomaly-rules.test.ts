/**
 * The first-seen rules end to end, with the packaged offline IP data: a developer's key, used for
 * nine days from a home ISP, is tried from a DigitalOcean droplet abroad and checks the SES send
 * quota. `detect` finds both the new API and the new network, the same with the files reversed,
 * and two `ingest` runs that split the days (the later half first) end with the same findings.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctRecord, iamUser, minutesAfter, testKey, writeDeliveries } from './helpers/cloudtrail.js';
import { jsonl, runCli } from './helpers/cli.js';
import { removeTempDirs, tempDir } from './helpers/temp.js';

/** Comcast (AS7922) and DigitalOcean (AS14061, a hosting ASN) in the packaged ASN data. */
const HOME = '73.15.20.30';
const DROPLET = '159.89.10.10';
const DEV = iamUser('dev-omar', testKey('AKIA', 801), 'AIDAQANOMALY00000001');
const T0 = '2025-04-01T08:00:00Z';
const day = (d: number, minutes = 0) => minutesAfter(T0, d * 24 * 60 + minutes);

const records = [
  ...Array.from({ length: 9 }, (_, d) => [
    ctRecord({
      identity: DEV,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstances',
      time: day(d),
      ip: HOME,
    }),
    ctRecord({
      identity: DEV,
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
      time: day(d, 3),
      ip: HOME,
    }),
  ]).flat(),
  // Day 9, from the droplet: a routine call first, then the quota check.
  ctRecord({
    identity: DEV,
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    time: day(9, 1),
    ip: DROPLET,
    eventID: 'e-droplet-1',
  }),
  ctRecord({
    identity: DEV,
    eventSource: 'ses.amazonaws.com',
    eventName: 'GetSendQuota',
    time: day(9, 2),
    ip: DROPLET,
    eventID: 'e-quota',
  }),
  ctRecord({
    identity: DEV,
    eventSource: 'ses.amazonaws.com',
    eventName: 'GetSendQuota',
    time: day(9, 9),
    ip: DROPLET,
  }),
];

type Shape = { rule: string; eventIds: string[]; details: Record<string, unknown> };
const anomalies = (out: string): Shape[] =>
  jsonl<Shape>(out)
    .filter((f) => f.rule.startsWith('anomaly.'))
    .map((f) => ({ rule: f.rule, eventIds: f.eventIds, details: f.details }))
    .sort((a, b) => a.rule.localeCompare(b.rule));

let logs: string;
let files: string[];

beforeAll(() => {
  logs = tempDir('ks-anomaly-');
  files = [...writeDeliveries(logs, records).values()].sort();
});
afterAll(removeTempDirs);

describe('first-seen rules', () => {
  it('find the new API and the new network, whatever the file order, and across two ingest runs', async () => {
    const home = tempDir('ks-anomaly-home-');
    const forward = await runCli(['--home', home, 'detect', '--format', 'jsonl', ...files]);
    expect(forward.code, forward.err).toBe(0);
    const found = anomalies(forward.out);
    expect(found.map((f) => [f.rule, f.eventIds])).toEqual([
      ['anomaly.first-seen-api', ['e-quota']],
      ['anomaly.new-source-network', ['e-droplet-1']],
    ]);
    const network = found[1]!.details;
    expect(network).toMatchObject({
      asn: 14061,
      asOrg: 'DigitalOcean, LLC',
      country: 'DE',
      provider: 'hosting',
      hosting: true,
      newCountry: true,
    });
    expect(found[0]!.details).toMatchObject({ api: 'ses.amazonaws.com GetSendQuota', callers: 1 });

    const reversed = await runCli([
      '--home',
      home,
      'detect',
      '--format',
      'jsonl',
      ...[...files].reverse(),
    ]);
    expect(anomalies(reversed.out)).toEqual(found);
    // Two threads, each with its own tracker of earliest records, files reversed.
    const threads = await runCli([
      '--home',
      home,
      'detect',
      '--workers',
      '2',
      '--format',
      'jsonl',
      ...[...files].reverse(),
    ]);
    expect(anomalies(threads.out)).toEqual(found);

    // The later days first, then the earlier ones: the principal's learning period is only
    // known after the second run, which settles the first run's groups again.
    const ws = join(tempDir('ks-anomaly-ws-'), 'home');
    expect((await runCli(['--home', ws, 'init'])).code).toBe(0);
    const half = Math.floor(files.length / 2);
    const later = await runCli(['--home', ws, 'ingest', ...files.slice(half)]);
    expect(later.code, later.err).toBe(0);
    expect(
      anomalies((await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl'])).out),
    ).toEqual([]);
    const earlier = await runCli(['--home', ws, 'ingest', ...files.slice(0, half)]);
    expect(earlier.code, earlier.err).toBe(0);
    const stored = await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl']);
    expect(anomalies(stored.out)).toEqual(found);
  });

  it('correct a stored finding in place when a later run brings an earlier call', async () => {
    const ws = join(tempDir('ks-anomaly-late-'), 'home');
    expect((await runCli(['--home', ws, 'init'])).code).toBe(0);
    // The file with the droplet's first calls (day 9, 08:00-08:05) comes last.
    const late = files.find((f) => f.includes(`${day(9).slice(0, 10).replace(/-/g, '')}T0805Z`))!;
    expect(late).toBeDefined();
    const first = await runCli(['--home', ws, 'ingest', ...files.filter((f) => f !== late)]);
    expect(first.code, first.err).toBe(0);
    const list = async () =>
      jsonl<Shape & { id: string }>(
        (await runCli(['--home', ws, 'findings', 'list', '--format', 'jsonl'])).out,
      )
        .filter((f) => f.rule.startsWith('anomaly.'))
        .sort((a, b) => a.rule.localeCompare(b.rule));
    const before = await list();
    expect(before.map((f) => f.rule)).toEqual([
      'anomaly.first-seen-api',
      'anomaly.new-source-network',
    ]);
    expect(before.flatMap((f) => f.eventIds)).not.toContain('e-quota');
    const second = await runCli(['--home', ws, 'ingest', late]);
    expect(second.code, second.err).toBe(0);
    const after = await list();
    expect(after.map((f) => [f.rule, f.id, f.eventIds])).toEqual([
      ['anomaly.first-seen-api', before[0]!.id, ['e-quota']],
      ['anomaly.new-source-network', before[1]!.id, ['e-droplet-1']],
    ]);
  });

  it('stay quiet for the same routine from the usual network', async () => {
    const quiet = tempDir('ks-anomaly-quiet-');
    const routine = writeDeliveries(quiet, records.slice(0, 18));
    const r = await runCli(['detect', '--format', 'jsonl', ...routine.values()]);
    expect(r.code, r.err).toBe(0);
    expect(anomalies(r.out)).toEqual([]);
  });
});
