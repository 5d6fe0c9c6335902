/**
 * `npm run bench`: generate (or reuse) a synthetic CloudTrail data set, warm the page cache,
 * measure the bare floor and run `keysnare detect` on it as a child process, in turns, check that every canary
 * event was found and nothing else was reported as canary use, and print detector throughput as a
 * ratio to the floor measured in the same run.
 *
 * Two layouts are measured, each on its own data set: `concentrated` (canary events in a few files,
 * as a real canary hit looks) and `spread` (canary events round-robined over every file, so a
 * pre-filter can pass over almost nothing).
 *
 * Args: --records N (300000) --canaries N (10000) --canary-events N (60, concentrated)
 * --spread-canary-events N (600) --layouts L,L (concentrated,spread) --data DIR (one sub-folder per
 * layout; default bench/.data/<params hash>) --runs N (3) [--cli PATH (bin/keysnare.js)]. Progress
 * goes to stderr; a table per layout and then one JSON line per layout go to stdout. Exit 1 when
 * the detector fails or its findings are wrong.
 */
import { join } from 'node:path';
import { isAppError, describeError } from '../src/core/errors.js';
import { median } from './child.js';
import { measureFloor } from './floor.js';
import type { FloorResult } from './floor.js';
import type { CanaryLayout } from './canary-scenarios.js';
import { TRAIL_SUBDIR, type DatasetManifest } from './generate.js';
import {
  ensureDataset,
  parseBenchArgs,
  progress,
  reportVerification,
  runDetect,
  versionStartup,
  warmCache,
  type BenchArgs,
  type BenchDataset,
  type DetectRun,
} from './steps.js';

/** Best and median of a list of rates. */
interface Spread {
  readonly best: number;
  readonly median: number;
}

function spread(values: readonly number[]): Spread {
  return { best: Math.max(...values), median: median(values) };
}

function messageOf(err: unknown): string {
  return isAppError(err) ? err.message : describeError(err);
}

/**
 * Floor and detect runs in turns (floor 1, detect 1, floor 2, …), so a machine whose speed drifts
 * during the bench slows both sides alike; each pair gives one ratio. Stops at the first detect
 * failure (rethrown) with the floors measured so far.
 */
async function pairedRuns(
  cli: string,
  trailDir: string,
  tokens: string,
  manifest: DatasetManifest,
  runs: number,
): Promise<{ floors: FloorResult[]; runs: DetectRun[] }> {
  const floors: FloorResult[] = [];
  const results: DetectRun[] = [];
  for (let i = 1; i <= runs; i++) {
    const f = await measureFloor(trailDir, tokens);
    floors.push(f);
    progress(`floor run ${i}/${runs}: ${Math.round(f.recordsPerSec)} rec/s, ${f.hits} key hits`);
    const run = await runDetect(cli, trailDir, tokens, manifest);
    const rate = manifest.records / (run.wallMs / 1000);
    const ratio = (rate / f.recordsPerSec).toFixed(2);
    progress(
      `detect run ${i}/${runs}: ${Math.round(rate)} rec/s wall (${ratio}x this floor), ${run.stats.findings} findings`,
    );
    results.push(run);
  }
  return { floors, runs: results };
}

