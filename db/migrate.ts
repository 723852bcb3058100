// Applies numbered SQL migrations: `public` once, the tenant set to every tenant schema.
// Runs the same way in Node (npm run migrate, seed) and in the Worker (provisioning).
import type { Pool, PoolClient } from '@neondatabase/serverless'
import { publicMigrations, tenantMigrations } from './migrations.generated'

export interface Migration {
  version: string
  name: string
  sql: string
  checksum: string
}

export interface MigrationResult {
  schema: string
  applied: string[]
}

const SCHEMA_PLACEHOLDER = /__SCHEMA__/g
const TENANT_SCHEMA_NAME = /^t_[a-z][a-z0-9_]{1,62}$/

export { publicMigrations, tenantMigrations }

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

export function assertTenantSchemaName(schema: string): void {
  if (!TENANT_SCHEMA_NAME.test(schema)) {
    throw new Error(`"${schema}" is not a tenant schema name (expected t_<slug>)`)
  }
}

/** The ledger lives outside the numbered migrations so it exists before the first one runs. */
export async function ensureLedger(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS public.schema_migrations (
      schema_name text NOT NULL,
      version     text NOT NULL,
      name        text NOT NULL,
      checksum    text NOT NULL,
      applied_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (schema_name, version)
    )`)
}

/**
 * Applies one migration inside the caller's open transaction, unless the ledger says it
 * already ran. Serialised per schema by a transaction-scoped advisory lock, so two runners
 * at once neither double-apply nor interleave.
 */
export async function applyMigrationInTransaction(
  client: PoolClient,
  schema: string,
  migration: Migration,
): Promise<boolean> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ss-migrate:${schema}`])
  const existing = await client.query<{ checksum: string }>(
    'SELECT checksum FROM public.schema_migrations WHERE schema_name = $1 AND version = $2',
    [schema, migration.version],
  )
  const row = existing.rows[0]
  if (row) {
    if (row.checksum !== migration.checksum) {
      throw new Error(
        `migration ${migration.version}_${migration.name} was changed after it was applied to ${schema}; ` +
          'add a new numbered migration instead of editing an applied one',
      )
    }
    return false
  }
  const sql = schema === 'public' ? migration.sql : migration.sql.replace(SCHEMA_PLACEHOLDER, quoteIdent(schema))
  await client.query(sql)
  await client.query(
    'INSERT INTO public.schema_migrations (schema_name, version, name, checksum) VALUES ($1, $2, $3, $4)',
    [schema, migration.version, migration.name, migration.checksum],
  )
  return true
}

/** Applies pending migrations to one schema, one transaction per migration (resumable). */
export async function migrateSchema(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[],
): Promise<MigrationResult> {
  if (schema !== 'public') assertTenantSchemaName(schema)
  const applied: string[] = []
  for (const migration of migrations) {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const ran = await applyMigrationInTransaction(client, schema, migration)
      await client.query('COMMIT')
      if (ran) applied.push(`${migration.version}_${migration.name}`)
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw new MigrationError(schema, migration, error)
    } finally {
      client.release()
    }
  }
  return { schema, applied }
}

export class MigrationError extends Error {
  constructor(
    readonly schema: string,
    readonly migration: Migration,
    override readonly cause: unknown,
  ) {
    super(`${schema}: migration ${migration.version}_${migration.name} failed: ${describe(cause)}`)
    this.name = 'MigrationError'
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function migratePublic(
  pool: Pool,
  migrations: readonly Migration[] = publicMigrations,
): Promise<MigrationResult> {
  await ensureLedger(pool)
  return migrateSchema(pool, 'public', migrations)
}

export interface TenantMigrationProgress {
  done: number
  total: number
  schema: string
  applied: string[]
  error?: string
}

export interface TenantMigrationSummary {
  total: number
  changed: number
  upToDate: number
  failed: { schema: string; error: string }[]
}

/**
 * Brings every tenant schema up to date with bounded concurrency. A failing tenant does
 * not stop the others; it is reported, and a re-run resumes where it stopped.
 */
export async function migrateAllTenants(
  pool: Pool,
  options: {
    concurrency?: number
    migrations?: readonly Migration[]
    onProgress?: (progress: TenantMigrationProgress) => void
  } = {},
): Promise<TenantMigrationSummary> {
  const migrations = options.migrations ?? tenantMigrations
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const { rows } = await pool.query<{ schema_name: string }>(
    'SELECT schema_name FROM public.tenants ORDER BY schema_name',
  )
  const schemas = rows.map((r) => r.schema_name)
  const summary: TenantMigrationSummary = { total: schemas.length, changed: 0, upToDate: 0, failed: [] }
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < schemas.length) {
      const schema = schemas[next++]!
      try {
        const result = await migrateSchema(pool, schema, migrations)
        if (result.applied.length > 0) summary.changed++
        else summary.upToDate++
        options.onProgress?.({ done: ++done, total: schemas.length, schema, applied: result.applied })
      } catch (error) {
        const message = describe(error)
        summary.failed.push({ schema, error: message })
        options.onProgress?.({ done: ++done, total: schemas.length, schema, applied: [], error: message })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, schemas.length) }, worker))
  return summary
}
