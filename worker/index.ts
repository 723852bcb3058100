// The Worker: HTTP (Hono + Remix), the jobs queue consumer (and its dead-letter queue), the cron
// trigger, and the Durable Object class.
import { purgeDueTenants } from './platform/tenants'
import { connectDatabase } from '../db/client'
import { createApp } from './app'
import { settingsOf, type Env } from './env'
import { consumeDeadLetters, consumeJobs, pruneJobLedger } from './jobs/consumer'
import { relayDueJobs } from './jobs/due'
import { jobHandlers } from './jobs/handlers'

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
      if (batch.queue === 'jobs-dlq') await consumeDeadLetters(batch, database.pool)
      else await consumeJobs(batch, { pool: database.pool, enqueue: async (jobs) => void (await env.JOBS.sendBatch(jobs.map((body) => ({ body })))) }, jobHandlers(env))
    } finally {
      await database.close()
    }
  },

  async scheduled(controller, env, ctx) {
    const database = databaseFor(env)
    const send = async (messages: Parameters<typeof env.JOBS.send>[0][]) => void (await env.JOBS.sendBatch(messages.map((body) => ({ body }))))
    ctx.waitUntil(
      Promise.allSettled([
        (async () => {
          // Everything due (reminders, and rows a failed send after commit left behind) goes to the queue.
          const relayed = await relayDueJobs(database.pool, send, { now: new Date(controller.scheduledTime) })
          if (relayed > 0) console.log(`cron: relayed ${relayed} due jobs`)
          const removed = await pruneJobLedger(database.pool)
          if (removed > 0) console.log(`cron: pruned ${removed} finished job records`)
        })(),
        // tenants past their deletion grace period, and expired demo tenants, are dropped
        purgeDueTenants(database.pool).then((purged) => purged.length > 0 && console.log(`cron: deleted tenants ${purged.map((t) => t.slug).join(', ')}`)),
      ])
        .then((results) => results.forEach((r) => r.status === 'rejected' && console.error('cron:', r.reason)))
        .finally(() => database.close()),
    )
  },
} satisfies ExportedHandler<Env, unknown>
