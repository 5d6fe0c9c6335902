/**
 * What CloudTrail's S3 keys say (reference/aws.md §2.1): which keys are log files (digest and
 * Insights files, folder markers and other objects are not), the delivery time in a log file's
 * name, and the layout `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/…`
 * whose `…/CloudTrail/<region>/` folders ("leaves") list in delivery order.
 */

const DIGEST = /(?:^|\/)CloudTrail-Digest\/|_CloudTrail-Digest_/;
const INSIGHT = /(?:^|\/)CloudTrail-Insight\//;
const LOG_SUFFIX = /\.json(?:\.gz)?$/i;
/** `<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_` — the name up to its random part. */
const STAMPED =
  /^(.*\/)?(\d{12}_CloudTrail_[a-z0-9-]+_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_)[^/]*$/;
const LEAF = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?\d{12}\/CloudTrail\/[a-z0-9-]+\/$/;
const WITHIN_LEAF = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?\d{12}\/CloudTrail\/[a-z0-9-]+\//;
const ABOVE_LEAF = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]+\/)?(?:\d{12}\/(?:CloudTrail\/)?)?$/;

/** Why `key` is not fetched as a CloudTrail log file, or undefined when it is one. */
export function skipReason(key: string): string | undefined {
  if (key === '' || key.endsWith('/')) return 'a folder marker';
  if (DIGEST.test(key)) return 'a CloudTrail digest file';
  if (INSIGHT.test(key)) return 'a CloudTrail Insights file';
  if (!LOG_SUFFIX.test(key)) return 'not a CloudTrail log file (.json.gz)';
  return undefined;
}

/** The delivery time (epoch ms) in a CloudTrail log file's name, or undefined. */
export function deliveryTime(key: string): number | undefined {
  const m = STAMPED.exec(key);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(3, 8).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Where to list from to see every file delivered in the same minute as `key`, including ones
 * whose random part sorts before it: the key up to `…_<stamp>_` (a proper prefix of them all).
 * A key without CloudTrail's name is its own start.
 */
export function minuteStart(key: string): string {
  const m = STAMPED.exec(key);
  return m ? `${m[1] ?? ''}${m[2] ?? ''}` : key;
}

/** True for a `…/AWSLogs/[o-…/]<account>/CloudTrail/<region>/` folder. */
export function isLeaf(prefix: string): boolean {
  return LEAF.test(prefix);
}

/** True when `prefix` is a leaf or lies inside one. */
export function isWithinLeaf(prefix: string): boolean {
  return WITHIN_LEAF.test(prefix);
}

/** True when leaves may lie under `prefix` (`AWSLogs/`, an org or account folder, `CloudTrail/`). */
export function isAboveLeaf(prefix: string): boolean {
  return ABOVE_LEAF.test(prefix);
}
