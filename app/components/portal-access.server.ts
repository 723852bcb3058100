// Who may do what on the portal's catalog pages (resources, services, customers, closures, new
// appointments): the same actions the API declares for each (worker/scheduling/routes.ts), by role
// or by an active grant whose use is audited, as authorize() does. The calendar's own reach
// (staff: their resource only) comes from reachOf in scheduling.server.ts.
import { json, type AppLoadContext } from '@remix-run/cloudflare'
import type { Action } from '../../worker/identity/permissions'
import { actorOf, mayWithGrants, reachOf, tenantOf, type Actor } from './scheduling.server'

/** The business, its database and hub, and the signed-in user (or the redirect to /login). */
export function portalContext(context: AppLoadContext) {
  return { ...tenantOf(context), actor: actorOf(context) }
}

function allowed(context: AppLoadContext, request: Request, actor: Actor, action: Action, auditUse: boolean): Promise<boolean> {
  return mayWithGrants(context, actor, action, new URL(request.url).pathname, request.method, auditUse)
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
  /** business settings (owners and managers) */
  settings: boolean
  /** the team: invitations and roles */
  team: boolean
  /** the outbox of customer messages, and webhooks */
  messages: boolean
}

/** What the navigation bar offers this user (nothing is audited: offering is not using). */
export async function portalNavigation(context: AppLoadContext, request: Request, actor: Actor): Promise<PortalNavigation> {
  const [manage, catalog, customers, settings, team, messages] = await Promise.all([
    reachOf(context, request, actor, 'manage', false),
    allowed(context, request, actor, 'tenant.catalog.manage', false),
    allowed(context, request, actor, 'tenant.customers.read', false),
    allowed(context, request, actor, 'tenant.profile.manage', false),
    allowed(context, request, actor, 'tenant.users.manage', false),
    allowed(context, request, actor, 'tenant.notifications.read', false),
  ])
  return { book: manage !== false, catalog, customers, settings, team, messages }
}
