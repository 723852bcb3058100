// Accounts: lookup, creation with the role/tenant rule, password changes, activation.
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { AppError, pgErrorCode } from '../errors'
import { hashPassword } from './passwords'
import { isPlatformRole, ROLES, type Role } from './permissions'
import { revokeUserSessions, toSessionUser, type SessionUser } from './sessions'

type Queryable = Pick<Pool, 'query'>

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email('email must be a valid address'))

export const newPassword = z
  .string()
  .min(10, 'password must be at least 10 characters')
  .max(200, 'password must be at most 200 characters')

export const createUserInput = z
  .object({
    email,
    displayName: z.string().trim().max(120).default(''),
    role: z.enum(ROLES),
    tenantId: z.uuid().nullable().default(null),
    password: newPassword.optional(),
    isTemporary: z.boolean().default(false),
  })
  .superRefine((u, ctx) => {
    if (isPlatformRole(u.role) && u.tenantId !== null) {
      ctx.addIssue({ code: 'custom', path: ['tenantId'], message: `${u.role} is a platform role and cannot belong to a tenant` })
    }
    if (!isPlatformRole(u.role) && u.tenantId === null) {
      ctx.addIssue({ code: 'custom', path: ['tenantId'], message: `${u.role} is a tenant role and needs a tenantId` })
    }
  })
export type CreateUserInput = z.input<typeof createUserInput>

const COLUMNS = `id, email, display_name, role, tenant_id, is_active, is_temporary, (mfa_enabled_at IS NOT NULL) AS mfa_enabled`

export async function createUser(db: Queryable, raw: CreateUserInput): Promise<SessionUser> {
  const input = createUserInput.parse(raw)
  try {
    const { rows } = await db.query(
      `INSERT INTO public.users (email, display_name, role, tenant_id, password_hash, is_temporary, password_changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END)
       RETURNING ${COLUMNS}`,
      [input.email, input.displayName, input.role, input.tenantId, input.password ? await hashPassword(input.password) : null, input.isTemporary],
    )
    return toSessionUser(rows[0]!)
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw new AppError(409, 'email_taken', 'An account with this email already exists.')
    if (pgErrorCode(error) === '23503') throw new AppError(404, 'unknown_tenant', 'No tenant has that id.')
    throw error
  }
}

export async function findUserById(db: Queryable, id: string): Promise<SessionUser | null> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM public.users WHERE id = $1`, [id])
  return rows[0] ? toSessionUser(rows[0]) : null
}

export async function findUserForLogin(db: Queryable, emailAddress: string) {
  const { rows } = await db.query(`SELECT ${COLUMNS}, password_hash FROM public.users WHERE lower(email) = lower($1)`, [emailAddress])
  const row = rows[0]
  return row ? { user: toSessionUser(row), passwordHash: row.password_hash as string | null } : null
}

export async function setPassword(db: Queryable, userId: string, password: string): Promise<void> {
  await db.query(`UPDATE public.users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`, [
    userId,
    await hashPassword(password),
  ])
  await revokeUserSessions(db, userId, 'password changed')
}

export async function setActive(db: Queryable, userId: string, active: boolean): Promise<SessionUser> {
  const { rows } = await db.query(`UPDATE public.users SET is_active = $2, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`, [
    userId,
    active,
  ])
  if (!rows[0]) throw new AppError(404, 'unknown_user', 'No user has that id.')
  if (!active) await revokeUserSessions(db, userId, 'account disabled')
  return toSessionUser(rows[0])
}

export const listUsersQuery = z.object({
  tenant: z.uuid().optional(),
  role: z.enum(ROLES).optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

export async function listUsers(db: Queryable, filters: z.infer<typeof listUsersQuery> & { onlyDemo?: boolean }) {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, value: unknown) => {
    params.push(value)
    where.push(clause.replaceAll('?', `$${params.length}`))
  }
  if (filters.tenant) add('u.tenant_id = ?', filters.tenant)
  if (filters.role) add('u.role = ?', filters.role)
  if (filters.q) add(`(u.email ILIKE '%' || ? || '%' OR u.display_name ILIKE '%' || ? || '%')`, filters.q)
  if (filters.onlyDemo) where.push('(u.is_temporary OR t.is_demo)')
  params.push(filters.limit)
  const { rows } = await db.query(
    `SELECT u.id, u.email, u.display_name, u.role, u.tenant_id, u.is_active, u.is_temporary, (u.mfa_enabled_at IS NOT NULL) AS mfa_enabled,
            t.slug AS tenant_slug, COALESCE(t.is_demo, false) AS tenant_is_demo
       FROM public.users u LEFT JOIN public.tenants t ON t.id = u.tenant_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY u.tenant_id NULLS FIRST, u.role, u.email LIMIT $${params.length}`,
    params,
  )
  return rows.map((r) => ({ ...toSessionUser(r), tenantSlug: (r.tenant_slug as string | null) ?? null, tenantIsDemo: r.tenant_is_demo as boolean }))
}

