// The Worker's side of /ws: who is connecting (session cookie, bearer token or a short-lived
// ?token= ticket), decided here and handed to the tenant's TenantHub, which trusts nothing else.
import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { activeGrants, hostScope } from '../identity/access'
import { audienceOf, sessionFitsHost } from '../identity/auth'
import { decide, type Principal } from '../identity/permissions'
import { loadSession } from '../identity/sessions'
import { verifyRealtimeTicket } from '../identity/tokens'
import { resourceIdsOfUser } from '../scheduling/catalog'
import type { SocketPrincipal } from './topic-access'

/** The identity a socket will have, or a 401 for a ticket that is bad, expired or another host's. */
export async function socketPrincipal(c: Context<AppEnv>): Promise<SocketPrincipal> {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'Realtime is served on a business host only.')
  const pool = c.get('database')().pool
  const token = c.req.query('token')
  if (token !== undefined) {
    const ticket = /^[A-Za-z0-9._-]{20,2048}$/.test(token) ? await verifyRealtimeTicket(c.get('settings').AUTH_SIGNING_KEYS, token, audienceOf(tenancy)!) : null
    if (!ticket) throw new AppError(401, 'invalid_token', 'The realtime ticket is invalid, expired, or not for this business; ask for a new one.')
    if (ticket.kind === 'booking') return { kind: 'booking', bookingId: ticket.bookingId, eventId: ticket.eventId }
    const session = await loadSession(pool, ticket.sessionId)
    if (!session || session.user.id !== ticket.userId || !sessionFitsHost(session, tenancy)) {
      throw new AppError(401, 'invalid_token', 'The session behind this ticket has ended; sign in again.')
    }
    return userPrincipal(c, { userId: session.user.id, role: session.user.role, tenantId: session.user.tenantId }, session.session.id)
  }
  const auth = c.get('auth')
  if (auth?.kind === 'user') return userPrincipal(c, { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId }, auth.session.id)
  return { kind: 'anonymous' }
}

/**
 * How long a socket's identity stands before the hub has it reconnect and be decided again, so a
 * changed role, a removed resource or an ended session stops deliveries within this time at most.
 */
export const IDENTITY_RECHECK_MS = 10 * 60_000

async function userPrincipal(c: Context<AppEnv>, principal: Principal, sessionId: string): Promise<SocketPrincipal> {
  const scope = hostScope(c)
  const grants = await activeGrants(c, principal.userId)
  // A grant that runs out sooner brings the recheck forward.
  const recheckAt = Math.min(Date.now() + IDENTITY_RECHECK_MS, ...grants.map((g) => g.expiresAt.getTime()))
  const reach = decide(principal, 'tenant.calendar.read_all', scope, grants).allowed
    ? 'all'
    : decide(principal, 'tenant.calendar.read_own', scope, grants).allowed
      ? 'own'
      : 'none'
  let ownResourceIds: string[] = []
  if (reach === 'own') {
    const tenancy = c.get('tenancy')
    if (tenancy.kind !== 'tenant') return { kind: 'anonymous' }
    ownResourceIds = await resourceIdsOfUser(c.get('database')().pool, tenancy.tenant.schemaName, principal.userId)
  }
  return { kind: 'user', userId: principal.userId, role: principal.role, calendar: reach, ownResourceIds, sessionId, recheckAt: new Date(recheckAt).toISOString() }
}
