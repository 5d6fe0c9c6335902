/**
 * Access key id anatomy, decoded offline: the type prefix and, for modern ids, the 12-digit account
 * id encoded in characters 5–12 (the technique attackers use; reference/landscape.md §D1).
 */

/** Known key/identifier prefixes and what they are. */
export const KEY_PREFIXES = {
  AKIA: 'access-key',
  ASIA: 'temporary-access-key',
  ABIA: 'sts-bearer-token',
  ACCA: 'context-credential',
  AGPA: 'group',
  AIDA: 'iam-user',
  AIPA: 'instance-profile',
  ANPA: 'managed-policy',
  ANVA: 'managed-policy-version',
  APKA: 'public-key',
  AROA: 'role',
  ASCA: 'certificate',
} as const;

/** The kind of identifier a prefix denotes, or 'unknown'. */
export type KeyKind = (typeof KEY_PREFIXES)[keyof typeof KEY_PREFIXES] | 'unknown';

/** Decoded facts about an access key id. */
export interface KeyAnatomy {
  readonly prefix: string;
  readonly kind: KeyKind;
  /** 12-digit account id decoded from the id; undefined when not decodable. */
  readonly accountId?: string;
  /** True for legacy ids (5th character I or J) whose account cannot be decoded. */
  readonly legacy: boolean;
  /** True when the id has the shape of an AWS key id (4-char prefix + 16 base32 chars). */
  readonly wellFormed: boolean;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const WELL_FORMED = /^[A-Z0-9]{4}[A-Z2-7]{16}$/;

/** True when `s` looks like an AWS access key id (AKIA/ASIA/… + 16). */
export function isAccessKeyIdShape(s: string): boolean {
  return /^A(?:KIA|SIA|BIA|CCA)[A-Z2-7]{16}$/.test(s);
}

/**
 * Decode the account id from a key id (`AKIA…`/`ASIA…`), or undefined for legacy ids and ids that
 * are not base32.
 *
 * @example
 * accountIdFromKeyId('ASIAY34FZKBOKMUTVV7A') // '609629065308'
 */
export function accountIdFromKeyId(keyId: string): string | undefined {
  if (keyId.length < 16) return undefined;
  const body = keyId.slice(4);
  const fifth = body[0];
  if (fifth === 'I' || fifth === 'J') return undefined;
  // 10 base32 chars = 50 bits, more than the 48 we need.
  let bits = 0n;
  for (let i = 0; i < 10; i++) {
    const v = BASE32.indexOf(body[i] ?? '');
    if (v < 0) return undefined;
    bits = (bits << 5n) | BigInt(v);
  }
  const z = bits >> 2n; // first 48 bits
  const account = (z & 0x7fffffffff80n) >> 7n;
  return account.toString().padStart(12, '0');
}

/** Full anatomy of a key id. */
export function keyAnatomy(keyId: string): KeyAnatomy {
  const prefix = keyId.slice(0, 4);
  const kind: KeyKind = (KEY_PREFIXES as Record<string, KeyKind>)[prefix] ?? 'unknown';
  const wellFormed = WELL_FORMED.test(keyId);
  const fifth = keyId[4];
  const legacy = fifth === 'I' || fifth === 'J';
  const decodable = (kind === 'access-key' || kind === 'temporary-access-key') && !legacy;
  const accountId = decodable ? accountIdFromKeyId(keyId) : undefined;
  return accountId === undefined
    ? { prefix, kind, legacy, wellFormed }
    : { prefix, kind, accountId, legacy, wellFormed };
}

/**
 * Compose a modern key id (`AKIA`/`ASIA` + 16 base32 chars) that decodes to `accountId`, with the
 * remaining bits taken from `entropy` (≥ 5 bytes: the low 7 bits of byte 0 fill the bits below the
 * account, bytes 1–4 the tail). Bit 47 is set, as in real keys, so the fifth character is never
 * the legacy `I`/`J`. The inverse of {@link accountIdFromKeyId}; used
 * by the demo, test fakes and benchmarks.
 */
export function keyIdForAccount(prefix: string, accountId: string, entropy: Uint8Array): string {
  if (!/^[A-Z]{4}$/.test(prefix)) throw new RangeError('prefix must be 4 capital letters');
  if (!/^\d{12}$/.test(accountId)) throw new RangeError('accountId must be 12 digits');
  if (entropy.length < 5) throw new RangeError('entropy must be at least 5 bytes');
  const low7 = BigInt((entropy[0] ?? 0) & 0x7f);
  const z = (1n << 47n) | (BigInt(accountId) << 7n) | low7;
  let bits = z;
  for (let i = 1; i <= 4; i++) bits = (bits << 8n) | BigInt(entropy[i] ?? 0);
  let out = '';
  for (let i = 15; i >= 0; i--) out += BASE32[Number((bits >> BigInt(i * 5)) & 31n)];
  return prefix + out;
}
