// Database access from the benchmark process: the Neon driver through the platform's own WebSocket
// proxy (exactly the path the Worker takes), a throw-away database on a PostgreSQL server, and the
// invariant checks on a tenant schema.
import type { Pool } from '@neondatabase/serverless'
import { openLocalDatabase } from '../lib/local-db'
import { connectDatabase, type Database } from '../lib/node-db'

export type { Database }

export function openDatabase(databaseUrl: string, wsProxy: string, max: number): Database {
  return connectDatabase({ databaseUrl, wsProxy }, { max })
}

export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`unexpected schema name ${schema}`)
  return `"${schema}"`
}

/** Pairs of live occupations of one resource whose ranges overlap: the exclusion constraint says 0. */
export async function countOverlaps(pool: Pool, schema: string): Promise<number> {
  const s = quoteSchema(schema)
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n
       FROM ${s}.event_resources a
       JOIN ${s}.event_resources b
         ON a.resource_id = b.resource_id
        AND (a.event_id, a.resource_id) < (b.event_id, b.resource_id)
        AND tstzrange(a.occupied_start, a.occupied_end, '[)') && tstzrange(b.occupied_start, b.occupied_end, '[)')
      WHERE a.live AND b.live`,
  )
  return rows[0]!.n
}

export interface ThrowawayDatabase {
  name: string
  url: string
  server: string
  version: string
  drop(): Promise<void>
}

/** CREATE DATABASE ss_bench_… on the server in `serverUrl`; drop() removes it (WITH (FORCE)). */
export async function createThrowawayDatabase(serverUrl: string): Promise<ThrowawayDatabase> {
  // A proxy of our own for the admin connection: the platform's proxy lives only as long as it does.
  const local = await openLocalDatabase({ databaseUrl: serverUrl, dataDir: 'memory' })
  const name = `ss_bench_${Date.now()}_${process.pid}`
  const admin = connectDatabase({ databaseUrl: serverUrl, wsProxy: local.wsProxy }, { max: 1 })
  let version = ''
  try {
    version = (await admin.pool.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v
    await admin.pool.query(`CREATE DATABASE ${name}`)
  } catch (error) {
    await admin.close()
    await local.close()
    throw error
  }
  await admin.close()
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  let dropped: Promise<void> | undefined
  return {
    name,
    url: url.toString(),
    server: url.host,
    version,
    drop: () =>
      (dropped ??= (async () => {
        const again = connectDatabase({ databaseUrl: serverUrl, wsProxy: local.wsProxy }, { max: 1 })
        try {
          await again.pool.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        } finally {
          await again.close()
          await local.close()
        }
      })()),
  }
}
