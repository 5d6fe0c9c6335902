/**
 * Plant a canary profile into an existing AWS shared credentials or config file without
 * disturbing anything else in it: other profiles, comments, blank lines, order, CRLF/LF and a
 * missing final newline all stay byte-for-byte identical (see `plant-ini.ts` for the merge).
 *
 * Safety rules, each refused with `KS_PLANT`:
 * - only regular files; a symlink is followed only when its real target lies inside the link's
 *   own directory (e.g. `~/.aws/credentials → ~/.aws/work/credentials`); one pointing elsewhere
 *   (a dotfiles repo, `/etc`, another user's home) is refused — pass the target path instead;
 * - files over {@link MAX_PLANT_FILE_BYTES}, binary or non-UTF-8 files, and files that are
 *   ambiguous to AWS tools (a profile defined twice, `[ prod ]` vs `[prod]`);
 * - profile names outside {@link PROFILE_NAME_PATTERN} (`]`, newlines, spaces) — rejected rather
 *   than sanitized, so the planted profile is exactly the one asked for;
 * - a file changed by someone else between reading and replacing it.
 *
 * Writes are atomic (temp file in the same directory, fsync, rename, directory fsync), keep the
 * original's mode and owner, and back the original up to `<file>.keysnare-<UTC time>.bak` (same
 * mode) first. New files are created 0600, missing parent directories 0700. `~` is not expanded:
 * callers pass an absolute or working-directory-relative path.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { AppError } from '../core/errors.js';
import {
  ACCESS_KEY_ID_PATTERN,
  PROFILE_NAME_PATTERN,
  REGION_PATTERN,
  SECRET_ACCESS_KEY_PATTERN,
  isProfileName,
} from './bait/bait.js';
import { mergeProfile, parseIni, profileOfSection, type IniKind } from './plant-ini.js';

export { listProfiles, parseIni } from './plant-ini.js';

/** Files larger than this are refused: no real credentials file is that big. */
export const MAX_PLANT_FILE_BYTES = 1024 * 1024;

/** `output` values the AWS CLI accepts. */
export const OUTPUT_FORMATS = ['json', 'yaml', 'yaml-stream', 'text', 'table'] as const;

/** What a plant did. */
export interface PlantResult {
  /** The file written (a symlink's target when one was followed). */
  readonly file: string;
  /** The backup of the original, when one was made. */
  readonly backupFile?: string;
  /** True when the file did not exist before. */
  readonly created: boolean;
  /** True when the profile already existed and its keys were replaced. */
  readonly replacedProfile: boolean;
  /** True when that profile held credentials that were not this token's (`force`). */
  readonly replacedForeignProfile?: boolean;
}

/** Options shared by both plants. */
export interface PlantCommonOptions {
  readonly file: string;
  readonly profile: string;
  /** Back the original up before replacing it (default true). */
  readonly backup?: boolean;
  /** Time used in the backup's name (default: now). */
  readonly now?: Date;
}

/** Options for {@link plantCredentials}. */
export interface PlantCredentialsOptions extends PlantCommonOptions {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /**
   * Replace the profile even when it holds credentials that are not this token's (by default a
   * profile whose `aws_access_key_id` is not `accessKeyId` is refused with `KS_PLANT_PROFILE_TAKEN`).
   */
  readonly force?: boolean;
  /**
   * Only replace a profile that exists and holds one of these key ids (or `accessKeyId` already):
   * re-planting after a rotation. Anything else is refused with `KS_PLANT_PROFILE_TAKEN`, `force`
   * or not.
   */
  readonly expectKeyIds?: readonly string[];
}

/** Options for {@link plantConfig}. */
export interface PlantConfigOptions extends PlantCommonOptions {
  readonly region: string;
  readonly output: string;
}

/**
 * Merge `[profile]` with `aws_access_key_id` / `aws_secret_access_key` into a shared credentials
 * file. An existing profile keeps its other keys and comments; a new one is appended.
 *
 * @example
 * await plantCredentials({ file: '/home/ops/.aws/credentials', profile: 'billing',
 *   accessKeyId: 'AKIA…', secretAccessKey: '…' });
 */
export async function plantCredentials(opts: PlantCredentialsOptions): Promise<PlantResult> {
  const refuse = (reason: string): never => {
    throw new AppError('KS_PLANT', { file: opts.file, reason });
  };
  checkProfile(opts.file, opts.profile);
  if (!ACCESS_KEY_ID_PATTERN.test(opts.accessKeyId)) refuse('the access key id is malformed');
  if (!SECRET_ACCESS_KEY_PATTERN.test(opts.secretAccessKey)) refuse('the secret key is malformed');
  const values = [
    ['aws_access_key_id', opts.accessKeyId],
    ['aws_secret_access_key', opts.secretAccessKey],
  ] as const;
  let foreign = false;
  const result = await plantProfile(opts, 'credentials', values, (text) => {
    foreign = guardProfile(opts, text);
  });
  return foreign ? { ...result, replacedForeignProfile: true } : result;
}

