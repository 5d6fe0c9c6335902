/**
 * Well-formed synthetic AWS identifiers that decode to a chosen account: the inverse of
 * `accountIdFromKeyId` in src/core/key-anatomy.ts (reference/aws.md §5.3).
 */
import type { Rng } from './prng.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * A 20-character key id (`AKIA`/`ASIA` + 16 base32 characters) whose characters 5–12 encode
 * `accountId`. Bit 47 is set, so the fifth character is never the legacy `I`/`J`.
 *
 * @example
 * accountIdFromKeyId(encodeKeyId('AKIA', '123456789012', rng)) // '123456789012'
 */
export function encodeKeyId(prefix: string, accountId: string, rng: Rng): string {
  const account = BigInt(accountId);
  const z = (1n << 47n) | (account << 7n) | BigInt(rng.u32() & 0x7f);
  const bytes = new Uint8Array(10);
  for (let i = 0; i < 6; i++) bytes[i] = Number((z >> BigInt(8 * (5 - i))) & 0xffn);
  const tail = rng.u32();
  for (let i = 0; i < 4; i++) bytes[6 + i] = (tail >>> (8 * (3 - i))) & 0xff;
  return prefix + base32Encode(bytes);
}

/** A 21-character unique id (`AIDA…` user, `AROA…` role) for `accountId`. */
export function encodeUniqueId(prefix: string, accountId: string, rng: Rng): string {
  return encodeKeyId(prefix, accountId, rng) + rng.chars(BASE32, 1);
}
