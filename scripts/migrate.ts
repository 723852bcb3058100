// npm run migrate: public migrations once, then tenant migrations to every tenant schema, with progress.
// Uses DATABASE_URL when set, otherwise the embedded database under .data/ (stop `npm start` first).
import { resolve } from 'node:path'
import { migrateAllTenants, migratePublic } from '../db/migrate'
import { openLocalDatabase } from './lib/local-db'
import { connectDatabase } from './lib/node-db'

const concurrencyArg = process.argv.indexOf('--concurrency')
const concurrency = concurrencyArg > 0 ? Number(process.argv[concurrencyArg + 1]) : 4

const local = await openLocalDatabase({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: resolve(process.env.SS_DATA_DIR ?? '.data'),
})
const database = connectDatabase({ databaseUrl: local.databaseUrl, wsProxy: local.wsProxy }, { max: concurrency + 1 })
let failed = false
try {
  const pub = await migratePublic(database.pool)
  console.log(`public: ${pub.applied.length ? `applied ${pub.applied.join(', ')}` : 'up to date'}`)
  const width = String(Number.MAX_SAFE_INTEGER).length
  const summary = await migrateAllTenants(database.pool, {
    concurrency,
    onProgress: (p) => {
      const counter = `[${String(p.done).padStart(String(p.total).length)}/${p.total}]`
      const what = p.error ? `FAILED: ${p.error}` : p.applied.length ? `applied ${p.applied.join(', ')}` : 'up to date'
      console.log(`${counter} ${p.schema.padEnd(Math.min(width, 24))} ${what}`)
    },
  })
  console.log(
    `tenants: ${summary.total} total, ${summary.changed} migrated, ${summary.upToDate} up to date, ${summary.failed.length} failed`,
  )
  if (summary.failed.length > 0) {
    failed = true
    console.error('Re-run `npm run migrate` after fixing the cause; finished migrations are not repeated.')
  }
} catch (error) {
  failed = true
  console.error(error instanceof Error ? error.message : error)
} finally {
  await database.close()
  await local.close()
}
process.exit(failed ? 1 : 0)
