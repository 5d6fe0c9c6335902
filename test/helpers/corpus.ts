/**
 * The one way tests read the third-party corpus. {@link describeCorpus} registers a suite that
 * runs when the corpus folder is there, is skipped (and counted in the end-of-run summary) when it
 * is not, and fails with how to get it when it is missing under CI.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe } from 'vitest';
import {
  CORPUS_HOWTO,
  CORPUS_SUITE_PREFIX,
  corpusCandidates,
  findCorpus,
  isCi,
} from './corpus-location.js';

/** Where `sub` would be (in the corpus found, else the first place looked). */
export function corpusPath(sub: string): string {
  return path.join(findCorpus() ?? corpusCandidates()[0]!, sub);
}

/**
 * A suite over the corpus folder `sub` (e.g. 'stratus-red-team/detonation-logs'). `fn` gets the
 * folder's path; it must read files inside tests or hooks, not while the suite is collected.
 */
export function describeCorpus(name: string, sub: string, fn: (dir: string) => void): void {
  const dir = corpusPath(sub);
  const title = `${CORPUS_SUITE_PREFIX}${name}`;
  if (existsSync(dir)) {
    describe(title, () => fn(dir));
    return;
  }
  const missing = `corpus folder missing: ${sub} (looked in ${corpusCandidates().join(', ')}); ${CORPUS_HOWTO}`;
  if (isCi()) {
    describe(title, () => {
      beforeAll(() => {
        throw new Error(`${missing}. CI=true: a missing corpus fails the run.`);
      });
      fn(dir);
    });
    return;
  }
  describe.skip(title, () => fn(dir));
}
