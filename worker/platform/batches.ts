// Platform work run as many jobs with visible progress: provisioning tenants in bulk (an import
// from another system) and bringing every tenant schema up to the latest migration. A batch row
// counts its jobs; each job's public.job_runs row carries the batch id, so progress is a count.
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { withTransaction } from '../../db/client'
import { migrateSchema, tenantMigrations } from '../../db/migrate'
import { AppError } from '../errors'
import { hostCache } from '../identity/tenancy'
import type { Principal, Role } from '../identity/permissions'
import { PermanentJobError } from '../jobs/consumer'
import { scheduleJobs } from '../jobs/due'
import { newJob, type JobOf } from '../jobs/messages'
import { audit } from './audit'
import { createTenantInput, createTenantWithOwner } from './tenants'

type Queryable = Pick<Pool, 'query'>

export const provisionBatchInput = z
  .object({
    tenants: z
      .array(createTenantInput.omit({ isDemo: true }).strict())
      .min(1, 'list at least one tenant')
      .max(200, 'at most 200 tenants per batch')
      .superRefine((list, ctx) => {
        const seen = new Set<string>()
        list.forEach((t, i) => {
          if (seen.has(t.slug)) ctx.addIssue({ code: 'custom', path: [i, 'slug'], message: `the slug ${t.slug} appears twice in this batch` })
          seen.add(t.slug)
        })
      }),
  })
  .strict()

/** The bootstrap token acts as SUPERUSER without a user row. */
function userIdOf(actor: Principal): string | null {
  return actor.userId === 'bootstrap' ? null : actor.userId
}

export interface BatchSummary {
  id: string
  kind: 'tenant.provision' | 'tenant.migrate'
  label: string
  total: number
  done: number
  failed: number
  running: number
  waiting: number
  createdAt: string
}

/** Provisions each listed tenant as its own job. Slugs already taken are refused up front, writing nothing. */
export async function startProvisionBatch(pool: Pool, actor: Principal, raw: unknown, origin: string): Promise<BatchSummary> {
  const parsed = provisionBatchInput.safeParse(raw)
  if (!parsed.success) throw new AppError(400, 'invalid_batch', 'The tenant list is not valid.', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) })
  const { tenants } = parsed.data
  const taken = await pool.query<{ slug: string }>('SELECT slug FROM public.tenants WHERE slug = ANY($1)', [tenants.map((t) => t.slug)])
  if (taken.rowCount) throw new AppError(409, 'slug_taken', `These slugs are already taken: ${taken.rows.map((r) => r.slug).join(', ')}.`, { slugs: taken.rows.map((r) => r.slug) })
  const id = await withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO public.job_batches (kind, label, total, created_by) VALUES ('tenant.provision', $1, $2, $3) RETURNING id`,
      [`Provision ${tenants.length} tenant${tenants.length === 1 ? '' : 's'}`, tenants.length, userIdOf(actor)],
    )
    const batchId = rows[0]!.id
    await scheduleJobs(
      client,
      tenants.map((t) => ({
        tenantId: null,
        ref: batchId,
        kind: 'tenant.provision',
        dueAt: new Date(),
        message: newJob('tenant.provision', null, {
          batchId,
          name: t.name,
          slug: t.slug,
          ownerEmail: t.ownerEmail,
          ownerName: t.ownerName || undefined,
          timeZone: t.timeZone,
          plan: t.plan,
          actorUserId: actor.userId,
          origin,
        }),
      })),
    )
    return batchId
  })
  return getBatch(pool, id)
}

export const migrationBatchInput = z
  .object({ /** only these tenants (default: all) */ tenantIds: z.array(z.uuid()).min(1, 'list at least one tenant, or leave tenantIds out for all').max(10_000).optional() })
  .strict()

/** One job per tenant schema (all tenants, or those listed; every listed id must exist). */
export async function startMigrationBatch(pool: Pool, actor: Principal, input: z.infer<typeof migrationBatchInput>): Promise<BatchSummary> {
  const id = await withTransaction(pool, async (client) => {
    const { rows: schemas } = await client.query<{ id: string; schema_name: string }>(
      `SELECT id, schema_name FROM public.tenants WHERE ($1::uuid[] IS NULL OR id = ANY($1)) ORDER BY schema_name`,
      [input.tenantIds ?? null],
    )
    const missing = (input.tenantIds ?? []).filter((t) => !schemas.some((s) => s.id === t))
    if (missing.length) throw new AppError(404, 'unknown_tenant', `No tenant has id ${missing[0]}.`, { tenantIds: missing })
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO public.job_batches (kind, label, total, created_by) VALUES ('tenant.migrate', $1, $2, $3) RETURNING id`,
      [`Migrate ${schemas.length} tenant schema${schemas.length === 1 ? '' : 's'} to ${tenantMigrations.at(-1)?.version ?? 'latest'}`, schemas.length, userIdOf(actor)],
    )
    const batchId = rows[0]!.id
    await scheduleJobs(
      client,
      schemas.map((s) => ({ tenantId: null, ref: batchId, kind: 'tenant.migrate', dueAt: new Date(), message: newJob('tenant.migrate', null, { batchId, schemaName: s.schema_name }) })),
    )
    return batchId
  })
  return getBatch(pool, id)
}

