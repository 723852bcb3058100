// Masquerade: act as another user per the matrix in permissions.ts, depth 1, in a session of its
// own that remembers the real user and the session to return to. Start and stop are audited.
import type { Pool } from '@neondatabase/serverless'
import { AppError } from '../errors'
import { audit } from '../platform/audit'
import type { Client } from './account'
import { canMasquerade } from './permissions'
import { createSession, issueRefreshToken, loadSession, MASQUERADE_TTL_SECONDS, revokeSession, type SessionContext } from './sessions'

export interface MasqueradeTarget {
  user: SessionContext['user']
  tenantSlug: string | null
  tenantIsDemo: boolean
  tenantPrimaryHost: string | null
}

export async function loadMasqueradeTarget(pool: Pool, userId: string): Promise<MasqueradeTarget | null> {
  const { rows } = await pool.query(
    `SELECT u.id, u.email, u.display_name, u.role, u.tenant_id, u.is_active, u.is_temporary, (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled,
            t.slug, COALESCE(t.is_demo, false) AS is_demo, d.host AS primary_host
       FROM public.users u
       LEFT JOIN public.tenants t ON t.id = u.tenant_id
       LEFT JOIN public.domains d ON d.tenant_id = t.id AND d.is_primary
      WHERE u.id = $1`,
    [userId],
  )
  const r = rows[0]
  if (!r) return null
  return {
    user: {
      id: r.id,
      email: r.email,
      displayName: r.display_name,
      role: r.role,
      tenantId: r.tenant_id,
      isActive: r.is_active,
      isTemporary: r.is_temporary,
      mfaEnabled: r.mfa_enabled,
    },
    tenantSlug: r.slug,
    tenantIsDemo: r.is_demo,
    tenantPrimaryHost: r.primary_host,
  }
}

export async function startMasquerade(pool: Pool, current: SessionContext, targetUserId: string, client: Client) {
  const target = await loadMasqueradeTarget(pool, targetUserId)
  if (!target) throw new AppError(404, 'unknown_user', 'No user has that id.')
  const actor = current.user
  const allowed = canMasquerade(
    { id: actor.id, role: actor.role, tenantId: actor.tenantId },
    { id: target.user.id, role: target.user.role, tenantId: target.user.tenantId, isDemo: target.user.isTemporary || target.tenantIsDemo },
    current.realUser !== null,
  )
  if (!allowed || !target.user.isActive) {
    await audit(pool, {
      action: 'masquerade.denied',
      actorUserId: current.realUser?.id ?? actor.id,
      effectiveUserId: actor.id,
      tenantId: target.user.tenantId,
      targetType: 'user',
      targetId: target.user.id,
      ip: client.ip,
      sessionId: current.session.id,
      detail: { reason: current.realUser ? 'already masquerading' : !target.user.isActive ? 'target disabled' : 'not permitted by role' },
    })
    throw new AppError(403, 'masquerade_forbidden', current.realUser ? 'Stop the current masquerade first (no chains).' : `You may not act as this user.`)
  }
  const { sessionId, refreshToken } = await createSession(pool, {
    userId: target.user.id,
    tenantId: target.user.tenantId,
    realUserId: actor.id,
    parentSessionId: current.session.id,
    ttlSeconds: MASQUERADE_TTL_SECONDS,
    ...client,
  })
  await audit(pool, {
    action: 'masquerade.started',
    actorUserId: actor.id,
    effectiveUserId: target.user.id,
    tenantId: target.user.tenantId,
    targetType: 'user',
    targetId: target.user.id,
    ip: client.ip,
    sessionId,
    detail: { hijacker: actor.email, hijackerRole: actor.role, target: target.user.email, targetRole: target.user.role, parentSessionId: current.session.id },
  })
  const ctx = await loadSession(pool, sessionId)
  if (!ctx) throw new Error('a masquerade session just created could not be loaded')
  return { ctx, refreshToken, target }
}

/** Ends the masquerade; returns the original session (with a new refresh token) when it still lives. */
export async function stopMasquerade(pool: Pool, current: SessionContext, client: Client) {
  if (!current.realUser || !current.session.parentSessionId) {
    throw new AppError(409, 'not_masquerading', 'You are not masquerading.')
  }
  await revokeSession(pool, current.session.id, 'masquerade stopped')
  await audit(pool, {
    action: 'masquerade.stopped',
    actorUserId: current.realUser.id,
    effectiveUserId: current.user.id,
    tenantId: current.user.tenantId,
    targetType: 'user',
    targetId: current.user.id,
    ip: client.ip,
    sessionId: current.session.id,
    detail: { hijacker: current.realUser.email, target: current.user.email },
  })
  const parent = await loadSession(pool, current.session.parentSessionId)
  if (!parent || parent.user.id !== current.realUser.id) return { parent: null }
  return { parent, refreshToken: await issueRefreshToken(pool, parent.session.id) }
}
