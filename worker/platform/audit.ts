// The append-only audit log: who really acted (the masquerader, when masquerading), as whom,
// in which tenant, on what, from where. Listing for platform admins with filters.
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { instant } from '../instants'

export interface AuditEntry {
  action: string
  actorUserId?: string | null
  effectiveUserId?: string | null
  tenantId?: string | null
  targetType?: string | null
  targetId?: string | null
  ip?: string | null
  sessionId?: string | null
  detail?: Record<string, unknown>
}

type Queryable = Pick<Pool, 'query'>

export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO public.audit_log (action, actor_user_id, effective_user_id, tenant_id, target_type, target_id, ip, session_id, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      entry.action,
      entry.actorUserId ?? null,
      entry.effectiveUserId ?? null,
      entry.tenantId ?? null,
      entry.targetType ?? null,
      entry.targetId ?? null,
      entry.ip ?? null,
      entry.sessionId ?? null,
      JSON.stringify(entry.detail ?? {}),
    ],
  )
}

export const auditQuery = z.object({
  action: z.string().max(100).optional(),
  actor: z.uuid().optional(),
  user: z.uuid().optional(),
  tenant: z.uuid().optional(),
  since: instant.optional(),
  until: instant.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
})

export async function listAudit(pool: Pool, filters: z.infer<typeof auditQuery>) {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replace('?', `$${params.length}`))
  }
  if (filters.action) add(filters.action.endsWith('*') ? 'action LIKE ?' : 'action = ?', filters.action.replace(/\*$/, '%'))
  if (filters.actor) add('actor_user_id = ?', filters.actor)
  if (filters.user) add('effective_user_id = ?', filters.user)
  if (filters.tenant) add('tenant_id = ?', filters.tenant)
  if (filters.since) add('at >= ?', filters.since)
  if (filters.until) add('at < ?', filters.until)
  if (filters.before) add('id < ?', filters.before)
  params.push(filters.limit)
  const { rows } = await pool.query(
    `SELECT id, at, action, actor_user_id, effective_user_id, tenant_id, target_type, target_id, ip, session_id, detail
       FROM public.audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT $${params.length}`,
    params,
  )
  const entries = rows.map((r) => ({
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    action: r.action as string,
    actorUserId: r.actor_user_id as string | null,
    effectiveUserId: r.effective_user_id as string | null,
    tenantId: r.tenant_id as string | null,
    targetType: r.target_type as string | null,
    targetId: r.target_id as string | null,
    ip: r.ip as string | null,
    sessionId: r.session_id as string | null,
    detail: r.detail as Record<string, unknown>,
  }))
  return { entries, nextBefore: entries.length === filters.limit ? entries.at(-1)!.id : null }
}
