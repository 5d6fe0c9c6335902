/**
 * Assertions the sink integration tests share: the target guard's default, pinned in one wording
 * for every sink (loosening it, or saying it differently, fails every sink's test), and what a
 * delivery to a receiver that is down comes to.
 */
import { expect } from 'vitest';
import type { SinkResult } from '../../src/alert/sink.js';

/** Checks `result` is the guard's refusal of 127.0.0.1, saying how to allow it. */
export function expectRefusedLoopback(result: SinkResult): void {
  expect(result).toMatchObject({
    kind: 'rejected',
    reason: expect.stringMatching(
      /^refused 127\.0\.0\.1 \(127\.0\.0\.1\): loopback; set allowPrivateTargets: true/,
    ) as unknown,
  });
}

/** Checks `result` is indeterminate (retried later) with an error matching `error`. */
export function expectUnreachable(result: SinkResult, error = /ECONNREFUSED/): void {
  expect(result).toMatchObject({
    kind: 'indeterminate',
    error: expect.stringMatching(error) as unknown,
  });
}
