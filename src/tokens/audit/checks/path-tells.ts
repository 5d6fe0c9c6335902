import type { AuditCheck } from '../audit.js';
import { userPathOf } from '../identity.js';
import { pathProblems } from '../path-tells.js';

const ID = 'path-tells';

/** The IAM path in the recorded ARN reveals the canary (tool paths, tell words, any non-`/` path). */
export const pathTells = {
  id: ID,
  title: 'IAM path gives the canary away',
  live: false,
  run(token) {
    const path = userPathOf(token);
    return path === undefined ? [] : pathProblems(path, ID, 'recorded ARN');
  },
  note(token) {
    return userPathOf(token) === undefined ? 'no user ARN recorded; path not checked' : undefined;
  },
} as const satisfies AuditCheck;
