import { describe, expect, it } from 'vitest';
import { PUBLIC_CANARY_LISTS, publicCanaryListsFor } from './public-canary-accounts.js';

describe('public canary account lists', () => {
  it('hold the 26 TruffleHog ids and Pacu id, all 12-digit and unique within a list', () => {
    const sizes = Object.fromEntries(PUBLIC_CANARY_LISTS.map((l) => [l.id, l.accounts.length]));
    expect(sizes).toEqual({ 'trufflehog-thinkst': 10, 'trufflehog-off-brand': 16, pacu: 1 });
    for (const list of PUBLIC_CANARY_LISTS) {
      expect(new Set(list.accounts).size).toBe(list.accounts.length);
      for (const account of list.accounts) expect(account).toMatch(/^\d{12}$/);
      expect(list.source).not.toBe('');
    }
  });

  it('finds every list that names an account', () => {
    expect(publicCanaryListsFor('534261010715').map((l) => l.id)).toEqual([
      'trufflehog-thinkst',
      'pacu',
    ]);
    expect(publicCanaryListsFor('044858866125').map((l) => l.id)).toEqual(['trufflehog-off-brand']);
    expect(publicCanaryListsFor('123456789012')).toEqual([]);
  });
});
