import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file runs in its own process: the worker pool, servers and databases of one file never
    // share a process with another's.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file's server and worker pool keep two cores busy: more files at once only makes each slower.
    maxWorkers: 2,
  },
});
