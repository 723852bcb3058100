// Database access over @neondatabase/serverless (WebSocket Pool, so transactions work).
// The same code reaches Neon in production and the local WebSocket proxy in development;
// which one is decided by settings (DATABASE_URL, NEON_WS_PROXY), not by code.
import { Pool, neonConfig, type PoolClient } from '@neondatabase/serverless'
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless'
import * as publicSchema from './public'

export interface DatabaseSettings {
  databaseUrl: string
  /** host:port of a Neon-protocol WebSocket proxy (local development and tests); unset for Neon. */
  wsProxy?: string
}

export type Db = NeonDatabase<typeof publicSchema>

export interface Database {
  pool: Pool
  db: Db
  close(): Promise<void>
}

/**
 * neonConfig is module-global in the driver; every caller in one process uses the same
 * settings, so applying them on each connect is idempotent.
 */
export function configureDriver(settings: DatabaseSettings): void {
  if (settings.wsProxy) {
    const proxy = settings.wsProxy
    neonConfig.wsProxy = (host, port) => `${proxy}/v2?address=${host}:${port}`
    neonConfig.useSecureWebSocket = false
    // Pipelining sends the password before the server asks for it; only Neon's proxy expects that.
    neonConfig.pipelineConnect = false
    neonConfig.pipelineTLS = false
  }
}

/**
 * A pool for one unit of work (a request, a queue batch, a Durable Object call). Two connections
 * at most: a request's parallel reads share them, and a burst of requests cannot exhaust the
 * server's connection slots (Neon's pooler and a local Postgres both have a ceiling).
 */
export function connectDatabase(settings: DatabaseSettings, options: { max?: number } = {}): Database {
  configureDriver(settings)
  const pool = new Pool({ connectionString: settings.databaseUrl, max: options.max ?? 2, idleTimeoutMillis: 5_000 })
  let closed: Promise<void> | undefined
  // A broken idle connection must not crash the isolate; the next query reconnects. Once we
  // are ending the pool, the server hanging up is expected ("Network connection lost").
  pool.on('error', (error: Error) => {
    if (!closed) console.warn('database pool error:', error.message)
  })
  const db = drizzle({ client: pool, schema: publicSchema })
  return {
    pool,
    db,
    close: () => (closed ??= pool.end().catch(() => undefined)),
  }
}


/** Runs `work` in one transaction on one connection: committed if it returns, rolled back if it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}
