/**
 * How the data set is cut into CloudTrail delivery files: which account and region each file
 * belongs to, when it was delivered, how many records it holds, and its S3-style object key.
 */
import { pickWeighted, weighted, type Rng } from './prng.js';

/** One delivery file to write. */
export interface FilePlan {
  readonly index: number;
  readonly accountId: string;
  readonly region: string;
  /** Delivery time (epoch ms, whole minutes); events happen before it. */
  readonly deliveryMs: number;
  /** Records in the file, canary events included. */
  readonly count: number;
  /** Path relative to the data directory (`AWSLogs/…/….json.gz`). */
  readonly key: string;
}

const REGIONS = weighted([
  ['us-east-1', 45],
  ['us-west-2', 20],
  ['eu-west-1', 15],
  ['eu-central-1', 10],
  ['ap-southeast-2', 10],
] as const);

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** First delivery time of every data set (fixed so data sets are reproducible). */
export const FIRST_DELIVERY_MS = Date.UTC(2025, 2, 3, 0, 0);

/** The S3 object key CloudTrail uses for a delivery file (reference/aws.md §2.1). */
export function deliveryKey(
  accountId: string,
  region: string,
  deliveryMs: number,
  unique: string,
): string {
  const iso = new Date(deliveryMs).toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  const stamp = `${y}${m}${d}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  return `AWSLogs/${accountId}/CloudTrail/${region}/${y}/${m}/${d}/${accountId}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

/**
 * Cut `records` records into files of `perFile[0]`–`perFile[1]` records (the last may be smaller),
 * spread over the accounts and weighted regions, delivered a few minutes apart.
 */
export function planFiles(
  rng: Rng,
  accountIds: readonly string[],
  records: number,
  perFile: readonly [number, number],
): FilePlan[] {
  const plans: FilePlan[] = [];
  let remaining = records;
  let deliveryMs = FIRST_DELIVERY_MS;
  while (remaining > 0) {
    const count = Math.min(remaining, rng.int(perFile[0], perFile[1]));
    const accountId = rng.pick(accountIds);
    const region = pickWeighted(rng, REGIONS);
    deliveryMs += rng.int(1, 4) * 60_000;
    const key = deliveryKey(accountId, region, deliveryMs, rng.chars(ALNUM, 16));
    plans.push({ index: plans.length, accountId, region, deliveryMs, count, key });
    remaining -= count;
  }
  return plans;
}
