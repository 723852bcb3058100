// Permission grants: a named action for a bounded window (default 30 minutes), with a reason;
// active, expired or revoked. Checked by `decide` in permissions.ts through authorize().
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { AppError } from '../errors'
import { audit } from '../platform/audit'
import { ACTIONS, canGrant, type Principal } from './permissions'
import { findUserById } from './users'

export const createGrantInput = z.object({
  granteeId: z.uuid(),
  action: z.enum(ACTIONS),
  reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  minutes: z.number().int().min(1).max(24 * 60).default(30),
  tenantId: z.uuid().nullable().default(null),
})

export interface GrantView {
  id: string
  grantorId: string
  granteeId: string
  tenantId: string | null
  action: string
  reason: string
  startsAt: string
  expiresAt: string
  revokedAt: string | null
  status: 'active' | 'expired' | 'revoked'
}

function toView(r: Record<string, unknown>): GrantView {
  const revokedAt = r.revoked_at ? new Date(r.revoked_at as string) : null
  const expiresAt = new Date(r.expires_at as string)
  return {
    id: r.id as string,
    grantorId: r.grantor_id as string,
    granteeId: r.grantee_id as string,
    tenantId: r.tenant_id as string | null,
    action: r.action as string,
    reason: r.reason as string,
    startsAt: new Date(r.starts_at as string).toISOString(),
    expiresAt: expiresAt.toISOString(),
    revokedAt: revokedAt?.toISOString() ?? null,
    status: revokedAt ? 'revoked' : expiresAt <= new Date() ? 'expired' : 'active',
  }
}

export async function createGrant(
  pool: Pool,
  grantor: Principal,
  raw: z.input<typeof createGrantInput>,
  meta: { realActorId: string; ip: string | null; sessionId: string | null; hostTenantId: string | null },
): Promise<GrantView> {
  const input = createGrantInput.parse(raw)
  // On a tenant host a grant is always for that tenant.
  const tenantId = meta.hostTenantId ?? input.tenantId
  const grantee = await findUserById(pool, input.granteeId)
  if (!grantee || (meta.hostTenantId && grantee.tenantId !== meta.hostTenantId)) throw new AppError(404, 'unknown_user', 'No user has that id.')
  let tenantIsDemo = false
  if (tenantId) {
    const t = await pool.query<{ is_demo: boolean }>('SELECT is_demo FROM public.tenants WHERE id = $1', [tenantId])
    if (!t.rows[0]) throw new AppError(404, 'unknown_tenant', 'No tenant has that id.')
    tenantIsDemo = t.rows[0].is_demo
  }
  if (!canGrant(grantor, { userId: grantee.id, role: grantee.role, tenantId: grantee.tenantId }, input.action, { tenantId, tenantIsDemo })) {
    throw new AppError(403, 'grant_forbidden', 'You can grant only actions you hold yourself, to another user, within your reach.')
  }
  const { rows } = await pool.query(
    `INSERT INTO public.permission_grants (grantor_id, grantee_id, tenant_id, action, reason, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6)) RETURNING *`,
    [grantor.userId, grantee.id, tenantId, input.action, input.reason, input.minutes],
  )
  const grant = toView(rows[0]!)
  await audit(pool, {
    action: 'grant.created',
    actorUserId: meta.realActorId,
    effectiveUserId: grantor.userId,
    tenantId,
    targetType: 'grant',
    targetId: grant.id,
    ip: meta.ip,
    sessionId: meta.sessionId,
    detail: { grantee: grantee.id, action: input.action, reason: input.reason, expiresAt: grant.expiresAt },
  })
  return grant
}

export async function revokeGrant(
  pool: Pool,
  revoker: Principal,
  grantId: string,
  meta: { realActorId: string; ip: string | null; sessionId: string | null; hostTenantId: string | null },
): Promise<GrantView> {
  const { rows } = await pool.query(
    `UPDATE public.permission_grants SET revoked_at = COALESCE(revoked_at, now()), revoked_by = COALESCE(revoked_by, $2)
      WHERE id = $1 AND ($3::uuid IS NULL OR tenant_id = $3) RETURNING *`,
    [grantId, revoker.userId, meta.hostTenantId],
  )
  if (!rows[0]) throw new AppError(404, 'unknown_grant', 'No grant has that id.')
  const grant = toView(rows[0])
  await audit(pool, {
    action: 'grant.revoked',
    actorUserId: meta.realActorId,
    effectiveUserId: revoker.userId,
    tenantId: grant.tenantId,
    targetType: 'grant',
    targetId: grant.id,
    ip: meta.ip,
    sessionId: meta.sessionId,
  })
  return grant
}

export async function listGrants(pool: Pool, filters: { tenantId?: string | null; granteeId?: string }) {
  const { rows } = await pool.query(
    `SELECT * FROM public.permission_grants
      WHERE ($1::uuid IS NULL OR tenant_id = $1) AND ($2::uuid IS NULL OR grantee_id = $2)
      ORDER BY created_at DESC LIMIT 200`,
    [filters.tenantId ?? null, filters.granteeId ?? null],
  )
  return rows.map(toView)
}