/** Whether a credentials file defines `profile`, and the access key id it holds if any. */
export interface ProfileKey {
  readonly exists: boolean;
  readonly accessKeyId?: string;
}

/** What `profile` holds in credentials text. */
export function profileAccessKeyId(text: string, profile: string): ProfileKey {
  const section = parseIni(text).sections.find(
    (s) => profileOfSection(s.name, 'credentials') === profile,
  );
  const keyId = section?.values['aws_access_key_id'];
  return { exists: section !== undefined, ...(keyId !== undefined ? { accessKeyId: keyId } : {}) };
}

/**
 * Refuse to overwrite a profile that is not this token's (see {@link PlantCredentialsOptions});
 * true when such a profile is replaced anyway (`force`).
 */
function guardProfile(opts: PlantCredentialsOptions, text: string): boolean {
  const { exists, accessKeyId: held } = profileAccessKeyId(text, opts.profile);
  const taken = (reason: string): never => {
    throw new AppError('KS_PLANT_PROFILE_TAKEN', {
      file: opts.file,
      profile: opts.profile,
      reason,
    });
  };
  if (opts.expectKeyIds) {
    if (!exists) taken('is not in the file (any more)');
    if (held === opts.accessKeyId || (held && opts.expectKeyIds.includes(held))) return false;
    taken(`holds ${held ? 'another access key' : 'no access key'}, not the token's old key`);
  }
  if (!exists || held === opts.accessKeyId) return false;
  if (opts.force) return true;
  return taken(
    `already exists with ${held ? 'another access key' : 'other settings and no access key'}: ` +
      "it is not this token's, and replacing it would lose those credentials; choose another " +
      '--profile, or pass --force to replace it (a backup is kept)',
  );
}

/**
 * Merge the profile's `region` and `output` into a shared config file, as `[profile NAME]` (or
 * `[default]`); `[profile default]` is recognised as the default profile too.
 */
export async function plantConfig(opts: PlantConfigOptions): Promise<PlantResult> {
  checkProfile(opts.file, opts.profile);
  if (!REGION_PATTERN.test(opts.region)) {
    throw new AppError('KS_PLANT', { file: opts.file, reason: 'the region is not a region name' });
  }
  if (!(OUTPUT_FORMATS as readonly string[]).includes(opts.output)) {
    const reason = `output must be one of ${OUTPUT_FORMATS.join(', ')}`;
    throw new AppError('KS_PLANT', { file: opts.file, reason });
  }
  return plantProfile(opts, 'config', [
    ['region', opts.region],
    ['output', opts.output],
  ]);
}

function checkProfile(file: string, profile: string): void {
  if (isProfileName(profile)) return;
  const reason = `profile name ${JSON.stringify(profile)} must match ${PROFILE_NAME_PATTERN.source}`;
  throw new AppError('KS_PLANT', { file, reason });
}

/** The file as found: where it really is, its stats and bytes (undefined when it is new). */
interface Original {
  readonly path: string;
  readonly stats?: Stats;
  readonly bytes?: Buffer;
}

/**
 * Merge `values` into the profile. `guard` sees the current text and throws to refuse. A
 * credentials file holds a secret afterwards, so it loses any group or other access (0600 at most).
 */
async function plantProfile(
  opts: PlantCommonOptions,
  kind: IniKind,
  values: readonly (readonly [string, string])[],
  guard?: (text: string) => void,
): Promise<PlantResult> {
  const original = await readOriginal(opts.file);
  const text = original.bytes ? decodeText(opts.file, original.bytes) : '';
  const merged = mergeProfile(text, { profile: opts.profile, kind, values });
  if (merged.kind !== 'ok') {
    const reason = merged.kind === 'rejected' ? merged.reason : merged.error;
    throw new AppError('KS_PLANT', { file: opts.file, reason });
  }
  guard?.(text);
  const { stats, bytes, path } = original;
  const base = { file: path, created: stats === undefined, replacedProfile: merged.value.replaced };
  const secret = kind === 'credentials';
  if (stats && merged.value.text === text) {
    if (secret && (stats.mode & 0o177) !== 0)
      await fsStep(path, () => chmod(path, stats.mode & 0o600));
    return base;
  }
  return fsStep(path, async () => {
    if (!stats || !bytes) {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await replaceAtomically(path, Buffer.from(merged.value.text, 'utf8'), 0o600, undefined);
      return base;
    }
    const mode = stats.mode & 0o7777;
    const backupFile =
      opts.backup === false
        ? undefined
        : await writeBackup(path, bytes, mode, opts.now ?? new Date());
    const newMode = secret ? mode & 0o600 : mode;
    await replaceAtomically(path, Buffer.from(merged.value.text, 'utf8'), newMode, stats);
    return backupFile === undefined ? base : { ...base, backupFile };
  });
}

