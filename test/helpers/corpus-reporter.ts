/**
 * A vitest reporter that ends the run with a loud notice when corpus tests were skipped because
 * the corpus is missing (see corpus.ts): how many, and how to get the corpus.
 */
import type { Reporter, TestModule } from 'vitest/node';
import {
  CORPUS_HOWTO,
  CORPUS_SUITE_PREFIX,
  corpusCandidates,
  findCorpus,
} from './corpus-location.js';

/** Counts skipped `[corpus]` tests and prints the notice on stderr. */
export class CorpusSkipReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    if (findCorpus() !== undefined) return;
    let skipped = 0;
    for (const m of testModules) {
      for (const t of m.children.allTests()) {
        if (t.fullName.includes(CORPUS_SUITE_PREFIX) && t.result().state === 'skipped') skipped++;
      }
    }
    if (skipped === 0) return;
    const bar = '!'.repeat(78);
    process.stderr.write(
      [
        '',
        bar,
        `!! ${skipped} CORPUS TEST(S) SKIPPED: the third-party corpus is missing.`,
        `!! Looked in: ${corpusCandidates().join(', ')}`,
        `!! To run them: ${CORPUS_HOWTO}.`,
        '!! (Under CI=true a missing corpus fails instead.)',
        bar,
        '',
      ].join('\n'),
    );
  }
}
