// Starts what the Workers-runtime tests need: a database (in-memory PGlite, or a throw-away
// database on the PostgreSQL server in DATABASE_URL) behind the Neon WebSocket proxy, migrated.
import type { TestProject } from 'vitest/node'
import { migratePublic } from '../db/migrate'
import { openLocalDatabase } from '../scripts/lib/local-db'
import { connectDatabase } from '../scripts/lib/node-db'
import { startLocalDns } from '../scripts/lib/local-dns'
import { startWebhookReceiver } from './lib/webhook-receiver'

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string
    wsProxy: string
    /** a local DNS-over-HTTPS resolver (scripts/lib/local-dns.ts) for custom-domain verification */
    dnsResolver: string
    /** a webhook receiver and stand-in email/SMS API (test/lib/webhook-receiver.ts) */
    webhookReceiver: string
  }
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.DATABASE_URL
  const local = await openLocalDatabase({ databaseUrl: serverUrl, dataDir: 'memory' })
  let databaseUrl = local.databaseUrl
  let dropDatabase: (() => Promise<void>) | undefined

  if (serverUrl) {
    const name = `ss_test_${Date.now()}_${process.pid}`
    const admin = connectDatabase({ databaseUrl: serverUrl, wsProxy: local.wsProxy })
    await admin.pool.query(`CREATE DATABASE ${name}`)
    await admin.close()
    const url = new URL(serverUrl)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    dropDatabase = async () => {
      const again = connectDatabase({ databaseUrl: serverUrl, wsProxy: local.wsProxy })
      await again.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await again.close()
    }
    console.log(`workers tests: PostgreSQL database ${name} on ${url.host}`)
  } else {
    console.log('workers tests: embedded PGlite (in memory)')
  }

  const database = connectDatabase({ databaseUrl, wsProxy: local.wsProxy })
  await migratePublic(database.pool)
  await database.close()

  project.provide('databaseUrl', databaseUrl)
  project.provide('wsProxy', local.wsProxy)
  const dns = await startLocalDns()
  project.provide('dnsResolver', dns.url)
  const receiver = await startWebhookReceiver()
  project.provide('webhookReceiver', receiver.url)

  return async () => {
    await dropDatabase?.().catch((error) => console.error('could not drop the test database:', error))
    await local.close()
    await dns.close()
    await receiver.close()
  }
}
