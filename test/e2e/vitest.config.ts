import { defineConfig } from 'vitest/config';

/**
 * End-to-end tests: Chromium drives the built web app served by a real Beton server (in-process, on
 * port 0) against the simulators. `npm run test:e2e` builds the web app first when it is missing or
 * older than its sources (see support/web-build.ts).
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // One browser and one server at a time: the machine is shared and the steps build on each other.
    fileParallelism: false,
    env: { BETON_ALLOW_PRIVATE_HOSTS: 'true', LOG_LEVEL: 'silent' },
  },
});
