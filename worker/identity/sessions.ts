// Sessions and rotating refresh tokens. A session is a refresh-token family: each refresh uses up
// its token and issues the next; presenting a used token again revokes the whole family.
import type { Pool } from '@neondatabase/serverless'
import { AppError } from '../errors'
import { randomToken, sha256Hex } from './passwords'
import type { Role } from './permissions'

export const SESSION_TTL_SECONDS = 30 * 24 * 3600
export const MASQUERADE_TTL_SECONDS = 60 * 60

type Queryable = Pick<Pool, 'query'>

export interface SessionUser {
  id: string
  email: string
  displayName: string
  role: Role
  tenantId: string | null
  isActive: boolean
  isTemporary: boolean
  mfaEnabled: boolean
}

export interface LiveSession {
  id: string
  userId: string
  tenantId: string | null
  realUserId: string | null
  parentSessionId: string | null
  expiresAt: Date
}

export interface SessionContext {
  session: LiveSession
  user: SessionUser
  realUser: SessionUser | null
}

export async function createSession(
  db: Queryable,
  input: {
    userId: string
    tenantId: string | null
    ip: string | null
    userAgent: string | null
    realUserId?: string | null
    parentSessionId?: string | null
    ttlSeconds?: number
  },
): Promise<{ sessionId: string; refreshToken: string }> {
  const ttl = input.ttlSeconds ?? SESSION_TTL_SECONDS
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO public.sessions (user_id, tenant_id, real_user_id, parent_session_id, ip, user_agent, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) RETURNING id`,
    [input.userId, input.tenantId, input.realUserId ?? null, input.parentSessionId ?? null, input.ip, input.userAgent?.slice(0, 300) ?? null, ttl],
  )
  const sessionId = rows[0]!.id
  return { sessionId, refreshToken: await issueRefreshToken(db, sessionId) }
}

export async function issueRefreshToken(db: Queryable, sessionId: string): Promise<string> {
  const token = randomToken(32)
  await db.query(
    `INSERT INTO public.refresh_tokens (token_hash, session_id, expires_at)
     SELECT $1, id, expires_at FROM public.sessions WHERE id = $2`,
    [await sha256Hex(token), sessionId],
  )
  return token
}

export async function revokeSession(db: Queryable, sessionId: string, reason: string): Promise<void> {
  // Ending a session also ends any masquerade started from it.
  await db.query(
    `UPDATE public.sessions SET revoked_at = now(), revoked_reason = $2
      WHERE (id = $1 OR parent_session_id = $1) AND revoked_at IS NULL`,
    [sessionId, reason],
  )
}

/** Ends every live session of a user, including masquerades of them and by them. */
export async function revokeUserSessions(db: Queryable, userId: string, reason: string): Promise<number> {
  const result = await db.query(
    `UPDATE public.sessions SET revoked_at = now(), revoked_reason = $2
      WHERE (user_id = $1 OR real_user_id = $1) AND revoked_at IS NULL`,
    [userId, reason],
  )
  return result.rowCount ?? 0
}

export type RotateOutcome =
  | { ok: true; sessionId: string; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'reused' | 'revoked'; sessionId?: string }

/**
 * Uses up a refresh token and issues the next one of its family. `scopeTenantId` is the host's
 * tenant (null: the platform host): a token presented on another host is not touched at all.
 */
export async function rotateRefreshToken(db: Queryable, presented: string, scopeTenantId: string | null): Promise<RotateOutcome> {
  const hash = await sha256Hex(presented)
  const used = await db.query<{ session_id: string; live: boolean }>(
    `UPDATE public.refresh_tokens r SET used_at = now()
       FROM public.sessions s
      WHERE r.token_hash = $1 AND r.used_at IS NULL AND s.id = r.session_id AND s.tenant_id IS NOT DISTINCT FROM $2
      RETURNING r.session_id, (s.revoked_at IS NULL AND s.expires_at > now() AND r.expires_at > now()) AS live`,
    [hash, scopeTenantId],
  )
  const row = used.rows[0]
  if (row) {
    if (!row.live) return { ok: false, reason: 'revoked', sessionId: row.session_id }
    return { ok: true, sessionId: row.session_id, refreshToken: await issueRefreshToken(db, row.session_id) }
  }
  const known = await db.query<{ session_id: string }>(
    `SELECT r.session_id FROM public.refresh_tokens r JOIN public.sessions s ON s.id = r.session_id
      WHERE r.token_hash = $1 AND s.tenant_id IS NOT DISTINCT FROM $2`,
    [hash, scopeTenantId],
  )
  const reused = known.rows[0]
  if (!reused) return { ok: false, reason: 'unknown' }
  // A used token came back: someone holds a copy. End the family for everyone.
  await revokeSession(db, reused.session_id, 'refresh token reuse')
  return { ok: false, reason: 'reused', sessionId: reused.session_id }
}

const USER_COLUMNS = `u.id, u.email, u.display_name, u.role, u.tenant_id, u.is_active, u.is_temporary, (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled`

export function toSessionUser(r: Record<string, unknown>, prefix = ''): SessionUser {
  return {
    id: r[`${prefix}id`] as string,
    email: r[`${prefix}email`] as string,
    displayName: r[`${prefix}display_name`] as string,
    role: r[`${prefix}role`] as Role,
    tenantId: (r[`${prefix}tenant_id`] as string | null) ?? null,
    isActive: r[`${prefix}is_active`] as boolean,
    isTemporary: r[`${prefix}is_temporary`] as boolean,
    mfaEnabled: r[`${prefix}mfa_enabled`] as boolean,
  }
}

/** The live session with its user (and the real user behind a masquerade), or null. */
export async function loadSession(db: Queryable, sessionId: string): Promise<SessionContext | null> {
  const { rows } = await db.query(
    `SELECT s.id AS sid, s.user_id, s.tenant_id AS s_tenant_id, s.real_user_id, s.parent_session_id, s.expires_at,
            ${USER_COLUMNS},
            r.id AS r_id, r.email AS r_email, r.display_name AS r_display_name, r.role AS r_role, r.tenant_id AS r_tenant_id,
            r.is_active AS r_is_active, r.is_temporary AS r_is_temporary, (r.mfa_enabled_at IS NOT NULL) AS r_mfa_enabled
       FROM public.sessions s
       JOIN public.users u ON u.id = s.user_id
       LEFT JOIN public.users r ON r.id = s.real_user_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now()`,
    [sessionId],
  )
  const row = rows[0]
  if (!row) return null
  const user = toSessionUser(row)
  const realUser = row.r_id ? toSessionUser(row, 'r_') : null
  if (!user.isActive || (realUser && !realUser.isActive)) return null
  return {
    session: {
      id: row.sid,
      userId: row.user_id,
      tenantId: row.s_tenant_id,
      realUserId: row.real_user_id,
      parentSessionId: row.parent_session_id,
      expiresAt: new Date(row.expires_at),
    },
    user,
    realUser,
  }
}

export async function touchSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query(`UPDATE public.sessions SET last_seen_at = now() WHERE id = $1 AND last_seen_at < now() - interval '1 minute'`, [sessionId])
}

export function invalidSession(): AppError {
  return new AppError(401, 'session_expired', 'Your session has ended; sign in again.')
}