/**
 * The text of a file a plant would merge into, checked the way a plant checks it (regular file,
 * size, UTF-8, symlink rules); undefined when it does not exist yet. Throws `KS_PLANT` otherwise.
 */
export async function readPlantableText(file: string): Promise<string | undefined> {
  const original = await readOriginal(file);
  return original.bytes ? decodeText(file, original.bytes) : undefined;
}

async function readOriginal(file: string): Promise<Original> {
  const path = await fsStep(file, () => resolveTarget(file));
  const stats = await fsStep(file, () => statOrUndefined(path));
  if (!stats) return { path };
  checkStats(file, stats);
  const bytes = await fsStep(file, () => readCapped(path));
  return { path, stats, bytes };
}

/** The path to write: `file` itself, or a symlink's target inside the link's own directory. */
async function resolveTarget(file: string): Promise<string> {
  const link = await lstat(file).catch((err: unknown) => {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (!link?.isSymbolicLink()) return file;
  const target = await realpath(file).catch((err: unknown) => {
    if (errorCode(err) !== 'ENOENT') throw err;
    throw new AppError('KS_PLANT', { file, reason: 'it is a symlink to a missing file' });
  });
  const home = await realpath(dirname(file));
  if (!target.startsWith(home + sep)) {
    const reason = `it is a symlink to ${target}, outside ${home}; plant into the target directly`;
    throw new AppError('KS_PLANT', { file, reason });
  }
  return target;
}

function checkStats(file: string, stats: Stats): void {
  if (!stats.isFile()) throw new AppError('KS_PLANT', { file, reason: 'it is not a regular file' });
  if (stats.size > MAX_PLANT_FILE_BYTES) {
    const reason = `it is larger than ${MAX_PLANT_FILE_BYTES} bytes`;
    throw new AppError('KS_PLANT', { file, reason });
  }
}

async function readCapped(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_PLANT_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_PLANT_FILE_BYTES) {
      const reason = `it is larger than ${MAX_PLANT_FILE_BYTES} bytes`;
      throw new AppError('KS_PLANT', { file: path, reason });
    }
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function decodeText(file: string, bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new AppError('KS_PLANT', { file, reason: 'it is not UTF-8 text' }, { cause });
  }
  if (text.includes('\u0000')) throw new AppError('KS_PLANT', { file, reason: 'it is binary' });
  return text;
}

/** `<file>.keysnare-<UTC time>.bak` holding exactly the bytes that were read, same mode. */
async function writeBackup(path: string, bytes: Buffer, mode: number, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  for (let n = 1; n <= 100; n++) {
    const candidate = `${path}.keysnare-${stamp}${n === 1 ? '' : `-${n}`}.bak`;
    try {
      await writeNewFile(candidate, bytes, mode, undefined);
      return candidate;
    } catch (err) {
      if (errorCode(err) !== 'EEXIST') throw err;
    }
  }
  throw new AppError('KS_PLANT', { file: path, reason: 'too many backups with the same time' });
}

/** Create `path` (never overwriting), with exactly `mode` and the owner of `owner`, synced. */
async function writeNewFile(
  path: string,
  data: Buffer,
  mode: number,
  owner: Stats | undefined,
): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.chmod(mode); // open's mode is masked by the umask
    if (owner && (owner.uid !== process.getuid?.() || owner.gid !== process.getgid?.())) {
      await handle.chown(owner.uid, owner.gid);
    }
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write a temp file beside `path`, check nobody changed `path` meanwhile, rename over it. */
async function replaceAtomically(
  path: string,
  data: Buffer,
  mode: number,
  before: Stats | undefined,
): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.keysnare-${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    await writeNewFile(temp, data, mode, before);
    await assertUnchanged(path, before);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await syncDirectory(dirname(path));
}

async function assertUnchanged(path: string, before: Stats | undefined): Promise<void> {
  const now = await statOrUndefined(path);
  const same =
    before === undefined
      ? now === undefined
      : now !== undefined &&
        now.ino === before.ino &&
        now.size === before.size &&
        now.mtimeMs === before.mtimeMs;
  if (!same) {
    const reason = 'it changed while Keysnare was planting; nothing was written, try again';
    throw new AppError('KS_PLANT', { file: path, reason });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename itself has already happened.
  }
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

const FS_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (cannot keep its mode or owner?)',
  ENOSPC: 'no space left on the device',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent of the path is not a directory',
  ELOOP: 'too many levels of symlinks',
};

/** Run a filesystem step; turn Node errors into `KS_PLANT` with a reason from the error code. */
async function fsStep<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = errorCode(err);
    const reason = (code && FS_REASONS[code]) ?? `file system error ${code ?? 'unknown'}`;
    throw new AppError('KS_PLANT', { file, reason }, { cause: err });
  }
}
