/**
 * A source's spool folder, `<workspace>/spool/<source name>/`: one file per fetched object,
 * written under a hidden temporary name, flushed and renamed, so the pipeline never sees half a
 * file; and `quarantine/` beside them, one JSON reference per object or message given up on,
 * with the reason (`*.quarantine.txt`, so a walk of the spool folder for CloudTrail files skips
 * it). Names are made from the object's key: only `[A-Za-z0-9._-]`, never hidden, with a hash of
 * the whole key (and what else tells two deliveries apart) so distinct objects never share a
 * file and the same object always gets the same one. CloudTrail's delivery stamp stays in the
 * name, so the pipeline reads spool files in delivery order.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { AppError, describeError } from '../../core/index.js';

/** What is written about an object or message given up on. */
export interface QuarantineEntry {
  readonly origin: string;
  readonly reason: string;
  /** ISO time. */
  readonly at: string;
  readonly details?: Readonly<Record<string, string | number>>;
  /** Text kept with it (a message body, a record), cut to {@link MAX_SAMPLE} characters. */
  readonly sample?: string;
}

/** A source's spool folder. */
export interface Spool {
  readonly dir: string;
  readonly quarantineDir: string;
  /** Write `body` as `name` atomically; returns the path. */
  write(name: string, body: Buffer | string): Promise<string>;
  /** Remove a spooled file (no error when it is gone). */
  remove(path: string): Promise<void>;
  /**
   * Write a quarantine reference named after `name`; with `keep`, move that spooled file into
   * the quarantine folder too. Returns the reference's path.
   */
  quarantine(name: string, entry: QuarantineEntry, keep?: string): Promise<string>;
  /** Remove temporary files a crash left behind. */
  cleanTemp(): Promise<void>;
}

/** Longest sample kept in a quarantine reference. */
export const MAX_SAMPLE = 65_536;
const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const TEMP = '.tmp-';
const MAX_STEM = 120;

/** True when `name` can name a source (and its spool folder). */
export function isSourceName(name: string): boolean {
  return SOURCE_NAME.test(name);
}

function safeStem(text: string): string {
  const stem = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]+/, '_');
  return (stem === '' ? 'object' : stem).slice(0, MAX_STEM);
}

/**
 * The spool file name of an object: its key's last segment made safe, a hash of the key and of
 * `discriminator`, and `.json.gz` or `.json` by content.
 *
 * @example
 * spoolName('AWSLogs/1/CloudTrail/us-east-1/2025/01/01/1_CloudTrail_us-east-1_20250101T1010Z_Ab.json.gz', 'bucket', true)
 * // '1_CloudTrail_us-east-1_20250101T1010Z_Ab.3f2a…c1.json.gz'
 */
export function spoolName(key: string, discriminator: string, gzipped: boolean): string {
  const last =
    key
      .split('/')
      .filter((s) => s !== '')
      .at(-1) ?? '';
  const stem = safeStem(last.replace(/\.json\.gz$|\.json$|\.gz$/i, ''));
  const hash = createHash('sha256')
    .update(`${discriminator}\u0000${key}`)
    .digest('hex')
    .slice(0, 16);
  return `${stem}.${hash}${gzipped ? '.json.gz' : '.json'}`;
}

/** True when `body` starts with the gzip magic bytes. */
export function isGzip(body: Buffer): boolean {
  return body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
}

function spoolError(file: string, err: unknown): AppError {
  return new AppError('KS_DATA_WRITE', { file, reason: describeError(err) }, { cause: err });
}

async function writeAtomically(dir: string, name: string, body: Buffer | string): Promise<string> {
  const target = join(dir, name);
  const temp = join(dir, `${TEMP}${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    return target;
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw spoolError(target, err);
  }
}

/** The spool of source `name` under `root` (`<workspace>/spool`); KS_USAGE for a bad name. */
export function createSpool(root: string, name: string): Spool {
  if (!isSourceName(name)) {
    throw new AppError('KS_USAGE', {
      reason: `source name "${name}" must be 1-64 letters, digits, - or _, starting with a letter or digit`,
    });
  }
  const dir = join(root, name);
  const quarantineDir = join(dir, 'quarantine');
  return {
    dir,
    quarantineDir,
    write: (file, body) => writeAtomically(dir, file, body),
    async remove(path) {
      await rm(path, { force: true });
    },
    async quarantine(file, entry, keep) {
      const reference = `${safeStem(file)}.quarantine.txt`;
      const text = JSON.stringify(
        {
          source: name,
          ...entry,
          ...(entry.sample !== undefined ? { sample: entry.sample.slice(0, MAX_SAMPLE) } : {}),
          ...(keep ? { file: join(quarantineDir, basename(keep)) } : {}),
        },
        null,
        2,
      );
      const path = await writeAtomically(quarantineDir, reference, `${text}\n`);
      if (keep) {
        try {
          await rename(keep, join(quarantineDir, basename(keep)));
        } catch (err) {
          throw spoolError(keep, err);
        }
      }
      return path;
    },
    async cleanTemp() {
      for (const d of [dir, quarantineDir]) {
        const names = await readdir(d).catch(() => [] as string[]);
        await Promise.all(
          names.filter((n) => n.startsWith(TEMP)).map((n) => rm(join(d, n), { force: true })),
        );
      }
    },
  };
}
