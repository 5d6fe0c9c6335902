import { defineConfig } from 'vitest/config';
import { CorpusSkipReporter } from './test/helpers/corpus-reporter.js';

export default defineConfig({
  test: {
    include: [
      'src/**/*.test.ts',
      'test/**/*.test.ts',
      'bench/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Worker threads under test load TypeScript through tsx, whose compile cache would otherwise
    // stay behind in the temp folder (tsx-UID/) after every run.
    env: { TSX_DISABLE_CACHE: '1' },
    reporters: ['default', new CorpusSkipReporter()],
  },
});
