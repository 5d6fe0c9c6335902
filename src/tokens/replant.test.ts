import { describe, expect, it } from 'vitest';
import type { CustodyEntry } from '../core/index.js';
import { baitCustodyNote, keyFilesOf } from './replant.js';

const entry = (e: Partial<CustodyEntry>): CustodyEntry => ({
  tokenId: 'tok_a',
  at: '2025-01-01T00:00:00.000Z',
  actor: 'ops',
  action: 'updated',
  ...e,
});

describe('keyFilesOf', () => {
  it('reads planted profiles and mint --out bait back from the custody history, once each', () => {
    const placement = { host: 'h', path: '/home/ops/.aws/credentials' };
    const files = keyFilesOf([
      entry({ action: 'minted', placement: { host: 'h' } }),
      entry({ note: baitCustodyNote('/ws/bait/h/my (odd) .env', 'dotenv', 'prod') }),
      entry({ action: 'planted', placement, note: 'profile [billing]' }),
      entry({ action: 'planted', placement, note: 'profile [billing], re-planted after …' }),
      entry({ action: 'moved', placement: { host: 'x', path: '/y' }, note: 'profile [z]' }),
    ]);
    expect(files).toEqual([
      { file: '/ws/bait/h/my (odd) .env', format: 'dotenv', profile: 'prod', how: 'bait' },
      {
        file: placement.path,
        format: 'credentials',
        profile: 'billing',
        how: 'planted',
        placement,
      },
    ]);
  });
});
