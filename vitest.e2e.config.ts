// Browser tests: the whole local platform (scripts/start.ts) in a child process, driven by
// Debian's Chromium through playwright-core. `npm run test:e2e`; SKIP_BUILD=1 reuses build/.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    // One platform, one browser per file: no parallel files fighting over them.
    fileParallelism: false,
    // Starting takes up to a minute (database, migrations, Remix build, wrangler dev); the first
    // request to a cold Worker can take seconds.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
  },
})
