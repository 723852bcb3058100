// Who may do what on the portal's catalog pages (resources, services, customers, closures, new
// appointments): the same actions the API declares for each (worker/scheduling/routes.ts), by role
// or by an active grant whose use is audited, as authorize() does. The calendar's own reach
// (staff: their resource only) comes from reachOf in scheduling.server.ts.
import { json, type AppLoadContext } from '@remix-run/cloudflare'
import { listGrants } from '../../worker/identity/grants'
import { decide, type Action, type Grant } from '../../worker/identity/permissions'
import { audit } from '../../worker/platform/audit'
import { actorOf, reachOf, tenantOf, type Actor } from './scheduling.server'

/** The business, its database and hub, and the signed-in user (or the redirect to /login). */
export function portalContext(context: AppLoadContext) {
  return { ...tenantOf(context), actor: actorOf(context) }
}

// Mirrors mayWithGrants in scheduling.server.ts, which is not exported; keep the two in step.
async function allowed(context: AppLoadContext, request: Request, actor: Actor, action: Action, auditUse: boolean): Promise<boolean> {
  if (decide(actor.principal, action, actor.scope).allowed) return true
  const views = await listGrants(context.pool(), { granteeId: actor.principal.userId })
  const grants: (Grant & { id: string })[] = views.map((g) => ({
    id: g.id,
    action: g.action,
    tenantId: g.tenantId,
    startsAt: new Date(g.startsAt),
    expiresAt: new Date(g.expiresAt),
    revokedAt: g.revokedAt ? new Date(g.revokedAt) : null,
  }))
  const decision = decide(actor.principal, action, actor.scope, grants)
  if (!decision.allowed) return false
  if (decision.via === 'grant' && auditUse) {
    await audit(context.pool(), {
      action: 'grant.used',
      ...actor.audit,
      tenantId: actor.scope.tenantId,
      targetType: 'grant',
      targetId: (decision.grant as Grant & { id?: string }).id ?? null,
      detail: { action, path: new URL(request.url).pathname, method: request.method },
    })
  }
  return true
}

/** May the actor perform `action`? `offerOnly`: to decide what to show, so a grant's use is not audited. */
export function may(context: AppLoadContext, request: Request, actor: Actor, action: Action, offerOnly = false): Promise<boolean> {
  return allowed(context, request, actor, action, !offerOnly)
}

/** `may`, or the 403 page with `message`. */
export async function requireAction(context: AppLoadContext, request: Request, actor: Actor, action: Action, message: string): Promise<void> {
  if (!(await allowed(context, request, actor, action, true))) throw json({ code: 'forbidden', message }, { status: 403 })
}

export interface PortalNavigation {
  /** may book on some calendar (all, or their own) */
  book: boolean
  catalog: boolean
  customers: boolean
}

/** What the navigation bar offers this user (nothing is audited: offering is not using). */
export async function portalNavigation(context: AppLoadContext, request: Request, actor: Actor): Promise<PortalNavigation> {
  const [manage, catalog, customers] = await Promise.all([
    reachOf(context, request, actor, 'manage', false),
    allowed(context, request, actor, 'tenant.catalog.manage', false),
    allowed(context, request, actor, 'tenant.customers.read', false),
  ])
  return { book: manage !== false, catalog, customers }
}
