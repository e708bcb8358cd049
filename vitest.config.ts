import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/e2e/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The suite waits on sockets, databases and child processes far more than on the CPU; vitest's
    // default of one worker per spare core would run it file by file on a 2-core machine.
    maxWorkers: Number(process.env.KARDIA_TEST_WORKERS ?? 3),
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
