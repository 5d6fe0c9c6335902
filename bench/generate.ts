/**
 * Synthetic CloudTrail data set for the benchmark: S3-delivery-shaped gzip files with a realistic
 * record mix, a few rare and bursty canary uses, `tokens.json` (the canaries) and `manifest.json`
 * (sizes and the eventIDs a correct canary detector must find). Deterministic for a seed and
 * written file by file, so memory stays bounded whatever the record count.
 *
 * CLI: `tsx bench/generate.ts --dir D --records N [--canaries N] [--canary-events N] [--layout L] [--seed N]
 * [--records-per-file MIN,MAX]`
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { AppError, describeError, isAppError } from '../src/core/errors.js';
import { planCanaryEvents, type CanaryLayout, type CanaryPlan } from './canary-scenarios.js';
import { planFiles, type FilePlan } from './layout.js';
import { createRng, type Rng } from './prng.js';
import { createTrafficSource, type TrafficSource } from './records.js';
import { createWorld, type World } from './world.js';

/** Bumped whenever the generated content changes, so stale data sets are not reused. */
export const GENERATOR_VERSION = 'keysnare-bench-1';

/** Options for {@link generateDataset}. */
export interface GenerateOptions {
  readonly dir: string;
  readonly records: number;
  readonly canaries: number;
  readonly canaryEvents: number;
  /** Where the canary events go (default `concentrated`). */
  readonly layout?: CanaryLayout;
  readonly seed?: number;
  readonly recordsPerFile?: readonly [number, number];
}

/** The parameters a data set was generated from (defaults filled in). */
export interface DatasetParams {
  readonly records: number;
  readonly canaries: number;
  readonly canaryEvents: number;
  readonly layout: CanaryLayout;
  readonly seed: number;
  readonly recordsPerFile: readonly [number, number];
}

/** What was generated; written to `manifest.json`. */
export interface DatasetManifest {
  readonly generator: string;
  readonly params: DatasetParams;
  readonly records: number;
  readonly files: number;
  /** Uncompressed JSON bytes over all files. */
  readonly bytesRaw: number;
  readonly bytesGz: number;
  /** Average bytes of one record's compact JSON. */
  readonly avgRecordBytes: number;
  /** Files holding at least one canary event. */
  readonly canaryFiles: number;
  /** Canary events whose userIdentity.accessKeyId is a canary key (what a bare key lookup finds). */
  readonly keyIdHits: number;
  /** eventIDs of every record a correct canary detector must find, sorted. */
  readonly canaryEventIds: readonly string[];
}

/** One canary as written to tokens.json. */
export interface TokenEntry {
  readonly accessKeyId: string;
  readonly userName: string;
  readonly userArn: string;
  readonly accountId: string;
  readonly label: string;
  readonly placement: { readonly host: string; readonly path: string; readonly owner: string };
}

/** Where the delivery files go inside a data directory. */
export const TRAIL_SUBDIR = 'AWSLogs';

const DEFAULT_SEED = 20250303;
const DEFAULT_PER_FILE: readonly [number, number] = [1000, 5000];

