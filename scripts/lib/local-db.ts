// Opens the database for local scripts: the Postgres in DATABASE_URL, or an embedded PGlite
// (data kept in a folder) served over the Postgres wire protocol; plus the WebSocket proxy.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { startWsProxy } from './ws-proxy'
import { serializeExtendedProtocol } from './pglite-queue'

export interface LocalDatabase {
  databaseUrl: string
  wsProxy: string
  embedded: boolean
  close(): Promise<void>
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** PGlite is single-process: a second process opening the same folder would corrupt it. */
function takeLock(dataDir: string): () => void {
  const lockFile = join(dataDir, 'pglite.pid')
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'))
    if (pid && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `The embedded database in ${dataDir} is in use by process ${pid} (probably \`npm start\`). ` +
          'Stop it first, or set DATABASE_URL to use a PostgreSQL server.',
      )
    }
  }
  writeFileSync(lockFile, String(process.pid))
  return () => rmSync(lockFile, { force: true })
}

export function targetOf(databaseUrl: string): string {
  const url = new URL(databaseUrl)
  return `${url.hostname}:${url.port || '5432'}`
}

export async function openLocalDatabase(options: {
  databaseUrl?: string
  /** folder for the embedded database, or 'memory' for a throw-away one */
  dataDir: string
}): Promise<LocalDatabase> {
  if (options.databaseUrl) {
    const proxy = await startWsProxy({ allowedTargets: [targetOf(options.databaseUrl)] })
    return { databaseUrl: options.databaseUrl, wsProxy: proxy.address, embedded: false, close: () => proxy.close() }
  }
  let releaseLock = () => {}
  let pgDir: string | undefined
  if (options.dataDir !== 'memory') {
    mkdirSync(options.dataDir, { recursive: true })
    releaseLock = takeLock(options.dataDir)
    pgDir = join(options.dataDir, 'pglite')
  }
  try {
    const db = await PGlite.create({ dataDir: pgDir, extensions: { btree_gist } })
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 256 })
    serializeExtendedProtocol(server)
    await server.start()
    const target = server.getServerConn()
    const proxy = await startWsProxy({ allowedTargets: [target] })
    return {
      databaseUrl: `postgres://postgres:postgres@${target}/postgres`,
      wsProxy: proxy.address,
      embedded: true,
      async close() {
        await proxy.close()
        await server.stop()
        await db.close()
        releaseLock()
      },
    }
  } catch (error) {
    releaseLock()
    throw error
  }
}
