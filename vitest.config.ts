import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/close-sandbox-pool.ts'],
    // One throwaway PostgreSQL server per run, started by the first test file that needs it.
    globalSetup: ['test/support/postgres/global-setup.ts'],
    // Sandboxed evaluators and local HTTP servers make some tests slow on 2 cores; none should take a minute.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI also writes machine-readable results, from which .ci/run prints its closing count line.
    reporters: process.env['CI'] === undefined ? ['default'] : ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
  },
});
