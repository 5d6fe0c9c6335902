/**
 * The plan of a `token mint`: each token's id, bait format, bait file and profile, decided and
 * checked before any AWS call, so nothing is minted when the plan cannot be carried out and no
 * two tokens are ever written to one place.
 *
 * - `credentials` and `config` bait for one host (and placement path) share one file, each token
 *   as its own profile; an existing file is merged like `token plant` does (other profiles and
 *   comments kept byte-for-byte, backup, atomic) and never loses a profile: a profile name that
 *   is already there is refused when asked for, and avoided when chosen by Keysnare.
 * - Single-key formats (`env`, `dotenv`, `terraform`, …) give each token a file of its own
 *   (`.env`, `.env-2`, `provider-2.tf`, …); an existing file is refused, never overwritten.
 * - Every problem (unknown format, bad profile name, a host that is not a folder name, duplicate
 *   inventory rows, files that cannot be written) is reported at once with `KS_MINT_PLAN`.
 */
import { lstat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Placement } from '../core/index.js';
import { AppError, describeError } from '../core/index.js';
import {
  PROFILE_NAMES,
  PROFILE_NAME_PATTERN,
  isProfileName,
  pickProfileName,
  seededPick,
} from './bait/bait.js';
import { baitFormats } from './bait/index.js';
import { listProfiles, mergeProfile, type IniKind } from './plant-ini.js';
import { readPlantableText } from './plant.js';
import { newTokenId } from './registry.js';

/** One token asked for: an inventory row, or one of `--count` copies of `--placement`. */
export interface MintRow {
  /** Inventory line number (1 = header), or the 1-based position for `--placement`. */
  readonly line: number;
  readonly placement: Placement;
  readonly label?: string;
  readonly format?: string;
  readonly profile?: string;
}

/** Where and how one token's bait is written. */
export interface BaitTarget {
  readonly file: string;
  /** Bait format id. */
  readonly format: string;
  readonly profile: string;
  /** `credentials`/`config`: merged as a profile; undefined: a file of its own. */
  readonly merge: IniKind | undefined;
}

/** One token of the plan. */
export interface PlannedToken {
  readonly tokenId: string;
  readonly row: MintRow;
  /** Undefined when no bait is written (no `--out`, secret kept sealed). */
  readonly bait?: BaitTarget;
}

/** What to plan. */
export interface MintPlanInput {
  readonly rows: readonly MintRow[];
  /** The inventory file the rows come from (names rows as `FILE line N`), if any. */
  readonly inventory?: string;
  /** Absolute folder bait goes to (`<dir>/<host>/<file>`); undefined: no bait files. */
  readonly outDir?: string;
  readonly defaultFormat: string;
  /** Token ids (default: random registry ids). */
  readonly newId?: () => string;
}

interface Draft {
  readonly tokenId: string;
  readonly row: MintRow;
  /** `FILE line N` or `token N`, for problems. */
  readonly name: string;
  readonly format: string | undefined;
}

/** Several rows named at once: `FILE lines 2, 3` or `tokens 1, 2`. */
function namesOf(drafts: readonly Draft[]): string {
  if (drafts.length === 1) return drafts[0]?.name ?? '';
  const [head] = drafts[0]?.name.split(/ (?=line \d+$|\d+$)/) ?? [];
  const numbers = drafts.map((d) => /\d+$/.exec(d.name)?.[0] ?? '').join(', ');
  return head === 'token' ? `tokens ${numbers}` : `${head ?? ''} lines ${numbers}`;
}

const INI_KINDS: Readonly<Record<string, IniKind>> = {
  credentials: 'credentials',
  config: 'config',
};

