import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isAppError } from '../../core/errors.js';
import {
  PROFILE_NAMES,
  REGION_PATTERN,
  REGION_WEIGHTS,
  assertBaitInput,
  pickProfileName,
  pickRegion,
  seededPick,
  seededUuid,
  seededWeighted,
  type BaitInput,
} from './bait.js';

const TELL_WORDS = /canary|honey|decoy|bait|trap|fake|token|test|keysnare|dummy/i;

function seeds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `tok_${i.toString(36).padStart(12, 'a')}`);
}

const GOOD: BaitInput = {
  accessKeyId: 'AKIAY34FZKBOKMUTVV7A',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'eu-west-1',
  profile: 'billing',
  seed: 'tok_abcdefabcdef',
};

describe('pickProfileName', () => {
  it('is stable for a seed and varies across seeds', () => {
    fc.assert(fc.property(fc.string(), (seed) => pickProfileName(seed) === pickProfileName(seed)));
    expect(new Set(seeds(200).map(pickProfileName)).size).toBeGreaterThan(10);
  });

  it('never picks a name that gives the trap away, nor default', () => {
    for (const name of PROFILE_NAMES) expect(name).not.toMatch(TELL_WORDS);
    for (const seed of seeds(500)) expect(pickProfileName(seed)).not.toBe('default');
  });
});

describe('pickRegion', () => {
  it('spreads tokens over many regions, weighted to the common ones, never us-east-2', () => {
    const picked = seeds(2000).map(pickRegion);
    const count = (r: string): number => picked.filter((p) => p === r).length;
    expect(new Set(picked).size).toBeGreaterThanOrEqual(8);
    // canarytokens.org's region: token audit flags bait that names it.
    expect(count('us-east-2')).toBe(0);
    const top = count('us-east-1') + count('us-west-2') + count('eu-west-1');
    expect(top / picked.length).toBeGreaterThan(0.5);
    expect(count('us-east-1')).toBeGreaterThan(count('ap-south-1'));
  });

  it('only picks well-formed region names', () => {
    for (const [region] of REGION_WEIGHTS) expect(region).toMatch(REGION_PATTERN);
  });
});

describe('seeded helpers', () => {
  it('decorrelates purposes: the same seed picks independently per purpose', () => {
    const list = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] as const;
    const differs = seeds(100).filter(
      (s) => seededPick(s, 'one', list) !== seededPick(s, 'two', list),
    );
    expect(differs.length).toBeGreaterThan(50);
  });

  it('weighted picks never choose a zero-weight entry', () => {
    const entries = [
      ['never', 0],
      ['always', 3],
    ] as const;
    for (const s of seeds(100)) expect(seededWeighted(s, 'w', entries)).toBe('always');
  });

  it('makes version-4 shaped UUIDs, stable per seed', () => {
    const id = seededUuid('tok_x', 'postman');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(seededUuid('tok_x', 'postman')).toBe(id);
    expect(seededUuid('tok_y', 'postman')).not.toBe(id);
  });
});

describe('assertBaitInput', () => {
  it('accepts realistic input', () => {
    expect(() => assertBaitInput('credentials', GOOD)).not.toThrow();
    expect(() =>
      assertBaitInput('credentials', { ...GOOD, userName: 'svc-backup@prod' }),
    ).not.toThrow();
  });

  it.each([
    ['a profile with ]', { profile: 'prod]' }],
    ['a profile with a newline', { profile: 'prod\n[evil]' }],
    ['a profile with a space', { profile: 'my prod' }],
    ['an empty profile', { profile: '' }],
    ['a secret with a newline', { secretAccessKey: 'abcdefghijklmnop\nq' }],
    ['a secret with a quote', { secretAccessKey: "abcdefghijklmnop'q" }],
    ['a secret with a space', { secretAccessKey: 'abcdefghijklm nopq' }],
    ['a short key id', { accessKeyId: 'AKIA123' }],
    ['a key id with punctuation', { accessKeyId: 'AKIAY34FZKBOKMUTVV7A"' }],
    ['a region with a newline', { region: 'us-east-1\nx' }],
    ['a user name with a slash', { userName: 'a/b' }],
    ['an empty seed', { seed: '' }],
  ])('rejects %s with KS_BAIT_INPUT', (_, patch) => {
    try {
      assertBaitInput('env', { ...GOOD, ...patch });
      expect.unreachable('should have thrown');
    } catch (err) {
      expect(isAppError(err, 'KS_BAIT_INPUT')).toBe(true);
      expect((err as Error).message).toContain('env');
    }
  });
});
