/**
 * The bait-format interface and the deterministic, realistic choices every format shares.
 *
 * A bait file must not carry template tells (reference/landscape.md §D4): canarytokens always
 * renders `[default]` with `region = us-east-2` and `output = json` inside `credentials`. Here every
 * variation (profile name, region, output, neighbouring keys, resource names) is picked from
 * realistic lists by hashing the token's seed, so one token always renders the same bait and
 * different tokens render different bait.
 */
import { createHash } from 'node:crypto';
import { AppError } from '../../core/errors.js';

/** What a bait format renders from. */
export interface BaitInput {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  /** A realistic profile name (see {@link pickProfileName}). */
  readonly profile: string;
  /**
   * The IAM user name. Validated but written by no current format on purpose: a user name in the
   * bait would let an attacker judge it against known tells offline, without touching AWS.
   */
  readonly userName?: string;
  /** Stable per token: every variation is picked deterministically from it. */
  readonly seed: string;
}

/** One bait format: a file an attacker would expect to find holding AWS keys. */
export interface BaitFormat {
  /** `credentials` … `k8s-secret`; the format's source file is `<id>.ts`. */
  readonly id: string;
  readonly description: string;
  /** The base name such a file usually has (`credentials`, `.env`, `provider.tf`, …). */
  readonly defaultFileName: string;
  /** Render the bait; throws `KS_BAIT_INPUT` when the input cannot be rendered safely. */
  render(input: BaitInput): string;
}

/**
 * Profile names people actually use. Never words that reveal a trap (canary, honey, decoy, bait,
 * fake, trap, test-token …); `default` is left to the caller so it is not over-represented.
 */
export const PROFILE_NAMES = [
  'prod',
  'production',
  'deploy',
  'admin-legacy',
  'billing',
  'terraform',
  'ci',
  'backup',
  'data-eng',
  'staging',
  'ops',
  'infra',
  'legacy-prod',
  'analytics',
  'platform',
  'release',
  'etl',
  's3-sync',
  'dev',
  'sandbox',
  'mgmt',
  'reporting',
] as const;

/**
 * Regions weighted roughly like real usage: mostly us-east-1, us-west-2 and eu-west-1, never one
 * region for every token. `us-east-2` is left out: canarytokens.org writes it into every AWS key
 * bait, so `token audit` (checks/bait-tells.ts) counts it as a tell.
 */
export const REGION_WEIGHTS: readonly (readonly [region: string, weight: number])[] = [
  ['us-east-1', 30],
  ['us-west-2', 20],
  ['eu-west-1', 14],
  ['eu-central-1', 8],
  ['eu-west-2', 5],
  ['ap-southeast-2', 4],
  ['ap-southeast-1', 3],
  ['ap-northeast-1', 3],
  ['ca-central-1', 2],
  ['ap-south-1', 2],
  ['sa-east-1', 1],
  ['eu-north-1', 2],
];

/** A number in [0, 2^32) derived from the seed and a purpose, stable across runs and platforms. */
export function seededNumber(seed: string, purpose: string): number {
  return createHash('sha256').update(`${purpose}\u0000${seed}`).digest().readUInt32BE(0);
}

/** Pick one element of `list` for this seed and purpose. */
export function seededPick<const L extends readonly [unknown, ...unknown[]]>(
  seed: string,
  purpose: string,
  list: L,
): L[number] {
  return list[seededNumber(seed, purpose) % list.length] ?? list[0];
}

/** Pick from weighted entries for this seed and purpose. */
export function seededWeighted<T>(
  seed: string,
  purpose: string,
  entries: readonly (readonly [T, number])[],
): T {
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let point = seededNumber(seed, purpose) % total;
  for (const [value, weight] of entries) {
    if (point < weight) return value;
    point -= weight;
  }
  throw new AppError('KS_INTERNAL', { reason: 'weighted pick ran past its entries' });
}

/** A UUID (version-4 layout) derived from the seed, for formats whose files carry an id. */
export function seededUuid(seed: string, purpose: string): string {
  const b = createHash('sha256').update(`uuid:${purpose}\u0000${seed}`).digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A realistic profile name for this seed. */
export function pickProfileName(seed: string): string {
  return seededPick(seed, 'profile', PROFILE_NAMES);
}

/** A realistic region for this seed, weighted toward the regions most accounts use. */
export function pickRegion(seed: string): string {
  return seededWeighted(seed, 'region', REGION_WEIGHTS);
}

/**
 * Profile names Keysnare writes: safe inside an INI section header, a shell word and a YAML plain
 * scalar. Rejects `]`, `[`, whitespace, newlines and quotes rather than trying to escape them.
 */
export const PROFILE_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,63}$/;
/** AWS access key ids: 16–128 word characters (IAM API `AccessKeyId` constraints). */
export const ACCESS_KEY_ID_PATTERN = /^\w{16,128}$/;
/**
 * Secret access keys: printable ASCII without whitespace, quotes, backtick or backslash. Real
 * secrets are base64 (`A–Z a–z 0–9 / +`); the rest of the set is allowed and escaped per format.
 */
export const SECRET_ACCESS_KEY_PATTERN = /^[!#-&(-[\]-_a-~]{16,128}$/;
/** Region names such as `us-east-1`, `us-gov-west-1`, `eu-central-2`. */
export const REGION_PATTERN = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
/** IAM user names. */
export const USER_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** True when `name` is a profile name Keysnare will write. */
export function isProfileName(name: string): boolean {
  return PROFILE_NAME_PATTERN.test(name);
}

/** Why `input` cannot be rendered, or undefined when it can. */
export function baitInputProblem(input: BaitInput): string | undefined {
  if (!ACCESS_KEY_ID_PATTERN.test(input.accessKeyId)) {
    return 'access key id must be 16-128 letters, digits or underscores';
  }
  if (!SECRET_ACCESS_KEY_PATTERN.test(input.secretAccessKey)) {
    return 'secret access key must be 16-128 printable characters without spaces, quotes or backslashes';
  }
  if (!REGION_PATTERN.test(input.region))
    return `region ${JSON.stringify(input.region)} is not a region name`;
  if (!isProfileName(input.profile)) {
    return `profile name ${JSON.stringify(input.profile)} must match ${PROFILE_NAME_PATTERN.source}`;
  }
  if (input.userName !== undefined && !USER_NAME_PATTERN.test(input.userName)) {
    return `user name ${JSON.stringify(input.userName)} is not an IAM user name`;
  }
  if (input.seed.length === 0) return 'seed is empty';
  return undefined;
}

/** Throw `KS_BAIT_INPUT` for `format` when `input` cannot be rendered safely. */
export function assertBaitInput(format: string, input: BaitInput): void {
  const reason = baitInputProblem(input);
  if (reason !== undefined) throw new AppError('KS_BAIT_INPUT', { format, reason });
}
