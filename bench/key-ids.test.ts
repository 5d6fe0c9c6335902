import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accountIdFromKeyId, keyAnatomy } from '../src/core/key-anatomy.js';
import { encodeKeyId, encodeUniqueId } from './key-ids.js';
import { createRng } from './prng.js';

describe('encodeKeyId', () => {
  it('makes well-formed, non-legacy ids that decode to the chosen account', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{12}$/),
        fc.nat(),
        fc.constantFrom('AKIA', 'ASIA'),
        (account, seed, prefix) => {
          const id = encodeKeyId(prefix, account, createRng(seed));
          const anatomy = keyAnatomy(id);
          expect(id).toMatch(/^(AKIA|ASIA)[A-Z2-7]{16}$/);
          expect(anatomy.legacy).toBe(false);
          expect(anatomy.wellFormed).toBe(true);
          expect(accountIdFromKeyId(id)).toBe(account);
        },
      ),
    );
  });

  it('makes 21-character unique ids for users and roles', () => {
    expect(encodeUniqueId('AIDA', '123456789012', createRng(1))).toMatch(/^AIDA[A-Z2-7]{17}$/);
  });
});
