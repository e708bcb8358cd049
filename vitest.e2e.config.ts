import { defineConfig } from 'vitest/config';

/** Browser tests: playwright-core driving Debian's chromium against a real Kardia. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
