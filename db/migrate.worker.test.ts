// The migration runner against a real database: idempotent, resumable, strict about edited migrations.
import { describe, expect, it } from 'vitest'
import { createTenant, withDatabase } from '../test/helpers'
import { migrateAllTenants, migratePublic, migrateSchema, tenantMigrations, type Migration } from './migrate'

const m = (version: string, sql: string): Migration => ({ version, name: `step_${version}`, sql, checksum: `sum-${version}-${sql.length}` })

describe('migration runner', () => {
  it('is idempotent: a second run applies nothing', async () => {
    await createTenant('idem')
    await withDatabase(async ({ pool }) => {
      await migratePublic(pool)
      await migrateAllTenants(pool)
      const pub = await migratePublic(pool)
      const tenants = await migrateAllTenants(pool)
      expect(pub.applied).toEqual([])
      expect(tenants.changed).toBe(0)
      expect(tenants.failed).toEqual([])
      expect(tenants.upToDate).toBe(tenants.total)
      expect(tenants.total).toBeGreaterThan(0)
    })
  })

  it('resumes after a failure: finished migrations stay, the failed one runs on the next attempt', async () => {
    const tenant = await createTenant('resume')
    const schema = tenant.schemaName
    const first = m('101', 'CREATE TABLE __SCHEMA__.resume_a (id int PRIMARY KEY);')
    const failing = m('102', 'CREATE TABLE __SCHEMA__.resume_b (id int REFERENCES __SCHEMA__.missing(id));')
    const fixed = m('102', 'CREATE TABLE __SCHEMA__.resume_b (id int REFERENCES __SCHEMA__.resume_a(id));')
    await withDatabase(async ({ pool }) => {
      await expect(migrateSchema(pool, schema, [...tenantMigrations, first, failing])).rejects.toThrow(/step_102 failed/)
      const afterFailure = await pool.query('SELECT version FROM public.schema_migrations WHERE schema_name = $1 ORDER BY version', [schema])
      expect(afterFailure.rows.map((r) => r.version)).toEqual([...tenantMigrations.map((x) => x.version), '101'])
      const tables = await pool.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'resume_%'`, [schema])
      expect(tables.rows.map((r) => r.table_name)).toEqual(['resume_a'])

      const resumed = await migrateSchema(pool, schema, [...tenantMigrations, first, fixed])
      expect(resumed.applied).toEqual(['102_step_102'])
    })
  })

  it('reports a failing tenant and still migrates the others', async () => {
    const good = await createTenant('bulk-good')
    const bad = await createTenant('bulk-bad')
    const extra = m('201', 'CREATE TABLE __SCHEMA__.bulk_extra (id int);')
    await withDatabase(async ({ pool }) => {
      // make this one tenant fail: the table already exists there
      await pool.query(`CREATE TABLE ${bad.schemaName}.bulk_extra (id int)`)
      const progress: string[] = []
      const summary = await migrateAllTenants(pool, {
        migrations: [...tenantMigrations, extra],
        concurrency: 3,
        onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.schema}`),
      })
      expect(summary.failed).toEqual([{ schema: bad.schemaName, error: expect.stringContaining('already exists') }])
      expect(progress).toHaveLength(summary.total)
      expect(progress.at(-1)).toMatch(new RegExp(`^${summary.total}/${summary.total} `))
      const ledger = await pool.query(`SELECT schema_name FROM public.schema_migrations WHERE version = '201'`)
      const migrated = ledger.rows.map((r) => r.schema_name)
      expect(migrated).toContain(good.schemaName)
      expect(migrated).not.toContain(bad.schemaName)
      // undo for other tests: forget 201 everywhere
      await pool.query(`DELETE FROM public.schema_migrations WHERE version = '201'`)
    })
  })

  it('refuses to run when an applied migration was edited', async () => {
    const tenant = await createTenant('edited')
    await withDatabase(async ({ pool }) => {
      const edited = tenantMigrations.map((x, i) => (i === 0 ? { ...x, checksum: 'different' } : x))
      await expect(migrateSchema(pool, tenant.schemaName, edited)).rejects.toThrow(/was changed after it was applied/)
    })
  })

  it('never applies tenant SQL to a schema that is not a tenant schema', async () => {
    await withDatabase(async ({ pool }) => {
      await expect(migrateSchema(pool, 'pg_catalog', tenantMigrations)).rejects.toThrow(/not a tenant schema/)
    })
  })
})
