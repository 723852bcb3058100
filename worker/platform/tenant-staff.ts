// A business's team: inviting owners, managers and staff by email, changing their roles, and
// switching accounts off and on. The rules (staffChangeRefusal) are pure; the rest holds the SQL.
// An invitation is an account without a password plus a one-time link to choose one (the
// password-reset token table, with a week's lifetime instead of 30 minutes).
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { withTransaction } from '../../db/client'
import { queueEmail } from '../communication/outbox'
import { assertPlanAllows } from './plans'
import { AppError } from '../errors'
import { randomToken, sha256Hex } from '../identity/passwords'
import { isPlatformRole, type Principal, type Role } from '../identity/permissions'
import { createUser, email, findUserById, setActive } from '../identity/users'
import { revokeUserSessions, type SessionUser } from '../identity/sessions'

export const STAFF_ROLES = ['TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF'] as const satisfies readonly Role[]
export type StaffRole = (typeof STAFF_ROLES)[number]
export const INVITATION_TTL_SECONDS = 7 * 24 * 3600

export const inviteInput = z
  .object({
    email,
    displayName: z.string().trim().max(120).default(''),
    role: z.enum(STAFF_ROLES, `role must be one of ${STAFF_ROLES.join(', ')}`),
  })
  .strict()

export const staffChange = z
  .object({
    role: z.enum(STAFF_ROLES, `role must be one of ${STAFF_ROLES.join(', ')}`),
    isActive: z.boolean(),
  })
  .partial()
  .strict()
  .refine((c) => c.role !== undefined || c.isActive !== undefined, 'send role, isActive or both')

type Queryable = Pick<Pool, 'query'>

interface Member {
  id: string
  role: Role
  isActive: boolean
}

/**
 * Why `actor` may not make `change` to `target` (null: allowed). Managers never touch owners nor
 * make anyone an owner; nobody changes their own role or switches themselves off; a business
 * always keeps one active owner. Platform staff with the right to manage users act as owners.
 */
export function staffChangeRefusal(
  actor: Principal,
  target: Member,
  change: { role?: StaffRole; isActive?: boolean },
  activeOwners: number,
): { status: 403 | 409; code: string; message: string } | null {
  const actsAsOwner = actor.role === 'TENANT_OWNER' || isPlatformRole(actor.role)
  if (!(STAFF_ROLES as readonly Role[]).includes(target.role)) {
    return { status: 409, code: 'not_staff', message: 'That account is a customer, not a member of the team.' }
  }
  if (actor.userId === target.id) {
    return { status: 409, code: 'own_account', message: 'You cannot change your own role or switch off your own account; ask another owner.' }
  }
  if (!actsAsOwner && (target.role === 'TENANT_OWNER' || change.role === 'TENANT_OWNER')) {
    return { status: 403, code: 'owners_only', message: 'Only an owner can change an owner or make someone an owner.' }
  }
  const losesOwner = target.role === 'TENANT_OWNER' && target.isActive && ((change.role !== undefined && change.role !== 'TENANT_OWNER') || change.isActive === false)
  if (losesOwner && activeOwners <= 1) {
    return { status: 409, code: 'last_owner', message: 'The business must keep at least one active owner; make someone else an owner first.' }
  }
  return null
}

async function issueSetPasswordLink(db: Queryable, user: SessionUser, tenant: { id: string; name: string }, origin: string, invitedBy: string | null) {
  const token = randomToken(32)
  await db.query(`INSERT INTO public.password_reset_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`, [
    await sha256Hex(token),
    user.id,
    INVITATION_TTL_SECONDS,
  ])
  const link = `${origin}/reset-password?token=${encodeURIComponent(token)}&invite=1`
  const role = user.role === 'TENANT_OWNER' ? 'an owner' : user.role === 'TENANT_MANAGER' ? 'a manager' : 'a member of staff'
  await queueEmail(db, {
    tenantId: tenant.id,
    to: user.email,
    subject: `You're invited to ${tenant.name} on SmoothSchedule`,
    body: `${invitedBy ? `${invitedBy} has` : 'You have been'} invited you to join ${tenant.name} as ${role}.\n\nChoose your password with this link within 7 days:\n\n${link}\n\nThen sign in at ${origin}/login with ${user.email}.`,
    template: 'user.invited',
  })
  return new Date(Date.now() + INVITATION_TTL_SECONDS * 1000).toISOString()
}

