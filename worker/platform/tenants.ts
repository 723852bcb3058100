// Tenants: provisioning (row + schema + tenant migrations + primary domain, all or nothing) and listing.
import { z } from 'zod'
import type { Pool } from '@neondatabase/serverless'
import { applyMigrationInTransaction, quoteIdent, tenantMigrations, type Migration } from '../../db/migrate'
import { AppError, pgErrorCode } from '../errors'
import { RESERVED_SLUGS } from '../identity/host'
import type { Principal } from '../identity/permissions'
import type { TenantSummary } from '../identity/tenancy'
import { inviteStaff } from './tenant-staff'

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

export const listTenantsQuery = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(['active', 'suspended', 'deleting']).optional(),
  demo: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
})

export interface TenantListItem extends TenantSummary {
  primaryHost: string | null
  createdAt: string
  suspendedAt: string | null
  suspendedReason: string | null
  deleteAfter: string | null
  demoExpiresAt: string | null
}

const LIST_COLUMNS = `t.id, t.slug, t.name, t.schema_name, t.status, t.time_zone, t.plan, t.shard, t.is_demo, t.created_at,
  t.suspended_at, t.suspended_reason, t.delete_after, t.demo_expires_at,
  (SELECT d.host FROM public.domains d WHERE d.tenant_id = t.id AND d.is_primary) AS primary_host`

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null)

function toListItem(r: Record<string, any>): TenantListItem {
  return {
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
    createdAt: iso(r.created_at)!,
    suspendedAt: iso(r.suspended_at),
    suspendedReason: r.suspended_reason,
    deleteAfter: iso(r.delete_after),
    demoExpiresAt: iso(r.demo_expires_at),
  }
}

/** Tenants by name, slug or host, newest first, a page at a time; `onlyDemo` for sales. */
export async function listTenants(pool: Pick<Pool, 'query'>, raw: z.input<typeof listTenantsQuery> = {}, options: { onlyDemo?: boolean } = {}) {
  const q = listTenantsQuery.parse(raw)
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replaceAll('?', `$${params.length}`))
  }
  if (q.q) add(`(t.name ILIKE '%' || ? || '%' OR t.slug ILIKE '%' || ? || '%' OR EXISTS (SELECT 1 FROM public.domains d WHERE d.tenant_id = t.id AND d.host ILIKE '%' || ? || '%'))`, q.q.replace(/[\\%_]/g, (m) => `\\${m}`))
  if (q.status === 'deleting') where.push('t.delete_after IS NOT NULL')
  else if (q.status === 'suspended') where.push(`t.status = 'suspended' AND t.delete_after IS NULL`)
  else if (q.status === 'active') where.push(`t.status = 'active'`)
  if (q.demo) where.push(q.demo === 'true' ? 't.is_demo' : 'NOT t.is_demo')
  if (options.onlyDemo) where.push('t.is_demo')
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : ''
  const total = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM public.tenants t ${filter}`, params)
  const { rows } = await pool.query(
    `SELECT ${LIST_COLUMNS} FROM public.tenants t ${filter} ORDER BY t.created_at DESC, t.slug LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, q.limit, q.offset],
  )
  return { tenants: rows.map(toListItem), total: total.rows[0]!.n, limit: q.limit, offset: q.offset }
}

export interface TenantDetail extends TenantListItem {
  usage: { users: number; staff: number; customers: number; resources: number; services: number; eventsThisMonth: number }
  domains: { id: string; host: string; isPrimary: boolean; isCustom: boolean; verifiedAt: string | null; verificationToken: string | null; lastCheckedAt: string | null; lastCheckError: string | null }[]
}

export async function getTenant(pool: Pick<Pool, 'query'>, id: string, options: { onlyDemo?: boolean } = {}): Promise<TenantDetail> {
  const { rows } = await pool.query(`SELECT ${LIST_COLUMNS} FROM public.tenants t WHERE t.id = $1 ${options.onlyDemo ? 'AND t.is_demo' : ''}`, [id])
  if (!rows[0]) throw new AppError(404, 'unknown_tenant', 'No tenant has that id.')
  const tenant = toListItem(rows[0])
  const schema = quoteIdent(tenant.schemaName)
  const [users, catalog, domains] = await Promise.all([
    pool.query(
      `SELECT count(*)::int AS users, count(*) FILTER (WHERE role <> 'CUSTOMER')::int AS staff, count(*) FILTER (WHERE role = 'CUSTOMER')::int AS customers
         FROM public.users WHERE tenant_id = $1`,
      [id],
    ),
    pool.query(
      `SELECT (SELECT count(*)::int FROM ${schema}.resources) AS resources, (SELECT count(*)::int FROM ${schema}.services) AS services,
              (SELECT count(*)::int FROM ${schema}.events WHERE status <> 'cancelled'
                 AND starts_at >= date_trunc('month', now() AT TIME ZONE $1) AT TIME ZONE $1
                 AND starts_at < (date_trunc('month', now() AT TIME ZONE $1) + interval '1 month') AT TIME ZONE $1) AS events`,
      [tenant.timeZone],
    ),
    pool.query(
      `SELECT id, host, is_primary, is_custom, verified_at, verification_token, last_checked_at, last_check_error FROM public.domains
        WHERE tenant_id = $1 ORDER BY is_primary DESC, is_custom, host`,
      [id],
    ),
  ])
  return {
    ...tenant,
    usage: { ...users.rows[0], resources: catalog.rows[0].resources, services: catalog.rows[0].services, eventsThisMonth: catalog.rows[0].events },
    domains: domains.rows.map((d) => ({
      id: d.id,
      host: d.host,
      isPrimary: d.is_primary,
      isCustom: d.is_custom,
      verifiedAt: iso(d.verified_at),
      verificationToken: d.verified_at ? null : d.verification_token,
      lastCheckedAt: iso(d.last_checked_at),
      lastCheckError: d.last_check_error,
    })),
  }
}

