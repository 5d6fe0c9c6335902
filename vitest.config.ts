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
    reporters: ['default', new CorpusSkipReporter()],
  },
});
