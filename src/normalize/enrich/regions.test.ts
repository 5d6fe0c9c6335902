import { describe, it, expect } from 'vitest';
import { AWS_REGIONS, isKnownRegion } from './regions.js';

describe('isKnownRegion', () => {
  it('knows commercial, GovCloud and China regions, including 2025 launches', () => {
    for (const r of ['us-east-1', 'eu-west-1', 'ap-southeast-7', 'mx-central-1', 'ap-east-2']) {
      expect(isKnownRegion(r)).toBe(true);
    }
    expect(isKnownRegion('us-gov-west-1')).toBe(true);
    expect(isKnownRegion('cn-northwest-1')).toBe(true);
  });

  it('flags the fake regions of the Stratus Red Team corpus and near misses as unknown', () => {
    for (const r of [
      'ap-isob-east-1r',
      'eu-westwest-1r',
      'us-east-1r',
      'US-EAST-1',
      'us-east-9',
      '',
    ]) {
      expect(isKnownRegion(r)).toBe(false);
    }
  });

  it('lists every region once, in CloudTrail spelling', () => {
    expect(new Set(AWS_REGIONS).size).toBe(AWS_REGIONS.length);
    for (const r of AWS_REGIONS) expect(r).toMatch(/^[a-z]{2,4}(?:-[a-z]+)+-\d$/);
  });
});
