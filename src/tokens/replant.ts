/**
 * After `token rotate`: put the new key where the old one was written. The token's custody history
 * says where: `planted` entries (`token plant`: the file and `profile [NAME]`) and bait entries
 * (`token mint --out`: `bait written to FILE (FORMAT, profile [NAME])`).
 *
 * - A credentials profile that still holds the old key is re-planted in place (same profile,
 *   backup, atomic; see `plant.ts`) and the custody records it.
 * - A profile that is gone or now holds another key, or a missing file, is left alone and named.
 * - Single-key bait files (`.env`, `provider.tf`, …) are never rewritten: the new bait goes to a
 *   new file beside the old one, to be put in its place.
 */
import { basename, dirname, join } from 'node:path';
import type { CustodyEntry, Placement, Token, TokenStore } from '../core/index.js';
import { describeError } from '../core/index.js';
import { writeBait } from './bait-out.js';
import { plantCredentials } from './plant.js';

/** A file Keysnare wrote a token's key into, as read back from its custody history. */
export interface KeyFile {
  readonly file: string;
  readonly profile: string;
  /** Bait format id (`credentials` for `token plant`). */
  readonly format: string;
  readonly how: 'planted' | 'bait';
  /** The placement the plant recorded. */
  readonly placement?: Placement;
}

/** What became of one key file after a rotation. */
export interface ReplantOutcome extends KeyFile {
  /** `replanted`: done in place; `new-file`: new bait beside it; `manual`: update by hand. */
  readonly result: 'replanted' | 'new-file' | 'manual';
  readonly backupFile?: string;
  /** The new bait file (`new-file`). */
  readonly newFile?: string;
  readonly reason?: string;
}

const PLANTED_NOTE = /^profile \[([^\]\s]+)\]/;
const BAIT_NOTE = /^bait written to (.+) \(([\w-]+), profile \[([^\]\s]+)\]\)/;

/** The custody note recording bait written by `token mint --out`. */
export function baitCustodyNote(file: string, format: string, profile: string): string {
  return `bait written to ${file} (${format}, profile [${profile}])`;
}

/** Every file (and profile) the custody history says holds the token's key, latest entry kept. */
export function keyFilesOf(custody: readonly CustodyEntry[]): KeyFile[] {
  const out = new Map<string, KeyFile>();
  for (const c of custody) {
    const planted = c.action === 'planted' ? PLANTED_NOTE.exec(c.note ?? '') : null;
    const path = c.placement?.path;
    if (planted?.[1] && path) {
      const kf = {
        file: path,
        profile: planted[1],
        format: 'credentials',
        how: 'planted' as const,
      };
      out.set(JSON.stringify([path, planted[1]]), { ...kf, placement: c.placement ?? {} });
      continue;
    }
    const bait = BAIT_NOTE.exec(c.note ?? '');
    if (bait?.[1] && bait[2] && bait[3]) {
      const kf = { file: bait[1], format: bait[2], profile: bait[3], how: 'bait' as const };
      out.set(JSON.stringify([kf.file, kf.profile]), kf);
    }
  }
  return [...out.values()];
}

/** What re-planting needs. */
export interface ReplantDeps {
  readonly store: Pick<TokenStore, 'custody' | 'update'>;
  readonly actor: string;
  readonly now: () => Date;
}

/** Put the rotated token's new key into every file its custody names (see the module comment). */
export async function replantAfterRotation(
  deps: ReplantDeps,
  token: Token,
  secret: string,
  previousKeyId: string,
): Promise<ReplantOutcome[]> {
  const outcomes: ReplantOutcome[] = [];
  for (const kf of keyFilesOf(await deps.store.custody(token.id))) {
    // Config bait holds no key (region and output only): nothing to update.
    if (kf.format === 'config') continue;
    const outcome =
      kf.format === 'credentials'
        ? await replantProfile(deps, token, secret, previousKeyId, kf)
        : await writeBeside(deps, token, secret, kf);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function replantProfile(
  deps: ReplantDeps,
  token: Token,
  secret: string,
  previousKeyId: string,
  kf: KeyFile,
): Promise<ReplantOutcome> {
  try {
    const r = await plantCredentials({
      file: kf.file,
      profile: kf.profile,
      accessKeyId: token.accessKeyId,
      secretAccessKey: secret,
      expectKeyIds: [previousKeyId],
      now: deps.now(),
    });
    const note =
      kf.how === 'planted'
        ? `profile [${kf.profile}], re-planted after rotating ${previousKeyId} to ${token.accessKeyId}`
        : `${baitCustodyNote(kf.file, kf.format, kf.profile)}; re-planted after rotating ${previousKeyId}`;
    await deps.store.update(
      token.id,
      {},
      {
        at: deps.now().toISOString(),
        actor: deps.actor,
        action: kf.how === 'planted' ? 'planted' : 'updated',
        ...(kf.placement ? { placement: kf.placement } : {}),
        note,
      },
    );
    return { ...kf, result: 'replanted', ...(r.backupFile ? { backupFile: r.backupFile } : {}) };
  } catch (err) {
    return { ...kf, result: 'manual', reason: describeError(err) };
  }
}

async function writeBeside(
  deps: ReplantDeps,
  token: Token,
  secret: string,
  kf: KeyFile,
): Promise<ReplantOutcome> {
  const stamp = deps.now().toISOString().replace(/[-:.]/g, '');
  const file = join(dirname(kf.file), `${basename(kf.file)}.rotated-${stamp}`);
  const target = { file, format: kf.format, profile: kf.profile, merge: undefined };
  try {
    const w = await writeBait(target, token, secret, new Set(), deps.now());
    await deps.store.update(
      token.id,
      {},
      {
        at: deps.now().toISOString(),
        actor: deps.actor,
        action: 'updated',
        note: baitCustodyNote(w.file, kf.format, kf.profile),
      },
    );
    return { ...kf, result: 'new-file', newFile: w.file };
  } catch (err) {
    return { ...kf, result: 'manual', reason: describeError(err) };
  }
}