/** Each run's detect rate over the floor measured just before it. */
function pairedRatios(s: Pick<Summary, 'floors' | 'runs' | 'manifest'>): number[] {
  return s.runs.map((r, i) => s.manifest.records / (r.wallMs / 1000) / s.floors[i]!.recordsPerSec);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function printTable(
  layout: CanaryLayout,
  m: DatasetManifest,
  floor: Spread,
  detect: Spread | undefined,
  paired: Spread | undefined,
  rssMb: number | undefined,
  startupMs: number | undefined,
): void {
  const ratio = (k: keyof Spread): string => (detect ? (detect[k] / floor[k]).toFixed(2) : 'n/a');
  const rows: [string, string, string][] = [
    ['floor (rec/s)', fmt(floor.best), fmt(floor.median)],
    [
      'detect, wall (rec/s)',
      detect ? fmt(detect.best) : 'n/a',
      detect ? fmt(detect.median) : 'n/a',
    ],
    ['ratio detect/floor', ratio('best'), ratio('median')],
    [
      'ratio, each run / the floor just before',
      paired ? paired.best.toFixed(2) : 'n/a',
      paired ? paired.median.toFixed(2) : 'n/a',
    ],
    ['detect peak RSS (MB)', rssMb === undefined ? 'n/a' : fmt(rssMb), ''],
    ['keysnare --version (ms, median of 10)', startupMs === undefined ? 'n/a' : fmt(startupMs), ''],
  ];
  const out = [
    `keysnare bench (${layout}): ${fmt(m.records)} records in ${m.files} files (${(m.bytesRaw / 1e6).toFixed(1)} MB raw, ${(m.bytesGz / 1e6).toFixed(1)} MB gz, ${m.avgRecordBytes} B/record), ${fmt(m.params.canaries)} canaries, ${m.canaryEventIds.length} canary events in ${m.canaryFiles} files`,
    `${''.padEnd(40)}${'best'.padStart(12)}${'median'.padStart(12)}`,
    ...rows.map(([a, b, c]) => `${a.padEnd(40)}${b.padStart(12)}${c.padStart(12)}`),
  ];
  process.stdout.write(out.join('\n') + '\n');
}

/** Generate or reuse one layout's data set, measure floor and detector, print its table. */
async function benchDataset(args: BenchArgs, dataset: BenchDataset): Promise<Summary> {
  progress(`layout ${dataset.layout}`);
  const manifest = await ensureDataset(dataset);
  const trailDir = join(dataset.dataDir, TRAIL_SUBDIR);
  const tokens = join(dataset.dataDir, 'tokens.json');
  warmCache(trailDir);
  let floors: FloorResult[] = [];
  const problems: string[] = [];
  let runs: DetectRun[] = [];
  let startupMs: number | undefined;
  try {
    ({ floors, runs } = await pairedRuns(args.cli, trailDir, tokens, manifest, args.runs));
    const worst = runs.find((r) => !r.verification.ok) ?? runs[0]!;
    reportVerification(worst.verification);
    problems.push(...worst.verification.problems);
    startupMs = await versionStartup(args.cli);
  } catch (err) {
    problems.push(`detect step failed: ${messageOf(err)}`);
  }
  if (floors.length === 0) floors = [await measureFloor(trailDir, tokens)];
  problems.unshift(...floorProblems(floors, manifest));
  const floor = spread(floors.map((f) => f.recordsPerSec));
  const detect =
    runs.length > 0 ? spread(runs.map((r) => manifest.records / (r.wallMs / 1000))) : undefined;
  const rssMb =
    runs.length > 0 ? Math.max(...runs.map((r) => r.stats.maxRssBytes)) / 1e6 : undefined;
  const paired = runs.length > 0 ? spread(pairedRatios({ floors, runs, manifest })) : undefined;
  printTable(dataset.layout, manifest, floor, detect, paired, rssMb, startupMs);
  for (const p of problems) process.stderr.write(`bench: FAILED (${dataset.layout}): ${p}\n`);
  return {
    layout: dataset.layout,
    manifest,
    floor,
    floors,
    runs,
    detect,
    rssMb,
    startupMs,
    ok: problems.length === 0,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  const summaries: Summary[] = [];
  for (const dataset of args.datasets) summaries.push(await benchDataset(args, dataset));
  for (const s of summaries) process.stdout.write(JSON.stringify(summaryLine(s)) + '\n');
  return summaries.every((s) => s.ok) ? 0 : 1;
}

function floorProblems(floors: readonly FloorResult[], m: DatasetManifest): string[] {
  const f = floors[0]!;
  return [
    f.records !== m.records && `floor read ${f.records} records, manifest says ${m.records}`,
    f.hits !== m.keyIdHits && `floor found ${f.hits} canary key hits, manifest says ${m.keyIdHits}`,
  ].filter((p): p is string => typeof p === 'string');
}

interface Summary {
  readonly layout: CanaryLayout;
  readonly manifest: DatasetManifest;
  readonly floor: Spread;
  readonly floors: readonly FloorResult[];
  readonly runs: readonly DetectRun[];
  readonly detect: Spread | undefined;
  readonly rssMb: number | undefined;
  readonly startupMs: number | undefined;
  readonly ok: boolean;
}

/** The figures as one JSON object, for updating docs from a run. */
function summaryLine(s: Summary): Record<string, unknown> {
  const m = s.manifest;
  const round = (n: number | undefined, digits = 0): number | null =>
    n === undefined ? null : Number(n.toFixed(digits));
  return {
    bench: 'keysnare-detect',
    layout: s.layout,
    node: process.version,
    records: m.records,
    files: m.files,
    bytesRaw: m.bytesRaw,
    bytesGz: m.bytesGz,
    avgRecordBytes: m.avgRecordBytes,
    canaries: m.params.canaries,
    canaryEvents: m.canaryEventIds.length,
    runs: s.floors.length,
    floorRecPerSec: { best: round(s.floor.best), median: round(s.floor.median) },
    floorMbPerSec: round(Math.max(...s.floors.map((f) => f.mbPerSec)), 1),
    detectRecPerSec: s.detect
      ? { best: round(s.detect.best), median: round(s.detect.median) }
      : null,
    detectElapsedMsBest:
      s.runs.length > 0 ? Math.min(...s.runs.map((r) => r.stats.elapsedMs)) : null,
    detectWallMsBest: s.runs.length > 0 ? round(Math.min(...s.runs.map((r) => r.wallMs))) : null,
    ratio: s.detect
      ? {
          best: round(s.detect.best / s.floor.best, 3),
          median: round(s.detect.median / s.floor.median, 3),
        }
      : null,
    pairedRatio:
      s.runs.length > 0
        ? {
            best: round(Math.max(...pairedRatios(s)), 3),
            median: round(median(pairedRatios(s)), 3),
          }
        : null,
    peakRssMb: round(s.rssMb, 1),
    versionStartupMs: round(s.startupMs, 1),
    correct: s.ok,
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${messageOf(err)}\n`);
    process.exitCode = isAppError(err) ? err.exitCode : 1;
  },
);
