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
 * With a Sigma rule folder (`--sigma DIR`, default the SigmaHQ AWS rules in ../shared/corpus;
 * `--sigma none` to skip), each turn also runs the detector with the folder on top of the
 * built-ins, and again with the rules whose findings hold over {@link FLOOD_SHARE} of all records
 * turned off in keysnare.yaml (found from the turn's own run with the pack): a rule that matches a
 * third of an account's events costs what reading them costs, and shows which it is.
 *
 * Args: --records N (300000) --canaries N (10000) --canary-events N (60, concentrated)
 * --spread-canary-events N (600) --layouts L,L (concentrated,spread) --data DIR (one sub-folder per
 * layout; default bench/.data/<params hash>) --runs N (3) [--cli PATH (bin/keysnare.js)]
 * [--sigma DIR|none]. Progress goes to stderr; a table per layout and then one JSON line per
 * layout go to stdout. Exit 1 when the detector fails or its findings are wrong.
 */
import { rmSync } from 'node:fs';
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
  sigmaHome,
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

/** A rule whose findings hold more than this share of all records is a flood (see the top). */
const FLOOD_SHARE = 0.05;

/** What the detector runs with in each turn. */
type VariantName = 'built-ins' | 'sigma' | 'sigma-quiet';

/** The runs of one variant, and (sigma-quiet) the rules it turned off. */
interface VariantRuns {
  readonly name: VariantName;
  readonly runs: DetectRun[];
  readonly disabled: { rule: string; share: number }[];
}

/** Sigma rules of a run whose findings hold over FLOOD_SHARE of the records, biggest first. */
function floods(run: DetectRun, records: number): { rule: string; share: number }[] {
  return Object.entries(run.ruleEvents)
    .filter(([rule, n]) => rule.startsWith('sigma.') && n / records > FLOOD_SHARE)
    .map(([rule, n]) => ({ rule, share: Number((n / records).toFixed(4)) }))
    .sort((a, b) => b.share - a.share);
}

/**
 * Floor and detect runs in turns (floor 1, detect 1 of each variant, floor 2, …), so a machine
 * whose speed drifts during the bench slows every side alike; each pair gives one ratio. Stops at
 * the first detect failure (rethrown) with the floors measured so far.
 */
async function pairedRuns(
  cli: string,
  trailDir: string,
  tokens: string,
  manifest: DatasetManifest,
  runs: number,
  sigma: string | undefined,
): Promise<{ floors: FloorResult[]; variants: VariantRuns[] }> {
  const floors: FloorResult[] = [];
  const variants: VariantRuns[] = [{ name: 'built-ins', runs: [], disabled: [] }];
  if (sigma) variants.push({ name: 'sigma', runs: [], disabled: [] });
  if (sigma) variants.push({ name: 'sigma-quiet', runs: [], disabled: [] });
  let home: string | undefined;
  try {
    for (let i = 1; i <= runs; i++) {
      const f = await measureFloor(trailDir, tokens);
      floors.push(f);
      progress(`floor run ${i}/${runs}: ${Math.round(f.recordsPerSec)} rec/s, ${f.hits} key hits`);
      for (const v of variants) {
        if (v.name === 'sigma-quiet' && i === 1) {
          v.disabled.push(...floods(variants[1]!.runs[0]!, manifest.records));
          home = sigmaHome(
            sigma!,
            v.disabled.map((d) => d.rule),
          );
        }
        const setup =
          v.name === 'built-ins'
            ? {}
            : v.name === 'sigma'
              ? { args: ['--rules', `sigma:${sigma!}`] }
              : { home: home! };
        const run = await runDetect(cli, trailDir, tokens, manifest, setup);
        const rate = manifest.records / (run.wallMs / 1000);
        const ratio = (rate / f.recordsPerSec).toFixed(2);
        progress(
          `detect (${v.name}) run ${i}/${runs}: ${Math.round(rate)} rec/s wall (${ratio}x this floor), ${run.stats.findings} findings, ${Math.round(run.stats.maxRssBytes / 1e6)} MB`,
        );
        v.runs.push(run);
      }
    }
  } finally {
    if (home) rmSync(home, { recursive: true, force: true });
  }
  return { floors, variants };
}

/** Each run's detect rate over the floor measured just before it. */
function pairedRatios(
  runs: readonly DetectRun[],
  floors: readonly FloorResult[],
  m: DatasetManifest,
): number[] {
  return runs.map((r, i) => m.records / (r.wallMs / 1000) / floors[i]!.recordsPerSec);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One variant's figures. */
interface VariantFigures {
  readonly name: VariantName;
  readonly detect: Spread;
  readonly paired: Spread;
  readonly rssMb: number;
  readonly findings: number;
  readonly considered: number;
  readonly disabled: readonly { rule: string; share: number }[];
}

const LABELS: Record<VariantName, string> = {
  'built-ins': 'detect',
  sigma: 'detect + Sigma pack',
  'sigma-quiet': 'detect + Sigma pack, floods off',
};

function printTable(
  layout: CanaryLayout,
  m: DatasetManifest,
  floor: Spread,
  variants: readonly VariantFigures[],
  startupMs: number | undefined,
): void {
  const rows: [string, string, string][] = [['floor (rec/s)', fmt(floor.best), fmt(floor.median)]];
  for (const v of variants) {
    const label = LABELS[v.name];
    rows.push(
      [`${label}, wall (rec/s)`, fmt(v.detect.best), fmt(v.detect.median)],
      [
        `${label}: ratio detect/floor`,
        (v.detect.best / floor.best).toFixed(2),
        (v.detect.median / floor.median).toFixed(2),
      ],
      [`${label}: each run / floor before`, v.paired.best.toFixed(2), v.paired.median.toFixed(2)],
      [`${label}: peak RSS (MB)`, fmt(v.rssMb), ''],
    );
  }
  rows.push([
    'keysnare --version (ms, median of 10)',
    startupMs === undefined ? 'n/a' : fmt(startupMs),
    '',
  ]);
  const out = [
    `keysnare bench (${layout}): ${fmt(m.records)} records in ${m.files} files (${(m.bytesRaw / 1e6).toFixed(1)} MB raw, ${(m.bytesGz / 1e6).toFixed(1)} MB gz, ${m.avgRecordBytes} B/record), ${fmt(m.params.canaries)} canaries, ${m.canaryEventIds.length} canary events in ${m.canaryFiles} files`,
    `${''.padEnd(58)}${'best'.padStart(12)}${'median'.padStart(12)}`,
    ...rows.map(([a, b, c]) => `${a.padEnd(58)}${b.padStart(12)}${c.padStart(12)}`),
  ];
  for (const v of variants)
    for (const d of v.disabled)
      out.push(
        `  floods off: ${d.rule} (its findings hold ${(d.share * 100).toFixed(1)}% of the records)`,
      );
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
  let variants: VariantRuns[] = [];
  let startupMs: number | undefined;
  try {
    ({ floors, variants } = await pairedRuns(
      args.cli,
      trailDir,
      tokens,
      manifest,
      args.runs,
      args.sigma,
    ));
    for (const v of variants) {
      const worst = v.runs.find((r) => !r.verification.ok) ?? v.runs[0]!;
      reportVerification(worst.verification);
      problems.push(...worst.verification.problems.map((p) => `${v.name}: ${p}`));
    }
    startupMs = await versionStartup(args.cli);
  } catch (err) {
    problems.push(`detect step failed: ${messageOf(err)}`);
  }
  if (floors.length === 0) floors = [await measureFloor(trailDir, tokens)];
  problems.unshift(...floorProblems(floors, manifest));
  const floor = spread(floors.map((f) => f.recordsPerSec));
  const figures = variants
    .filter((v) => v.runs.length === floors.length)
    .map((v): VariantFigures => ({
      name: v.name,
      detect: spread(v.runs.map((r) => manifest.records / (r.wallMs / 1000))),
      paired: spread(pairedRatios(v.runs, floors, manifest)),
      rssMb: Math.max(...v.runs.map((r) => r.stats.maxRssBytes)) / 1e6,
      findings: v.runs[0]!.stats.findings,
      considered: v.runs[0]!.stats.considered ?? 0,
      disabled: v.disabled,
    }));
  printTable(dataset.layout, manifest, floor, figures, startupMs);
  for (const p of problems) process.stderr.write(`bench: FAILED (${dataset.layout}): ${p}\n`);
  const builtIns = variants[0]?.runs ?? [];
  return {
    layout: dataset.layout,
    manifest,
    floor,
    floors,
    runs: builtIns,
    figures,
    sigma: args.sigma,
    startupMs,
    ok: problems.length === 0,
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (!args.sigma) progress('no Sigma rule folder (--sigma DIR): the built-in rules only');
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
  /** The built-ins' runs. */
  readonly runs: readonly DetectRun[];
  readonly figures: readonly VariantFigures[];
  readonly sigma: string | undefined;
  readonly startupMs: number | undefined;
  readonly ok: boolean;
}

/** The figures as one JSON object, for updating docs from a run. */
function summaryLine(s: Summary): Record<string, unknown> {
  const m = s.manifest;
  const round = (n: number | undefined, digits = 0): number | null =>
    n === undefined ? null : Number(n.toFixed(digits));
  const of = (name: VariantName) => s.figures.find((f) => f.name === name);
  const base = of('built-ins');
  const variant = (f: VariantFigures | undefined) =>
    f
      ? {
          detectRecPerSec: { best: round(f.detect.best), median: round(f.detect.median) },
          pairedRatio: { best: round(f.paired.best, 3), median: round(f.paired.median, 3) },
          peakRssMb: round(f.rssMb, 1),
          findings: f.findings,
          considered: f.considered,
          ...(f.disabled.length > 0 ? { disabled: f.disabled } : {}),
        }
      : null;
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
    detectRecPerSec: base
      ? { best: round(base.detect.best), median: round(base.detect.median) }
      : null,
    detectElapsedMsBest:
      s.runs.length > 0 ? Math.min(...s.runs.map((r) => r.stats.elapsedMs)) : null,
    detectWallMsBest: s.runs.length > 0 ? round(Math.min(...s.runs.map((r) => r.wallMs))) : null,
    ratio: base
      ? {
          best: round(base.detect.best / s.floor.best, 3),
          median: round(base.detect.median / s.floor.median, 3),
        }
      : null,
    pairedRatio: base
      ? { best: round(base.paired.best, 3), median: round(base.paired.median, 3) }
      : null,
    peakRssMb: round(base?.rssMb, 1),
    sigma: s.sigma
      ? { folder: s.sigma, pack: variant(of('sigma')), floodsOff: variant(of('sigma-quiet')) }
      : null,
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
