// Integration tests inside the Workers runtime (workerd via miniflare) against a real database:
// an in-memory PGlite by default, or a throw-away database on the server in DATABASE_URL.
import { resolve } from 'node:path'
import { cloudflareTest } from '@cloudflare/vitest-pool-workers'
import { defineConfig } from 'vitest/config'
import { TEST_DATA_KEY, TEST_PLATFORM_TOKEN, TEST_SIGNING_KEYS } from './test/constants'

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          DATABASE_URL: inject('databaseUrl'),
          NEON_WS_PROXY: inject('wsProxy'),
          DNS_RESOLVER_URL: inject('dnsResolver'),
          WEBHOOK_RECEIVER_URL: inject('webhookReceiver'),
          ENVIRONMENT: 'test',
          PLATFORM_BOOTSTRAP_TOKEN: TEST_PLATFORM_TOKEN,
          AUTH_SIGNING_KEYS: TEST_SIGNING_KEYS,
          DATA_ENCRYPTION_KEY: TEST_DATA_KEY,
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
