/**
 * The steps of `npm run bench` (run.ts): arguments, data set reuse, cache warming, floor runs,
 * detector runs with verification, and the start-up measurement. Progress goes to stderr.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AppError } from '../src/core/errors.js';
import { median, runNode, stderrTail } from './child.js';
import { listTrailFiles } from './floor.js';
import { CANARY_LAYOUTS, type CanaryLayout } from './canary-scenarios.js';
import {
  datasetParams,
  generateDataset,
  GENERATOR_VERSION,
  TRAIL_SUBDIR,
  type DatasetManifest,
  type DatasetParams,
} from './generate.js';
import {
  parseFindings,
  parseStats,
  verifyRun,
  type DetectStats,
  type Verification,
} from './verify.js';

/** The repository checkout this bench runs in. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI launcher the bench runs. */
export const CLI = join(REPO_ROOT, 'bin', 'keysnare.js');

/** One data set of a bench run: a canary layout and where its files are. */
export interface BenchDataset {
  readonly layout: CanaryLayout;
  readonly params: DatasetParams;
  readonly dataDir: string;
}

/** Parsed `npm run bench` arguments. */
export interface BenchArgs {
  /** One data set per layout asked for, measured in this order. */
  readonly datasets: readonly BenchDataset[];
  readonly runs: number;
  /** The CLI launcher to run (`--cli`, default bin/keysnare.js). */
  readonly cli: string;
  /**
   * The Sigma rule folder run on top of the built-ins in the second and third variants (`--sigma`,
   * default the SigmaHQ AWS rules of ../shared/corpus; `--sigma none`: built-ins only).
   */
  readonly sigma: string | undefined;
}

/** One timed detector run. */
export interface DetectRun {
  readonly wallMs: number;
  readonly stats: DetectStats;
  readonly verification: Verification;
  /** Per rule: the events its findings hold. */
  readonly ruleEvents: Readonly<Record<string, number>>;
}

/** How a detector run is set up besides the data: extra arguments, a workspace. */
export interface DetectSetup {
  readonly args?: readonly string[];
  readonly home?: string;
}

/** Write a progress line to stderr. */
export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new AppError('KS_USAGE', { reason: `--${name} expects a whole number, got "${value}"` });
  return n;
}

