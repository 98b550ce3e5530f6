import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most files wait on sockets, child processes and rate limits rather than the CPU: run at
    // least three side by side even on a two-core machine (Vitest's default there is one).
    maxWorkers: Math.max(3, availableParallelism()),
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true', LOG_LEVEL: 'silent' },
  },
});
