import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountIdFromKeyId, isAccessKeyIdShape, keyAnatomy } from '../../src/core/key-anatomy.js';
import { base32, generateAccessKeyId, generateSecret, generateUniqueId } from './ids.js';

describe('generateAccessKeyId', () => {
  it('encodes the account so that accountIdFromKeyId decodes it back', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 999_999_999_999n }),
        fc.constantFrom('AKIA', 'ASIA'),
        (n, prefix) => {
          const account = n.toString().padStart(12, '0');
          const id = generateAccessKeyId(prefix, account);
          expect(accountIdFromKeyId(id)).toBe(account);
          expect(isAccessKeyIdShape(id)).toBe(true);
          expect(id.startsWith(prefix)).toBe(true);
        },
      ),
    );
  });

  it('produces modern (non-legacy) 20-character ids', () => {
    const anatomy = keyAnatomy(generateAccessKeyId('AKIA', '111122223333'));
    expect(anatomy).toMatchObject({
      kind: 'access-key',
      legacy: false,
      wellFormed: true,
      accountId: '111122223333',
    });
  });

  it('gives different ids for the same account', () => {
    const ids = new Set(
      Array.from({ length: 50 }, () => generateAccessKeyId('AKIA', '123456789012')),
    );
    expect(ids.size).toBe(50);
  });
});

describe('secrets and unique ids', () => {
  it('makes 40-character secrets from the base64 alphabet', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^[A-Za-z0-9/+]{40}$/);
  });

  it('makes 21-character AIDA user ids', () => {
    expect(generateUniqueId('AIDA')).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });

  it('encodes base32 per RFC 4648', () => {
    expect(base32(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32(Buffer.from('f'))).toBe('MY');
  });
});
