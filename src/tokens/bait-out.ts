/**
 * Writing a planned token's bait (see `mint-plan.ts`): `credentials`/`config` merged as a profile
 * through `token plant`'s code, other formats as a new file of their own (created 0600, never
 * over an existing file), in folders created 0700. Also: is a path inside a git work tree?
 */
import { existsSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Token } from '../core/index.js';
import { AppError, describeError } from '../core/index.js';
import { pickRegion } from './bait/bait.js';
import { findBaitFormat } from './bait/index.js';
import type { BaitTarget } from './mint-plan.js';
import { parseIni } from './plant-ini.js';
import { plantConfig, plantCredentials } from './plant.js';

/** What writing one token's bait did. */
export interface BaitWritten {
  /** Where the bait is now. */
  readonly file: string;
  /** True when it was merged into a file that existed before this run. */
  readonly mergedIntoExisting: boolean;
  readonly backupFile?: string;
  /** Set when the planned file could not be written and the bait went to `file` instead. */
  readonly fallbackReason?: string;
}

/** Files this run has written to: later tokens merged into them need no backup of our own bait. */
export type TouchedFiles = Set<string>;

/** Render the token's bait for its target. */
export function renderBait(target: BaitTarget, token: Token, secret: string): string {
  return findBaitFormat(target.format).render({
    accessKeyId: token.accessKeyId,
    secretAccessKey: secret,
    region: pickRegion(token.id),
    profile: target.profile,
    seed: token.id,
    ...(token.userName ? { userName: token.userName } : {}),
  });
}

/**
 * Write the token's bait. When the planned file cannot be written (it changed since planning, the
 * disk is full …), the bait goes to a new file `<file>.<token id>` instead so that a secret that
 * is not kept (`canary.secrets.mode: none`) is not lost; only when that fails too does it throw.
 */
export async function writeBait(
  target: BaitTarget,
  token: Token,
  secret: string,
  touched: TouchedFiles,
  now: Date,
): Promise<BaitWritten> {
  const text = renderBait(target, token, secret);
  try {
    const written = await writeTarget(target, text, touched.has(target.file), now);
    touched.add(target.file);
    return written;
  } catch (err) {
    const fallback = `${target.file}.${token.id}`;
    await writeNewFile(fallback, text).catch((again: unknown) => {
      throw new AppError(
        'KS_PLANT',
        { file: target.file, reason: `${describeError(err)}; and ${describeError(again)}` },
        { cause: err },
      );
    });
    return { file: fallback, mergedIntoExisting: false, fallbackReason: describeError(err) };
  }
}

async function writeTarget(
  target: BaitTarget,
  text: string,
  ours: boolean,
  now: Date,
): Promise<BaitWritten> {
  if (target.merge === undefined) {
    await writeNewFile(target.file, text);
    return { file: target.file, mergedIntoExisting: false };
  }
  const values = parseIni(text).sections[0]?.values ?? {};
  const common = { file: target.file, profile: target.profile, backup: !ours, now };
  const r =
    target.merge === 'credentials'
      ? await plantCredentials({
          ...common,
          accessKeyId: values['aws_access_key_id'] ?? '',
          secretAccessKey: values['aws_secret_access_key'] ?? '',
        })
      : await plantConfig({
          ...common,
          region: values['region'] ?? '',
          output: values['output'] ?? '',
        });
  return {
    file: r.file,
    mergedIntoExisting: !r.created && !ours,
    ...(r.backupFile ? { backupFile: r.backupFile } : {}),
  };
}

/** Create `file` 0600 (folders 0700), never replacing anything, synced. */
async function writeNewFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const handle = await open(file, 'wx', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The git work tree holding `path` (found by walking up for a `.git` entry), if any. */
export function gitWorkTreeOf(path: string): string | undefined {
  let dir = resolve(path);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