/** Plan a mint; throws `KS_MINT_PLAN` listing every problem when any row cannot be carried out. */
export async function planMint(input: MintPlanInput): Promise<PlannedToken[]> {
  const problems: string[] = [];
  const newId = input.newId ?? newTokenId;
  const drafts = input.rows.map((row, i): Draft => {
    const name = input.inventory ? `${input.inventory} line ${row.line}` : `token ${i + 1}`;
    const format = row.format ?? input.defaultFormat;
    const known = baitFormats.some((f) => f.id === format);
    if (!known) {
      const ids = baitFormats.map((f) => f.id).join(', ');
      problems.push(
        `${name}: unknown bait format ${JSON.stringify(format)}; expected one of ${ids}`,
      );
    }
    if (row.profile !== undefined && !isProfileName(row.profile)) {
      const rule = PROFILE_NAME_PATTERN.source;
      problems.push(`${name}: profile name ${JSON.stringify(row.profile)} must match ${rule}`);
    }
    return { tokenId: newId(), row, name, format: known ? format : undefined };
  });
  if (input.inventory) problems.push(...duplicateRows(drafts));
  const targets = input.outDir
    ? await planFiles(drafts, input.outDir, problems)
    : new Map<string, BaitTarget>();
  if (problems.length > 0) throw new AppError('KS_MINT_PLAN', {}, { lines: problems });
  return drafts.map((d) => {
    const bait = targets.get(d.tokenId);
    return { tokenId: d.tokenId, row: d.row, ...(bait ? { bait } : {}) };
  });
}

/** Inventory rows that ask for the same single-key file on the same host twice. */
function duplicateRows(drafts: readonly Draft[]): string[] {
  const seen = new Map<string, Draft[]>();
  for (const d of drafts) {
    const { host, path } = d.row.placement;
    // Profiles sharing a credentials/config file are checked per file (see planProfiles).
    if (!d.format || INI_KINDS[d.format] || host === undefined || path === undefined) continue;
    const key = JSON.stringify([host, path, d.format]);
    seen.set(key, [...(seen.get(key) ?? []), d]);
  }
  return [...seen.values()]
    .filter((list) => list.length > 1)
    .map((list) => {
      const { placement, format } = list[0]?.row ?? { placement: {} };
      return `${namesOf(list)}: the same ${format ?? ''} file ${placement.path ?? ''} on host ${placement.host ?? ''}; one file cannot hold two keys`;
    });
}

/** A host as a folder name, or undefined when it cannot be one. */
function hostFolder(host: string): string | undefined {
  const folder = host.replace(/[^\w.-]/g, '_');
  return folder === '' || folder === '.' || folder === '..' ? undefined : folder;
}

/** `name` numbered: `.env` → `.env-2`, `provider.tf` → `provider-2.tf`. */
export function numberedName(name: string, n: number): string {
  if (n === 1) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
}

interface FileDraft extends Draft {
  readonly file: string;
  readonly kind: IniKind | undefined;
}

async function planFiles(
  drafts: readonly Draft[],
  outDir: string,
  problems: string[],
): Promise<Map<string, BaitTarget>> {
  const used = new Set<string>();
  const groups = new Map<string, string>();
  const claim = (base: string): string => {
    for (let n = 1; ; n++) {
      const candidate = join(base, '..', numberedName(basename(base), n));
      if (!used.has(candidate)) {
        used.add(candidate);
        return candidate;
      }
    }
  };
  const files: FileDraft[] = [];
  for (const d of drafts) {
    const format = baitFormats.find((f) => f.id === d.format);
    if (!format) continue;
    const folder = hostFolder(d.row.placement.host ?? d.tokenId);
    if (folder === undefined) {
      problems.push(`${d.name}: host ${JSON.stringify(d.row.placement.host)} is not a folder name`);
      continue;
    }
    const base = join(outDir, folder, basename(format.defaultFileName));
    const kind = INI_KINDS[format.id];
    const key = JSON.stringify([folder, format.id, d.row.placement.path ?? '']);
    const file = kind ? (groups.get(key) ?? claim(base)) : claim(base);
    if (kind) groups.set(key, file);
    files.push({ ...d, file, kind });
  }
  const targets = new Map<string, BaitTarget>();
  for (const [file, list] of groupBy(files, (f) => f.file)) {
    const kind = list[0]?.kind;
    const planned = kind
      ? await planProfiles(file, kind, list, problems)
      : await planOwnFile(file, list, problems);
    for (const [tokenId, target] of planned) targets.set(tokenId, target);
  }
  return targets;
}

