/**
 * Identifier generators for the fake: access key ids whose embedded account decodes back to the
 * fake's account (the inverse of `accountIdFromKeyId` in src/core/key-anatomy.ts), unique ids,
 * secrets and session tokens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { keyIdForAccount } from '../../src/core/key-anatomy.js';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** A modern access key id (`AKIA…`/`ASIA…`, 20 chars) that encodes `accountId` (core's encoder). */
export function generateAccessKeyId(prefix: 'AKIA' | 'ASIA', accountId: string): string {
  return keyIdForAccount(prefix, accountId, randomBytes(5));
}

/** A unique id such as `AIDA…` (user) or `AGPA…` (group): prefix + 17 base32 chars. */
export function generateUniqueId(prefix: 'AIDA' | 'AGPA'): string {
  return prefix + base32(randomBytes(11)).slice(0, 17);
}

/** A 40-character secret access key from the base64 alphabet. */
export function generateSecret(): string {
  return randomBytes(30).toString('base64');
}

/** A session token shaped like STS's (long base64 text starting `IQoJb3JpZ2lu`). */
export function generateSessionToken(): string {
  return 'IQoJb3JpZ2luX2VjE' + randomBytes(240).toString('base64');
}

/** A request id (uuid v4), as IAM and STS return. */
export function generateRequestId(): string {
  return randomUUID();
}

/** 16 random alphanumerics, as in CloudTrail log file names. */
export function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
