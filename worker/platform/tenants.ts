// Tenants: provisioning (row + schema + tenant migrations + primary domain, all or nothing) and listing.
import { z } from 'zod'
import type { Pool } from '@neondatabase/serverless'
import { applyMigrationInTransaction, quoteIdent, tenantMigrations, type Migration } from '../../db/migrate'
import { AppError, pgErrorCode } from '../errors'
import { RESERVED_SLUGS } from '../identity/host'
import type { TenantSummary } from '../identity/tenancy'

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

export const tenantSlug = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, 'slug must be at least 3 characters')
  .max(40, 'slug must be at most 40 characters')
  .regex(/^[a-z][a-z0-9-]*[a-z0-9]$/, 'slug may contain a-z, 0-9 and inner hyphens, and must start with a letter')
  .refine((s) => !s.includes('--'), 'slug may not contain two hyphens in a row')
  .refine((s) => !RESERVED_SLUGS.has(s), 'slug is reserved')

export const provisionTenantInput = z.object({
  slug: tenantSlug,
  name: z.string().trim().min(1, 'name is required').max(120),
  timeZone: z.string().default('UTC').refine(isValidTimeZone, 'timeZone must be an IANA time zone such as Europe/London'),
  plan: z.enum(['free', 'pro', 'business']).default('free'),
  isDemo: z.boolean().default(false),
})
export type ProvisionTenantInput = z.input<typeof provisionTenantInput>

export function schemaNameFor(slug: string): string {
  return `t_${slug.replace(/-/g, '_')}`
}

/**
 * Creates a tenant in one transaction: tenant row, schema, every tenant migration (recorded
 * in the ledger) and its primary domain `<slug>.<root>`. Any failure rolls all of it back.
 */
export async function provisionTenant(
  pool: Pool,
  rootDomain: string,
  rawInput: ProvisionTenantInput,
  options: { migrations?: readonly Migration[] } = {},
): Promise<TenantSummary & { primaryHost: string }> {
  const input = provisionTenantInput.parse(rawInput)
  const schema = schemaNameFor(input.slug)
  const primaryHost = `${input.slug}.${rootDomain}`
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO public.tenants (slug, name, schema_name, time_zone, plan, is_demo)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [input.slug, input.name, schema, input.timeZone, input.plan, input.isDemo],
    )
    const id = inserted.rows[0]?.id
    if (!id) throw new AppError(409, 'slug_taken', `The slug "${input.slug}" is already taken.`)
    await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`)
    for (const migration of options.migrations ?? tenantMigrations) {
      await applyMigrationInTransaction(client, schema, migration)
    }
    await client.query(
      `INSERT INTO public.domains (host, tenant_id, is_primary, is_custom, verified_at)
       VALUES ($1, $2, true, false, now())`,
      [primaryHost, id],
    )
    await client.query('COMMIT')
    return {
      id,
      slug: input.slug,
      name: input.name,
      schemaName: schema,
      status: 'active',
      timeZone: input.timeZone,
      plan: input.plan,
      shard: 'main',
      isDemo: input.isDemo,
      primaryHost,
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    if (error instanceof AppError) throw error
    const code = pgErrorCode(error)
    if (code === '23505') throw new AppError(409, 'slug_taken', `The slug "${input.slug}" or its host is already taken.`)
    if (code === '42P06') throw new AppError(409, 'schema_exists', `A schema named ${schema} already exists.`)
    throw error
  } finally {
    client.release()
  }
}

export async function listTenants(pool: Pool): Promise<(TenantSummary & { primaryHost: string | null })[]> {
  const { rows } = await pool.query(
    `SELECT t.id, t.slug, t.name, t.schema_name, t.status, t.time_zone, t.plan, t.shard, t.is_demo, d.host AS primary_host
       FROM public.tenants t
       LEFT JOIN public.domains d ON d.tenant_id = t.id AND d.is_primary
      ORDER BY t.slug`,
  )
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    name: r.name,
    schemaName: r.schema_name,
    status: r.status,
    timeZone: r.time_zone,
    plan: r.plan,
    shard: r.shard,
    isDemo: r.is_demo,
    primaryHost: r.primary_host,
  }))
}