function groupBy<T>(list: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of list) out.set(key(t), [...(out.get(key(t)) ?? []), t]);
  return out;
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    (err: unknown) => {
      if ((err as { code?: unknown }).code === 'ENOENT') return false;
      throw err;
    },
  );
}

/** A single-key file: only ever one token, and never over an existing file. */
async function planOwnFile(
  file: string,
  list: readonly FileDraft[],
  problems: string[],
): Promise<[string, BaitTarget][]> {
  const d = list[0];
  if (!d?.format) return [];
  let taken: boolean;
  try {
    taken = await exists(file);
  } catch (err) {
    problems.push(`${d.name}: cannot check ${file}: ${describeError(err)}`);
    return [];
  }
  if (taken) {
    problems.push(
      `${d.name}: ${file} already exists; a ${d.format} file holds one key, so it is never overwritten or merged: choose another --out`,
    );
    return [];
  }
  const profile = d.row.profile ?? pickProfileName(d.tokenId);
  return [[d.tokenId, { file, format: d.format, profile, merge: undefined }]];
}

/** A credentials/config file: one distinct profile per token, none that already exists. */
async function planProfiles(
  file: string,
  kind: IniKind,
  list: readonly FileDraft[],
  problems: string[],
): Promise<[string, BaitTarget][]> {
  let text: string | undefined;
  try {
    text = await readPlantableText(file);
  } catch (err) {
    problems.push(`${namesOf(list)}: ${describeError(err)}`);
    return [];
  }
  const existing = new Set(text === undefined ? [] : listProfiles(text, kind));
  const taken = new Set(existing);
  const chosen = new Map<string, string>();
  const asked = groupBy(
    list.filter((x) => x.row.profile !== undefined),
    (d) => d.row.profile ?? '',
  );
  for (const [profile, rows] of asked) {
    const names = namesOf(rows);
    if (existing.has(profile)) {
      problems.push(
        `${names}: profile [${profile}] already exists in ${file} and is not replaced: choose another profile`,
      );
    } else if (rows.length > 1) {
      problems.push(`${names}: profile [${profile}] is asked for ${rows.length} times in ${file}`);
    }
    taken.add(profile);
    for (const d of rows) chosen.set(d.tokenId, profile);
  }
  for (const d of list.filter((x) => x.row.profile === undefined)) {
    const profile = freeProfile(d.tokenId, taken);
    taken.add(profile);
    chosen.set(d.tokenId, profile);
  }
  return list.flatMap((d): [string, BaitTarget][] => {
    const profile = chosen.get(d.tokenId) ?? '';
    const merged = mergeProfile(text ?? '', { profile, kind, values: [['region', 'x']] });
    if (merged.kind !== 'ok') {
      const reason = merged.kind === 'rejected' ? merged.reason : merged.error;
      problems.push(`${d.name}: cannot merge into ${file}: ${reason}`);
      return [];
    }
    return [[d.tokenId, { file, format: d.format ?? kind, profile, merge: kind }]];
  });
}

/** The token's usual profile name, or another realistic one when that one is taken. */
function freeProfile(seed: string, taken: ReadonlySet<string>): string {
  const first = pickProfileName(seed);
  if (!taken.has(first)) return first;
  for (let n = 1; n < 32; n++) {
    const next = seededPick(seed, `profile:${n}`, PROFILE_NAMES);
    if (!taken.has(next)) return next;
  }
  const left = PROFILE_NAMES.find((p) => !taken.has(p));
  if (left) return left;
  let n = 2;
  while (taken.has(`${first}-${n}`)) n++;
  return `${first}-${n}`;
}
