// The Worker: HTTP (Hono + Remix), the jobs queue consumer, the cron trigger, and the Durable Object class.
import { purgeDueTenants } from './platform/tenants'
import { connectDatabase } from '../db/client'
import { createApp } from './app'
import { settingsOf, type Env } from './env'
import { consumeJobs, pruneJobLedger } from './jobs/consumer'

export { TenantHub } from '../durable-objects/tenant-hub'

const app = createApp()

function databaseFor(env: Env) {
  const settings = settingsOf(env)
  return connectDatabase({ databaseUrl: settings.DATABASE_URL, wsProxy: settings.NEON_WS_PROXY })
}

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const database = databaseFor(env)
    try {
      await consumeJobs(batch, database.pool)
    } finally {
      await database.close()
    }
  },

  async scheduled(_controller, env, ctx) {
    const database = databaseFor(env)
    ctx.waitUntil(
      Promise.allSettled([
        pruneJobLedger(database.pool).then((removed) => removed > 0 && console.log(`cron: pruned ${removed} finished job records`)),
        // tenants past their deletion grace period, and expired demo tenants, are dropped
        purgeDueTenants(database.pool).then((purged) => purged.length > 0 && console.log(`cron: deleted tenants ${purged.map((t) => t.slug).join(', ')}`)),
      ])
        .then((results) => results.forEach((r) => r.status === 'rejected' && console.error('cron:', r.reason)))
        .finally(() => database.close()),
    )
  },
} satisfies ExportedHandler<Env, unknown>
