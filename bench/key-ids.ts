/**
 * Well-formed synthetic AWS identifiers that decode to a chosen account: the inverse of
 * `accountIdFromKeyId` in src/core/key-anatomy.ts (reference/aws.md §5.3).
 */
import { keyIdForAccount } from '../src/core/key-anatomy.js';
import type { Rng } from './prng.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A 20-character key id (`AKIA`/`ASIA` + 16 base32 characters) whose characters 5–12 encode
 * `accountId` (src/core's `keyIdForAccount`, fed from the seeded generator).
 *
 * @example
 * accountIdFromKeyId(encodeKeyId('AKIA', '123456789012', rng)) // '123456789012'
 */
export function encodeKeyId(prefix: string, accountId: string, rng: Rng): string {
  const low = rng.u32() & 0x7f;
  const tail = rng.u32();
  const entropy = [low, tail >>> 24, (tail >>> 16) & 0xff, (tail >>> 8) & 0xff, tail & 0xff];
  return keyIdForAccount(prefix, accountId, new Uint8Array(entropy));
}

/** A 21-character unique id (`AIDA…` user, `AROA…` role) for `accountId`. */
export function encodeUniqueId(prefix: string, accountId: string, rng: Rng): string {
  return encodeKeyId(prefix, accountId, rng) + rng.chars(BASE32, 1);
}
