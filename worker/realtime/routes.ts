// /api/realtime/*: short-lived tickets for `/ws?token=`, for clients that cannot send the session
// cookie (another origin, a native app) and for a customer following a booking from its manage link.
import { Hono } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { audienceOf } from '../identity/auth'
import { isPublic, signedIn } from '../identity/access'
import { REALTIME_TICKET_TTL_SECONDS, signRealtimeTicket } from '../identity/tokens'
import { doc } from '../openapi'
import { findBookingByToken } from '../scheduling/events'
import { readJson } from '../validation'

export const realtimeRoutes = new Hono<AppEnv>()

function tenantAudience(c: import('hono').Context<AppEnv>) {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'Realtime is served on a business host only.')
  return { tenant: tenancy.tenant, audience: audienceOf(tenancy)! }
}

function ticketBody(token: string) {
  return { token, expiresAt: new Date(Date.now() + REALTIME_TICKET_TTL_SECONDS * 1000).toISOString(), url: `/ws?token=${token}` }
}

realtimeRoutes.post('/tickets', signedIn, doc({ summary: 'A one-minute ticket to open /ws?token= as the signed-in user', status: 201 }), async (c) => {
  const { audience } = tenantAudience(c)
  const auth = c.get('auth')
  if (auth?.kind !== 'user') throw new AppError(401, 'unauthenticated', 'Sign in first.')
  const token = await signRealtimeTicket(c.get('settings').AUTH_SIGNING_KEYS, audience, { kind: 'session', sessionId: auth.session.id, userId: auth.user.id })
  return c.json(ticketBody(token), 201)
})

const bookingTicketInput = z.object({ manageToken: z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'the token from the manage link') })

realtimeRoutes.post('/booking-tickets', isPublic, doc({ summary: 'A one-minute ticket to follow one booking (event:<id>) from its manage link', body: bookingTicketInput, status: 201 }), async (c) => {
  const { tenant, audience } = tenantAudience(c)
  const { manageToken } = await readJson(c, bookingTicketInput)
  const found = await findBookingByToken(c.get('database')().pool, tenant.schemaName, manageToken)
  if (!found) throw new AppError(404, 'unknown_booking', 'This manage link is not valid.')
  const token = await signRealtimeTicket(c.get('settings').AUTH_SIGNING_KEYS, audience, { kind: 'booking', bookingId: found.bookingId, eventId: found.event.id })
  return c.json({ ...ticketBody(token), topic: `event:${found.event.id}` }, 201)
})
