// Integration tests inside the Workers runtime (workerd via miniflare) against a real database:
// an in-memory PGlite by default, or a throw-away database on the server in DATABASE_URL.
import { resolve } from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { TEST_PLATFORM_TOKEN } from './test/constants'

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          NEON_WS_PROXY: inject('wsProxy'),
          ENVIRONMENT: 'test',
          PLATFORM_BOOTSTRAP_TOKEN: TEST_PLATFORM_TOKEN,
        },
      },
    })),
  ],
  resolve: {
    alias: { 'virtual:remix-build': resolve(import.meta.dirname, 'build/server/index.js') },
  },
  test: {
    name: 'workers',
    include: ['{worker,db,durable-objects,test}/**/*.worker.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