/** Fill in defaults and check the options; throws KS_USAGE when they make no data set. */
export function datasetParams(opts: Omit<GenerateOptions, 'dir'>): DatasetParams {
  const params: DatasetParams = {
    records: opts.records,
    canaries: opts.canaries,
    canaryEvents: opts.canaryEvents,
    layout: opts.layout ?? 'concentrated',
    seed: opts.seed ?? DEFAULT_SEED,
    recordsPerFile: opts.recordsPerFile ?? DEFAULT_PER_FILE,
  };
  const [min, max] = params.recordsPerFile;
  const problems = [
    !(Number.isInteger(params.records) && params.records > 0) &&
      'records must be a positive integer',
    !(Number.isInteger(params.canaries) && params.canaries >= 0) &&
      'canaries must be an integer >= 0',
    !(Number.isInteger(params.canaryEvents) && params.canaryEvents >= 0) &&
      'canary events must be an integer >= 0',
    params.canaryEvents > 0 && params.canaries === 0 && 'canary events need at least one canary',
    params.canaryEvents > params.records && 'canary events cannot exceed records',
    !['concentrated', 'spread'].includes(params.layout) && 'layout must be concentrated or spread',
    !(Number.isInteger(params.seed) && params.seed >= 0 && params.seed < 2 ** 32) &&
      'seed must be a 32-bit unsigned integer',
    !(Number.isInteger(min) && Number.isInteger(max) && min >= 1 && max >= min) &&
      'records per file must be MIN,MAX with 1 <= MIN <= MAX',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new AppError('KS_USAGE', { reason: problems.join('; ') });
  return params;
}

/**
 * Generate a data set into `opts.dir` (its AWSLogs/ tree is replaced) and return its manifest.
 *
 * @example
 * const manifest = await generateDataset({ dir: '/tmp/ct', records: 3000, canaries: 50, canaryEvents: 20 });
 */
export async function generateDataset(opts: GenerateOptions): Promise<DatasetManifest> {
  const params = datasetParams(opts);
  const root = createRng(params.seed);
  const world = createWorld(root.fork('world'), params.canaries);
  const files = planFiles(
    root.fork('layout'),
    world.accounts.map((a) => a.accountId),
    params.records,
    params.recordsPerFile,
  );
  const canaries = planCanaryEvents(
    root.fork('canaries'),
    world,
    files,
    params.canaryEvents,
    params.layout,
  );
  await rm(join(opts.dir, 'manifest.json'), { force: true });
  await rm(join(opts.dir, TRAIL_SUBDIR), { recursive: true, force: true });
  await mkdir(opts.dir, { recursive: true });
  await writeFile(
    join(opts.dir, 'tokens.json'),
    JSON.stringify(tokenEntries(world), null, 2) + '\n',
  );
  const sizes = await writeFiles(opts.dir, files, world, canaries, root.fork('traffic'));
  const manifest: DatasetManifest = {
    generator: GENERATOR_VERSION,
    params,
    records: params.records,
    files: files.length,
    bytesRaw: sizes.raw,
    bytesGz: sizes.gz,
    avgRecordBytes: Math.round(sizes.recordBytes / params.records),
    canaryFiles: canaries.byFile.size,
    keyIdHits: canaries.keyIdHits,
    canaryEventIds: canaries.eventIds,
  };
  await writeFile(join(opts.dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function tokenEntries(world: World): TokenEntry[] {
  return world.canaries.map(({ accessKeyId, userName, userArn, accountId, label, placement }) => ({
    accessKeyId,
    userName,
    userArn,
    accountId,
    label,
    placement,
  }));
}

const gzipAsync = promisify(gzip);

/** Write every file; gzip and write of one file overlap with building the next. */
async function writeFiles(
  dir: string,
  files: readonly FilePlan[],
  world: World,
  canaries: CanaryPlan,
  rng: Rng,
): Promise<{ raw: number; gz: number; recordBytes: number }> {
  const traffic = createTrafficSource(world, rng);
  const sizes = { raw: 0, gz: 0, recordBytes: 0 };
  let pending: Promise<void> = Promise.resolve();
  for (const file of files) {
    const records = fileRecords(file, traffic, canaries.byFile.get(file.index) ?? [], rng);
    for (const r of records) sizes.recordBytes += Buffer.byteLength(r);
    const body = Buffer.from(`{"Records":[${records.join(',')}]}`);
    sizes.raw += body.length;
    await pending;
    pending = writeGzip(join(dir, file.key), body).then((gz) => {
      sizes.gz += gz;
    });
  }
  await pending;
  return sizes;
}

async function writeGzip(path: string, body: Buffer): Promise<number> {
  const gz = await gzipAsync(body, { level: 6 });
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, gz);
  return gz.length;
}

/** The file's records: ordinary traffic with the canary events at random positions. */
function fileRecords(
  file: FilePlan,
  traffic: TrafficSource,
  canary: readonly string[],
  rng: Rng,
): string[] {
  const out: string[] = [];
  for (let i = canary.length; i < file.count; i++) {
    out.push(traffic.next(file.accountId, file.region, file.deliveryMs - rng.int(60, 900) * 1000));
  }
  for (const record of canary) out.splice(rng.int(0, out.length), 0, record);
  return out;
}

function parseRange(value: string | undefined): [number, number] | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+),(\d+)$/.exec(value);
  if (!m)
    throw new AppError('KS_USAGE', {
      reason: `--records-per-file expects MIN,MAX, got "${value}"`,
    });
  return [Number(m[1]), Number(m[2])];
}

function optionalNumber(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      dir: { type: 'string' },
      records: { type: 'string' },
      canaries: { type: 'string', default: '10000' },
      'canary-events': { type: 'string', default: '60' },
      layout: { type: 'string', default: 'concentrated' },
      seed: { type: 'string' },
      'records-per-file': { type: 'string' },
    },
  });
  if (!values.dir || !values.records) {
    throw new AppError('KS_USAGE', {
      reason:
        'usage: tsx bench/generate.ts --dir DIR --records N [--canaries N] [--canary-events N] [--layout concentrated|spread] [--seed N] [--records-per-file MIN,MAX]',
    });
  }
  const seed = optionalNumber(values.seed);
  const recordsPerFile = parseRange(values['records-per-file']);
  const started = performance.now();
  const manifest = await generateDataset({
    dir: resolve(values.dir),
    records: Number(values.records),
    canaries: Number(values.canaries),
    canaryEvents: Number(values['canary-events']),
    layout: values.layout as CanaryLayout,
    ...(seed === undefined ? {} : { seed }),
    ...(recordsPerFile === undefined ? {} : { recordsPerFile }),
  });
  const { canaryEventIds, ...summary } = manifest;
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const rssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(
    JSON.stringify({ ...summary, canaryEvents: canaryEventIds.length, seconds, rssMb }) + '\n',
  );
  return 0;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  return script !== undefined && import.meta.url === pathToFileURL(resolve(script)).href;
}

if (isEntryPoint()) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`generate: ${describeError(err)}\n`);
      process.exitCode = isAppError(err) ? err.exitCode : 1;
    },
  );
}
