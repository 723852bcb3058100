// Route-level authorization. Every /api route declares what it needs with `access(...)`; a test
// walks the route inventory and fails on any route without a declaration. Deny by default.
import type { Context, MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { audit } from '../platform/audit'
import { clientIp } from './auth'
import { decide, type Action, type ActionScope, type Grant, type Principal } from './permissions'

export type AccessRule =
  | { kind: 'public' }
  | { kind: 'signed-in'; duringMasquerade: 'allow' | 'deny' }
  | { kind: 'action'; action: Action }

export const ACCESS = Symbol.for('smoothschedule.access')

export type AccessMiddleware = MiddlewareHandler<AppEnv> & { [ACCESS]: AccessRule }

export function principalOf(c: Context<AppEnv>): Principal | null {
  const auth = c.get('auth')
  if (!auth) return null
  if (auth.kind === 'bootstrap') return { userId: 'bootstrap', role: 'SUPERUSER', tenantId: null }
  return { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId }
}

/** The tenant the request acts in: the host's tenant, or none on the platform host. */
export function hostScope(c: Context<AppEnv>): ActionScope {
  const tenancy = c.get('tenancy')
  return tenancy.kind === 'tenant' ? { tenantId: tenancy.tenant.id, tenantIsDemo: tenancy.tenant.isDemo } : { tenantId: null }
}

export async function activeGrants(c: Context<AppEnv>, userId: string): Promise<Grant[]> {
  const { rows } = await c.get('database')().pool.query(
    `SELECT id, action, tenant_id, starts_at, expires_at, revoked_at FROM public.permission_grants
      WHERE grantee_id = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [userId],
  )
  return rows.map((r) => ({
    id: r.id as string,
    action: r.action as string,
    tenantId: r.tenant_id as string | null,
    startsAt: new Date(r.starts_at),
    expiresAt: new Date(r.expires_at),
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
  }))
}

/**
 * Throws 401/403 unless the signed-in principal may perform `action` in `scope` (by role, or by an
 * active grant — whose use is audited).
 */
export async function authorize(c: Context<AppEnv>, action: Action, scope: ActionScope = hostScope(c)): Promise<Principal> {
  const principal = principalOf(c)
  if (!principal) throw new AppError(401, 'unauthenticated', 'Sign in first.')
  let decision = decide(principal, action, scope)
  if (!decision.allowed && principal.userId !== 'bootstrap') {
    decision = decide(principal, action, scope, await activeGrants(c, principal.userId))
    if (decision.allowed && decision.via === 'grant') {
      const auth = c.get('auth')
      await audit(c.get('database')().pool, {
        action: 'grant.used',
        actorUserId: auth?.kind === 'user' ? (auth.realUser?.id ?? auth.user.id) : null,
        effectiveUserId: principal.userId,
        tenantId: scope.tenantId,
        targetType: 'grant',
        targetId: (decision.grant as Grant & { id?: string }).id ?? null,
        ip: clientIp(c),
        sessionId: auth?.kind === 'user' ? auth.session.id : null,
        detail: { action, path: c.req.path, method: c.req.method },
      })
    }
  }
  if (!decision.allowed) throw new AppError(403, 'forbidden', `Your role may not ${action} here.`)
  return principal
}

export function access(rule: AccessRule): AccessMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (rule.kind === 'signed-in') {
      const auth = c.get('auth')
      if (!auth || auth.kind !== 'user') throw new AppError(401, 'unauthenticated', 'Sign in first.')
      if (rule.duringMasquerade === 'deny' && auth.realUser) {
        throw new AppError(403, 'not_while_masquerading', 'Stop masquerading first: this changes the account itself.')
      }
    } else if (rule.kind === 'action') {
      await authorize(c, rule.action)
    }
    await next()
  }
  return Object.assign(middleware, { [ACCESS]: rule })
}

export const isPublic = access({ kind: 'public' })
export const signedIn = access({ kind: 'signed-in', duringMasquerade: 'allow' })
export const accountOwner = access({ kind: 'signed-in', duringMasquerade: 'deny' })
export const can = (action: Action) => access({ kind: 'action', action })

/** Who to write into the audit log for the current request. */
export function auditActor(c: Context<AppEnv>) {
  const auth = c.get('auth')
  if (!auth) return { actorUserId: null, effectiveUserId: null, sessionId: null, ip: clientIp(c) }
  if (auth.kind === 'bootstrap') return { actorUserId: null, effectiveUserId: null, sessionId: null, ip: clientIp(c), bootstrap: true }
  return { actorUserId: auth.realUser?.id ?? auth.user.id, effectiveUserId: auth.user.id, sessionId: auth.session.id, ip: clientIp(c) }
}