export const suspendInput = z.object({ reason: z.string().trim().min(3, 'say why, in a few words').max(500) }).strict()
export const deleteInput = z
  .object({
    /** the tenant's slug, typed again: deletion is never one click */
    confirm: z.string().max(100),
    graceDays: z.number().int().min(1).max(90).default(14),
  })
  .strict()

async function setLifecycle(pool: Pick<Pool, 'query'>, id: string, sql: string, params: unknown[]): Promise<TenantListItem> {
  const { rows } = await pool.query(`UPDATE public.tenants t SET ${sql}, updated_at = now() WHERE t.id = $1 RETURNING ${LIST_COLUMNS}`, [id, ...params])
  if (!rows[0]) throw new AppError(404, 'unknown_tenant', 'No tenant has that id.')
  return toListItem(rows[0])
}

/** Its hosts show a "not available" page and its API answers 403; nothing is deleted. */
export async function suspendTenant(pool: Pick<Pool, 'query'>, id: string, raw: z.input<typeof suspendInput>) {
  const { reason } = suspendInput.parse(raw)
  return setLifecycle(pool, id, `status = 'suspended', suspended_at = COALESCE(t.suspended_at, now()), suspended_reason = $2`, [reason])
}

/** Back in business; a pending deletion is cancelled too. */
export async function reactivateTenant(pool: Pick<Pool, 'query'>, id: string) {
  return setLifecycle(pool, id, `status = 'active', suspended_at = NULL, suspended_reason = NULL, delete_after = NULL`, [])
}

/**
 * Schedules deletion after a grace period (the tenant is suspended meanwhile). The slug must be
 * typed again. The schema is dropped by `purgeDueTenants` (cron) once the grace period is over.
 */
export async function requestTenantDeletion(pool: Pick<Pool, 'query'>, id: string, raw: z.input<typeof deleteInput>) {
  const input = deleteInput.parse(raw)
  const { rows } = await pool.query<{ slug: string }>('SELECT slug FROM public.tenants WHERE id = $1', [id])
  if (!rows[0]) throw new AppError(404, 'unknown_tenant', 'No tenant has that id.')
  if (input.confirm.trim().toLowerCase() !== rows[0].slug) {
    throw new AppError(422, 'confirmation_mismatch', `Type the tenant's slug (${rows[0].slug}) to confirm the deletion.`)
  }
  return setLifecycle(
    pool,
    id,
    `status = 'suspended', suspended_at = COALESCE(t.suspended_at, now()), suspended_reason = COALESCE(t.suspended_reason, 'scheduled for deletion'),
     delete_after = now() + make_interval(days => $2)`,
    [input.graceDays],
  )
}

/**
 * Drops every tenant whose grace period is over, and every demo tenant past its expiry: schema,
 * migration ledger rows and the tenant row (domains and users go with it). One transaction each,
 * locked with SKIP LOCKED so two cron runs never drop the same tenant twice.
 */
export async function purgeDueTenants(pool: Pool, now = new Date()): Promise<{ id: string; slug: string; schemaName: string }[]> {
  const purged: { id: string; slug: string; schemaName: string }[] = []
  for (;;) {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const { rows } = await client.query<{ id: string; slug: string; schema_name: string }>(
        `SELECT id, slug, schema_name FROM public.tenants
          WHERE delete_after <= $1 OR (is_demo AND demo_expires_at <= $1)
          ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [now],
      )
      const due = rows[0]
      if (!due) {
        await client.query('COMMIT')
        return purged
      }
      await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(due.schema_name)} CASCADE`)
      await client.query('DELETE FROM public.schema_migrations WHERE schema_name = $1', [due.schema_name])
      await client.query('DELETE FROM public.tenants WHERE id = $1', [due.id])
      await client.query('COMMIT')
      purged.push({ id: due.id, slug: due.slug, schemaName: due.schema_name })
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    } finally {
      client.release()
    }
  }
}

export const createTenantInput = provisionTenantInput.extend({
  /** the first owner, invited by email to choose a password */
  ownerEmail: z.string().trim().toLowerCase().max(254).pipe(z.email('ownerEmail must be a valid address')).optional(),
  ownerName: z.string().trim().max(120).default(''),
})

/** The origin of a tenant's own host, from the platform request's origin (same scheme and port). */
export function tenantOrigin(platformOrigin: string, host: string): string {
  const url = new URL(platformOrigin)
  url.hostname = host
  return url.origin
}

/**
 * Provisions a tenant and, when `ownerEmail` is given, invites its first owner. The email is
 * checked first, so a taken address refuses the whole request and nothing is created.
 */
export async function createTenantWithOwner(
  pool: Pool,
  rootDomain: string,
  actor: Principal,
  raw: z.input<typeof createTenantInput>,
  platformOrigin: string,
): Promise<{ tenant: TenantSummary & { primaryHost: string }; owner: Awaited<ReturnType<typeof inviteStaff>> | null }> {
  const { ownerEmail, ownerName, ...input } = createTenantInput.parse(raw)
  if (ownerEmail && (await pool.query('SELECT 1 FROM public.users WHERE lower(email) = $1', [ownerEmail])).rowCount) {
    throw new AppError(409, 'email_taken', `An account with ${ownerEmail} already exists; invite another address.`)
  }
  const tenant = await provisionTenant(pool, rootDomain, input)
  const owner = ownerEmail
    ? await inviteStaff(pool, actor, tenant, { email: ownerEmail, displayName: ownerName, role: 'TENANT_OWNER' }, tenantOrigin(platformOrigin, tenant.primaryHost))
    : null
  return { tenant, owner }
}