function parseLayouts(value: string): CanaryLayout[] {
  const names = value.split(',').map((v) => v.trim());
  const bad = names.filter((n) => !(CANARY_LAYOUTS as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0)
    throw new AppError('KS_USAGE', {
      reason: `--layouts expects a comma-separated list of ${CANARY_LAYOUTS.join(', ')}; got "${value}"`,
    });
  return [...new Set(names)] as CanaryLayout[];
}

/**
 * Parse `--records --canaries --canary-events --spread-canary-events --layouts --data --runs
 * --cli`; throws KS_USAGE on bad values. `--data DIR` holds one sub-folder per layout.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string', default: '300000' },
      canaries: { type: 'string', default: '10000' },
      'canary-events': { type: 'string', default: '60' },
      'spread-canary-events': { type: 'string', default: '600' },
      layouts: { type: 'string', default: CANARY_LAYOUTS.join(',') },
      data: { type: 'string' },
      runs: { type: 'string', default: '3' },
      cli: { type: 'string' },
      sigma: { type: 'string' },
    },
  });
  const datasets = parseLayouts(values.layouts).map((layout): BenchDataset => {
    const events =
      layout === 'spread'
        ? positiveInt('spread-canary-events', values['spread-canary-events'])
        : positiveInt('canary-events', values['canary-events']);
    const params = datasetParams({
      records: positiveInt('records', values.records),
      canaries: positiveInt('canaries', values.canaries),
      canaryEvents: events,
      layout,
    });
    const hash = createHash('sha256')
      .update(JSON.stringify({ GENERATOR_VERSION, params }))
      .digest('hex');
    const dataDir = values.data
      ? resolve(values.data, layout)
      : join(REPO_ROOT, 'bench', '.data', hash.slice(0, 12));
    return { layout, params, dataDir };
  });
  const runs = Math.max(1, positiveInt('runs', values.runs));
  const pack = join(REPO_ROOT, '..', 'shared', 'corpus', 'sigma-aws', 'rules');
  const sigma =
    values.sigma === 'none'
      ? undefined
      : values.sigma !== undefined
        ? resolve(values.sigma)
        : existsSync(pack)
          ? pack
          : undefined;
  return { datasets, runs, cli: resolve(values.cli ?? CLI), sigma };
}

/**
 * A workspace folder holding only a keysnare.yaml that runs the Sigma rules of `folder` with the
 * rules `disabled` turned off (`rules.<id>.enabled: false`), as a user would silence a rule.
 */
export function sigmaHome(folder: string, disabled: readonly string[]): string {
  const home = mkdtempSync(join(tmpdir(), 'ks-bench-sigma-'));
  const rules = disabled.map((id) => `  ${JSON.stringify(id)}:\n    enabled: false\n`).join('');
  const yaml = `version: 1\nsigma:\n  folders: [${JSON.stringify(folder)}]\nrules:${rules ? `\n${rules}` : ' {}\n'}`;
  writeFileSync(join(home, 'keysnare.yaml'), yaml);
  return home;
}

/** The manifest of an existing data set generated from `params`, or undefined. */
function reusableManifest(dataDir: string, params: DatasetParams): DatasetManifest | undefined {
  const path = join(dataDir, 'manifest.json');
  if (!existsSync(path) || !existsSync(join(dataDir, 'tokens.json'))) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as DatasetManifest;
    const same =
      m.generator === GENERATOR_VERSION && JSON.stringify(m.params) === JSON.stringify(params);
    return same && listTrailFiles(join(dataDir, TRAIL_SUBDIR)).length === m.files ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Reuse the data set in `args.dataDir` when its manifest matches, else generate it. */
export async function ensureDataset(args: BenchDataset): Promise<DatasetManifest> {
  const existing = reusableManifest(args.dataDir, args.params);
  if (existing) {
    progress(`reusing data set ${args.dataDir}`);
    return existing;
  }
  progress(`generating ${args.params.records} records into ${args.dataDir}`);
  const started = performance.now();
  const manifest = await generateDataset({ dir: args.dataDir, ...args.params });
  progress(
    `generated ${manifest.files} files in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return manifest;
}

/** Read every delivery file once so all runs start from the page cache. */
export function warmCache(trailDir: string): void {
  let bytes = 0;
  for (const file of listTrailFiles(trailDir)) bytes += readFileSync(file).length;
  progress(`page cache warmed (${(bytes / 1e6).toFixed(1)} MB gz)`);
}

/**
 * Run `keysnare detect` once over the trail and verify its findings; throws KS_INTERNAL when the
 * CLI fails or prints no stats line.
 */
export async function runDetect(
  cli: string,
  trailDir: string,
  tokens: string,
  manifest: DatasetManifest,
  setup: DetectSetup = {},
): Promise<DetectRun> {
  const home = setup.home ? ['--home', setup.home] : [];
  const run = await runNode(
    cli,
    [
      ...home,
      'detect',
      '--tokens',
      tokens,
      '--format',
      'jsonl',
      '--stats',
      ...(setup.args ?? []),
      trailDir,
    ],
    REPO_ROOT,
  );
  const stats = parseStats(run.stderr);
  if (run.code !== 0 || stats === undefined) {
    const why =
      run.code !== 0
        ? `exited with code ${run.code ?? run.signal}`
        : 'printed no `stats {json}` line last on stderr';
    throw new AppError('KS_INTERNAL', {
      reason: `keysnare detect ${why}; is the CLI built (npm run build) and does it support detect --tokens --format jsonl --stats?\n${stderrTail(run)}`,
    });
  }
  const findings = parseFindings(run.stdout);
  const verification = verifyRun(findings, stats, manifest);
  const ruleEvents: Record<string, number> = {};
  for (const f of findings) ruleEvents[f.rule] = (ruleEvents[f.rule] ?? 0) + f.eventIds.length;
  return { wallMs: run.wallMs, stats, verification, ruleEvents };
}

/** Median wall time of `keysnare --version` over 10 runs, in ms. */
export async function versionStartup(cli: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const run = await runNode(cli, ['--version'], REPO_ROOT);
    if (run.code !== 0)
      throw new AppError('KS_INTERNAL', {
        reason: `keysnare --version exited with code ${run.code}\n${stderrTail(run)}`,
      });
    times.push(run.wallMs);
  }
  return median(times);
}

/** Print a verification to stderr. */
export function reportVerification(v: Verification): void {
  progress(
    `correctness: ${v.found}/${v.expected} canary events found, ${v.missing.length} missing, ${v.extra.length} extra`,
  );
  for (const id of v.missing.slice(0, 5)) progress(`  missing ${id}`);
  for (const id of v.extra.slice(0, 5)) progress(`  extra ${id}`);
  const other = Object.entries(v.otherFindings);
  if (other.length > 0) {
    progress(
      `other findings (not judged): ${other.map(([r, n]) => `${r}×${n}`).join(', ')}; ${v.otherEventIds} non-canary events`,
    );
  }
  for (const p of v.problems) progress(`PROBLEM: ${p}`);
}
