import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  accountIdFromKeyId,
  isAccessKeyIdShape,
  keyAnatomy,
  keyIdForAccount,
} from './key-anatomy.js';

describe('key anatomy', () => {
  it('decodes the account from published example key ids', () => {
    // Hacking the Cloud's example, and canarytokens.org's shared prefix (landscape.md §D1).
    expect(accountIdFromKeyId('ASIAY34FZKBOKMUTVV7A')).toBe('609629065308');
    expect(accountIdFromKeyId('AKIAYVP4CIPPERUVIFXG')).toBe('595918472158');
  });

  it('marks legacy ids (fifth character I or J) as not decodable', () => {
    const a = keyAnatomy('AKIAIOSFODNN7EXAMPLE');
    expect(a).toMatchObject({ prefix: 'AKIA', kind: 'access-key', legacy: true });
    expect(a.accountId).toBeUndefined();
  });

  it('names prefixes and refuses ids that are not base32', () => {
    expect(keyAnatomy('ASIAY34FZKBOKMUTVV7A').kind).toBe('temporary-access-key');
    expect(keyAnatomy('AIDAY34FZKBOKMUTVV7AB').accountId).toBeUndefined();
    expect(keyAnatomy('XXXX0000').kind).toBe('unknown');
    expect(accountIdFromKeyId('AKIA11111111111111111')).toBeUndefined();
    expect(isAccessKeyIdShape('AKIAY34FZKBOKMUTVV7A')).toBe(true);
    expect(isAccessKeyIdShape('<script>AKIA')).toBe(false);
  });

  it('composes ids that decode back to their account', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{12}$/),
        fc.uint8Array({ minLength: 5, maxLength: 5 }),
        fc.constantFrom('AKIA', 'ASIA'),
        (account, entropy, prefix) => {
          const id = keyIdForAccount(prefix, account, entropy);
          expect(keyAnatomy(id)).toMatchObject({
            accountId: account,
            legacy: false,
            wellFormed: true,
          });
        },
      ),
    );
    expect(() => keyIdForAccount('AKIA', '12', new Uint8Array(5))).toThrow(RangeError);
  });
});