export async function inviteStaff(
  pool: Pool,
  actor: Principal & { displayName?: string | null },
  tenant: { id: string; name: string },
  raw: z.input<typeof inviteInput>,
  origin: string,
): Promise<{ user: SessionUser; invitationExpiresAt: string }> {
  const input = inviteInput.parse(raw)
  if (input.role === 'TENANT_OWNER' && !(actor.role === 'TENANT_OWNER' || isPlatformRole(actor.role))) {
    throw new AppError(403, 'owners_only', 'Only an owner can invite another owner.')
  }
  return withTransaction(pool, async (client) => {
    await assertPlanAllows(client, (await client.query<{ schema_name: string }>('SELECT schema_name FROM public.tenants WHERE id = $1', [tenant.id])).rows[0]!.schema_name, 'staff')
    const user = await createUser(client, { email: input.email, displayName: input.displayName, role: input.role, tenantId: tenant.id })
    const invitationExpiresAt = await issueSetPasswordLink(client, user, tenant, origin, actor.displayName ?? null)
    return { user, invitationExpiresAt }
  })
}

async function memberOf(db: Queryable, tenantId: string, userId: string) {
  const { rows } = await db.query<{ id: string; role: Role; is_active: boolean; has_password: boolean }>(
    `SELECT id, role, is_active, password_hash IS NOT NULL AS has_password FROM public.users WHERE id = $1 AND tenant_id = $2 FOR UPDATE`,
    [userId, tenantId],
  )
  const row = rows[0]
  if (!row) throw new AppError(404, 'unknown_user', 'No user of this business has that id.')
  return { id: row.id, role: row.role, isActive: row.is_active, hasPassword: row.has_password }
}

/** Sends a fresh invitation link to a member who has not chosen a password yet. */
export async function resendInvitation(pool: Pool, actor: Principal & { displayName?: string | null }, tenant: { id: string; name: string }, userId: string, origin: string) {
  return withTransaction(pool, async (client) => {
    const member = await memberOf(client, tenant.id, userId)
    if (!(STAFF_ROLES as readonly Role[]).includes(member.role)) throw new AppError(409, 'not_staff', 'That account is a customer, not a member of the team.')
    if (member.hasPassword) throw new AppError(409, 'already_joined', 'This person has already chosen a password; they can reset it from the sign-in page.')
    if (!member.isActive) throw new AppError(409, 'account_disabled', 'Switch the account on before inviting again.')
    if (member.role === 'TENANT_OWNER' && !(actor.role === 'TENANT_OWNER' || isPlatformRole(actor.role))) {
      throw new AppError(403, 'owners_only', 'Only an owner can invite another owner.')
    }
    const user = (await findUserById(client, userId))!
    await client.query(`UPDATE public.password_reset_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId])
    return { user, invitationExpiresAt: await issueSetPasswordLink(client, user, tenant, origin, actor.displayName ?? null) }
  })
}

/**
 * Changes a member's role and/or switches the account off or on, in one transaction that locks the
 * business's owners (two owners demoting each other at once cannot leave it with none).
 */
export async function changeStaff(pool: Pool, actor: Principal, tenantId: string, userId: string, raw: unknown): Promise<{ user: SessionUser; before: { role: Role; isActive: boolean } }> {
  const change = staffChange.parse(raw)
  return withTransaction(pool, async (client) => {
    const owners = await client.query<{ id: string }>(
      `SELECT id FROM public.users WHERE tenant_id = $1 AND role = 'TENANT_OWNER' AND is_active ORDER BY id FOR UPDATE`,
      [tenantId],
    )
    const member = await memberOf(client, tenantId, userId)
    const refusal = staffChangeRefusal(actor, member, change, owners.rowCount ?? 0)
    if (refusal) throw new AppError(refusal.status, refusal.code, refusal.message)
    if (change.role !== undefined && change.role !== member.role) {
      await client.query(`UPDATE public.users SET role = $2, updated_at = now() WHERE id = $1`, [userId, change.role])
      // A new role means new powers (or fewer): sessions are re-opened under it.
      await revokeUserSessions(client, userId, 'role changed')
    }
    const user = change.isActive !== undefined && change.isActive !== member.isActive ? await setActive(client, userId, change.isActive) : (await findUserById(client, userId))!
    return { user, before: { role: member.role, isActive: member.isActive } }
  })
}

export interface TeamMember {
  id: string
  email: string
  displayName: string
  role: StaffRole
  isActive: boolean
  /** has chosen a password (an invitation not yet taken up reads false) */
  joined: boolean
  invitedAt: string
}

/** The business's owners, managers and staff (not its customers), owners first. */
export async function listTeam(db: Queryable, tenantId: string): Promise<TeamMember[]> {
  const { rows } = await db.query(
    `SELECT id, email, display_name, role, is_active, password_hash IS NOT NULL AS joined, created_at FROM public.users
      WHERE tenant_id = $1 AND role = ANY($2)
      ORDER BY array_position($2, role), lower(email)`,
    [tenantId, STAFF_ROLES],
  )
  return rows.map((r) => ({
    id: r.id as string,
    email: r.email as string,
    displayName: r.display_name as string,
    role: r.role as StaffRole,
    isActive: r.is_active as boolean,
    joined: r.joined as boolean,
    invitedAt: new Date(r.created_at).toISOString(),
  }))
}