const SUMMARY = `SELECT b.id, b.kind, b.label, b.total, b.created_at,
       count(r.*) FILTER (WHERE r.status = 'done')::int AS done,
       count(r.*) FILTER (WHERE r.status IN ('dead', 'rejected'))::int AS failed,
       count(r.*) FILTER (WHERE r.status IN ('running', 'failed'))::int AS running
  FROM public.job_batches b LEFT JOIN public.job_runs r ON r.batch_id = b.id`

function toSummary(r: Record<string, unknown>): BatchSummary {
  const total = r.total as number
  const [done, failed, running] = [r.done as number, r.failed as number, r.running as number]
  return { id: r.id as string, kind: r.kind as BatchSummary['kind'], label: r.label as string, total, done, failed, running, waiting: Math.max(0, total - done - failed - running), createdAt: new Date(r.created_at as string).toISOString() }
}

export async function listBatches(db: Queryable, limit = 20): Promise<BatchSummary[]> {
  const { rows } = await db.query(`${SUMMARY} GROUP BY b.id ORDER BY b.created_at DESC LIMIT $1`, [limit])
  return rows.map(toSummary)
}

export async function getBatch(db: Queryable, id: string): Promise<BatchSummary> {
  const { rows } = await db.query(`${SUMMARY} WHERE b.id = $1 GROUP BY b.id`, [id])
  if (!rows[0]) throw new AppError(404, 'unknown_batch', 'No batch has that id.')
  return toSummary(rows[0])
}

/** Each job of a batch with what it did or why it failed. */
export async function batchItems(db: Queryable, id: string) {
  await getBatch(db, id)
  const { rows } = await db.query(
    `SELECT message_id, status, attempts, last_error, result, message->'payload' AS payload, started_at, finished_at
       FROM public.job_runs WHERE batch_id = $1 ORDER BY started_at LIMIT 500`,
    [id],
  )
  return rows.map((r) => ({
    jobId: r.message_id as string,
    subject: ((r.payload?.slug ?? r.payload?.schemaName) as string | undefined) ?? null,
    status: r.status as string,
    attempts: r.attempts as number,
    error: (r.last_error as string | null) ?? null,
    result: r.result ?? null,
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
  }))
}

export async function runProvisionJob(job: JobOf<'tenant.provision'>, deps: { pool: Pool; rootDomain: string }) {
  const p = job.payload
  let actor: Principal = { userId: 'bootstrap', role: 'SUPERUSER', tenantId: null }
  if (p.actorUserId !== 'bootstrap') {
    const { rows } = await deps.pool.query<{ role: Role }>('SELECT role FROM public.users WHERE id = $1', [p.actorUserId])
    if (!rows[0]) throw new PermanentJobError('the platform user who started this batch no longer exists')
    actor = { userId: p.actorUserId, role: rows[0].role, tenantId: null }
  }
  try {
    const { tenant, owner } = await createTenantWithOwner(deps.pool, deps.rootDomain, actor, { name: p.name, slug: p.slug, ownerEmail: p.ownerEmail, ownerName: p.ownerName, timeZone: p.timeZone, plan: p.plan as 'free' | 'pro' | 'business' | undefined }, p.origin)
    hostCache.clear()
    await audit(deps.pool, { action: 'tenant.created', actorUserId: userIdOf(actor), effectiveUserId: userIdOf(actor), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { slug: tenant.slug, batchId: p.batchId } })
    return { tenantId: tenant.id, host: tenant.primaryHost, ownerInvited: !!owner }
  } catch (error) {
    // A taken slug or email will not free itself: fail this tenant now, with the reason, and let the batch go on.
    if (error instanceof AppError && error.status < 500) throw new PermanentJobError(`${p.slug}: ${error.message}`)
    throw error
  }
}

export async function runMigrationJob(job: JobOf<'tenant.migrate'>, deps: { pool: Pool }) {
  const exists = await deps.pool.query('SELECT 1 FROM public.tenants WHERE schema_name = $1', [job.payload.schemaName])
  if (!exists.rowCount) return { skipped: 'the tenant was deleted' }
  const result = await migrateSchema(deps.pool, job.payload.schemaName, tenantMigrations)
  return { applied: result.applied }
}
