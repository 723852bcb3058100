// Scheduling API. /api/tenant/*: the business's portal (resources, services, hours, customers,
// events), per the permission matrix. /api/public/*: slots, holds and bookings for customers, and
// the manage link. Bookings and moves go through TenantHub, which serialises them per resource.
import { createResourceWithDefaultHours, getTenantSettings } from '../platform/tenant-settings'
import { Hono, type Context } from 'hono'
import { doc } from '../openapi'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { auditActor, authorize, can, hostScope, isPublic, principalOf } from '../identity/access'
import { decide } from '../identity/permissions'
import { audit } from '../platform/audit'
import { isValidTimeZone } from '../platform/tenants'
import { readJson, readParam, readQuery } from '../validation'
import { hubClient } from './hub-client'
import { instant } from '../instants'
import { bookingInput, candidateResources, slotsFor, type StoredResponse } from './booking'
import {
  addBlockedTime,
  addClosure,
  createResource,
  createService,
  customerInput,
  getService,
  intervalInput,
  listCustomers,
  listResources,
  listServices,
  resourceIdsOfUser,
  overrideInput,
  resourceInput,
  resourceUpdate,
  serviceInput,
  setDateOverride,
  setWeeklyHours,
  updateResource,
  upsertCustomer,
  weeklyHoursInput,
} from './catalog'
import { cancelBooking, cancelEvent, confirmEvent, findBookingByToken, getEvent, listEvents } from './events'
import { AvailabilityInputError } from './availability'
import { tenantSql } from './sql'
import { bookingCancelled } from '../realtime/fan-out'

const DAY = 24 * 3600_000
const isoInstant = instant

function tenantOf(c: Context<AppEnv>) {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'This endpoint is served on a business host only.')
  return tenancy.tenant
}
const pool = (c: Context<AppEnv>) => c.get('database')().pool
const hub = (c: Context<AppEnv>) => hubClient(c.env.TENANT_HUB, { tenantId: tenantOf(c).id, schemaName: tenantOf(c).schemaName })

function stored(c: Context<AppEnv>, response: StoredResponse) {
  return c.json(response.body as object, response.status as 201)
}

/** The resources linked to the signed-in staff member (their "own calendar"). */
async function ownResourceIds(c: Context<AppEnv>): Promise<string[]> {
  const principal = principalOf(c)
  if (!principal) return []
  return resourceIdsOfUser(pool(c), tenantOf(c).schemaName, principal.userId)
}

/** null: may act on every resource; otherwise the resources the principal may act on. */
async function calendarReach(c: Context<AppEnv>, kind: 'read' | 'manage'): Promise<string[] | null> {
  const principal = principalOf(c)
  if (!principal) throw new AppError(401, 'unauthenticated', 'Sign in first.')
  const scope = hostScope(c)
  if (decide(principal, kind === 'read' ? 'tenant.calendar.read_all' : 'tenant.calendar.manage_all', scope).allowed) return null
  await authorize(c, kind === 'read' ? 'tenant.calendar.read_own' : 'tenant.calendar.manage_own', scope)
  return ownResourceIds(c)
}

async function assertMayManageEvent(c: Context<AppEnv>, eventId: string) {
  const reach = await calendarReach(c, 'manage')
  const event = await getEvent(pool(c), tenantOf(c).schemaName, eventId)
  if (!event) throw new AppError(404, 'unknown_event', 'No event has that id.')
  if (reach && !event.resourceIds.some((id) => reach.includes(id))) throw new AppError(403, 'forbidden', 'You may change events on your own calendar only.')
  return event
}

/** Hours, blocks, closures and the like changed: open booking pages and calendars refresh their times. */
function availabilityChanged(c: Context<AppEnv>, resourceIds: string[] | 'all', reason: string) {
  return hub(c).announce({ kind: 'availability', resourceIds, reason })
}

export const schedulingRoutes = new Hono<AppEnv>()

// ---- catalog ----
schedulingRoutes.get('/resources', can('tenant.calendar.read_own'), doc({ summary: 'Staff, rooms and equipment' }), async (c) => c.json({ resources: await listResources(pool(c), tenantOf(c).schemaName) }))

schedulingRoutes.post('/resources', can('tenant.catalog.manage'), doc({ summary: 'Add a resource', body: resourceInput }), async (c) => {
  const input = await readJson(c, resourceInput)
  const resource = await createResourceWithDefaultHours(pool(c), tenantOf(c), input)
  await audit(pool(c), { action: 'resource.created', ...auditActor(c), tenantId: tenantOf(c).id, targetType: 'resource', targetId: resource.id })
  await availabilityChanged(c, [resource.id], 'resource added')
  return c.json({ resource }, 201)
})

schedulingRoutes.patch('/resources/:id', can('tenant.catalog.manage'), doc({ summary: 'Change a resource (only the fields sent)', body: resourceUpdate }), async (c) => {
  const input = await readJson(c, resourceUpdate)
  const resource = await updateResource(pool(c), tenantOf(c).schemaName, readParam(c, 'id'), input)
  await availabilityChanged(c, [resource.id], 'resource changed')
  return c.json({ resource })
})

schedulingRoutes.put('/resources/:id/hours', can('tenant.catalog.manage'), doc({ summary: 'Replace the weekly hours of a resource', body: weeklyHoursInput, status: 200 }), async (c) => {
  const input = await readJson(c, weeklyHoursInput)
  const id = readParam(c, 'id')
  const hours = await setWeeklyHours(pool(c), tenantOf(c).schemaName, id, input)
  await availabilityChanged(c, [id], 'weekly hours')
  return c.json(hours)
})

schedulingRoutes.put('/resources/:id/overrides', can('tenant.catalog.manage'), doc({ summary: 'Set other hours (or closed) on one date', body: overrideInput, status: 200 }), async (c) => {
  const input = await readJson(c, overrideInput)
  const id = readParam(c, 'id')
  const override = await setDateOverride(pool(c), tenantOf(c).schemaName, id, input)
  await availabilityChanged(c, [id], 'date override')
  return c.json(override)
})

// Time off: managers for anyone, staff for themselves.
schedulingRoutes.post('/resources/:id/blocks', can('tenant.calendar.manage_own'), doc({ summary: 'Block time (holiday, time off)', body: intervalInput }), async (c) => {
  const id = readParam(c, 'id')
  const input = await readJson(c, intervalInput)
  const reach = await calendarReach(c, 'manage')
  if (reach && !reach.includes(id)) throw new AppError(403, 'forbidden', 'You may block time on your own calendar only.')
  const block = await addBlockedTime(pool(c), tenantOf(c).schemaName, id, input)
  await availabilityChanged(c, [id], 'blocked time')
  return c.json({ block }, 201)
})

schedulingRoutes.post('/closures', can('tenant.catalog.manage'), doc({ summary: 'Close the whole business for a while', body: intervalInput }), async (c) => {
  const input = await readJson(c, intervalInput)
  const closure = await addClosure(pool(c), tenantOf(c).schemaName, input)
  await availabilityChanged(c, 'all', 'closure')
  return c.json({ closure }, 201)
})

schedulingRoutes.get('/services', can('tenant.calendar.read_own'), doc({ summary: 'Services' }), async (c) => c.json({ services: await listServices(pool(c), tenantOf(c).schemaName) }))

schedulingRoutes.post('/services', can('tenant.catalog.manage'), doc({ summary: 'Add a service', body: serviceInput }), async (c) => {
  const raw = await readJson(c, z.looseObject({ cancellationCutoffMinutes: z.unknown().optional() }))
  // A service takes the business's default cut-off unless it names its own.
  const defaults = raw.cancellationCutoffMinutes === undefined ? { cancellationCutoffMinutes: (await getTenantSettings(pool(c), tenantOf(c))).cancellationPolicy.cutoffMinutes } : {}
  const input = serviceInput.parse({ ...raw, ...defaults })
  const service = await createService(pool(c), tenantOf(c).schemaName, input)
  await audit(pool(c), { action: 'service.created', ...auditActor(c), tenantId: tenantOf(c).id, targetType: 'service', targetId: service.id })
  await availabilityChanged(c, candidateResources(service), 'service added')
  return c.json({ service }, 201)
})

schedulingRoutes.get('/customers', can('tenant.customers.read'), doc({ summary: 'Customers' }), async (c) => {
  const q = readQuery(c, z.object({ q: z.string().trim().max(100).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }))
  return c.json({ customers: await listCustomers(pool(c), tenantOf(c).schemaName, q.q, q.limit) })
})

schedulingRoutes.post('/customers', can('tenant.customers.manage'), doc({ summary: 'Add or update a customer (by email)', body: customerInput }), async (c) => {
  const input = await readJson(c, customerInput)
  return c.json({ customer: await upsertCustomer(pool(c), tenantOf(c).schemaName, input) }, 201)
})

// ---- calendar ----
const rangeQuery = z
  .object({ from: isoInstant, to: isoInstant, resourceId: z.uuid().optional(), includeCancelled: z.enum(['true', 'false']).optional() })
  .refine((r) => new Date(r.to) > new Date(r.from), { path: ['to'], message: 'must be after from' })
  .refine((r) => new Date(r.to).getTime() - new Date(r.from).getTime() <= 62 * DAY, { path: ['to'], message: 'at most 62 days at a time' })

schedulingRoutes.get('/events', can('tenant.calendar.read_own'), doc({ summary: 'Events in a time range (staff: their own calendar)', query: rangeQuery }), async (c) => {
  const q = readQuery(c, rangeQuery)
  const reach = await calendarReach(c, 'read')
  if (reach && q.resourceId && !reach.includes(q.resourceId)) throw new AppError(403, 'forbidden', 'You may see your own calendar only.')
  const resourceIds = q.resourceId ? [q.resourceId] : (reach ?? undefined)
  const events = resourceIds && resourceIds.length === 0 ? [] : await listEvents(pool(c), tenantOf(c).schemaName, { from: q.from, to: q.to, resourceIds, includeCancelled: q.includeCancelled === 'true' })
  return c.json({ events })
})

schedulingRoutes.post('/events', can('tenant.calendar.manage_own'), doc({ summary: 'Book on behalf of a customer (Idempotency-Key header supported)', body: bookingInput }), async (c) => {
  const input = await readJson(c, bookingInput)
  const reach = await calendarReach(c, 'manage')
  if (reach && !(input.resourceIds ?? []).some((id) => reach.includes(id))) {
    throw new AppError(403, 'forbidden', 'Staff book on their own calendar: include your resource in resourceIds.')
  }
  const service = await getService(pool(c), tenantOf(c).schemaName, input.serviceId)
  if (!service) throw new AppError(404, 'unknown_service', 'This business offers no such service.')
  const actor = auditActor(c)
  await c.get('releaseDatabase')() // do not hold a connection while queued behind other bookings
  const response = await hub(c).book(input, {
    lockIds: candidateResources(service, input.resourceIds),
    idempotency: idempotencyOf(c, `user:${actor.effectiveUserId}`),
    actorUserId: actor.effectiveUserId,
    customerUserId: null,
  })
  if (response.status === 201) {
    const body = response.body as { event: { id: string } }
    await audit(pool(c), { action: 'event.created', ...actor, tenantId: tenantOf(c).id, targetType: 'event', targetId: body.event.id })
  }
  return stored(c, response)
})

schedulingRoutes.patch('/events/:id', can('tenant.calendar.manage_own'), doc({ summary: 'Move an event to another start' }), async (c) => {
  const id = readParam(c, 'id')
  const { start } = await readJson(c, z.object({ start: isoInstant }))
  const event = await assertMayManageEvent(c, id)
  await c.get('releaseDatabase')()
  const moved = await hub(c).reschedule({ eventId: id, start: new Date(start).getTime(), lockIds: event.resourceIds, actorUserId: auditActor(c).effectiveUserId, enforceNotice: false })
  await audit(pool(c), { action: 'event.moved', ...auditActor(c), tenantId: tenantOf(c).id, targetType: 'event', targetId: id, detail: { from: event.start, to: moved.start } })
  return c.json({ event: moved })
})

schedulingRoutes.post('/events/:id/cancel', can('tenant.calendar.manage_own'), doc({ summary: 'Cancel an event', status: 200 }), async (c) => {
  const id = readParam(c, 'id')
  const { reason } = await readJson(c, z.object({ reason: z.string().trim().max(300).default('') }))
  await assertMayManageEvent(c, id)
  const event = await cancelEvent(pool(c), tenantOf(c).schemaName, id, { userId: auditActor(c).effectiveUserId, reason })
  await audit(pool(c), { action: 'event.cancelled', ...auditActor(c), tenantId: tenantOf(c).id, targetType: 'event', targetId: id })
  await hub(c).announce({ kind: 'event', type: 'event.cancelled', event })
  return c.json({ event })
})

schedulingRoutes.post('/events/:id/confirm', can('tenant.calendar.manage_own'), doc({ summary: 'Confirm a pending event', status: 200 }), async (c) => {
  const id = readParam(c, 'id')
  await assertMayManageEvent(c, id)
  const event = await confirmEvent(pool(c), tenantOf(c).schemaName, id, auditActor(c).effectiveUserId)
  await audit(pool(c), { action: 'event.confirmed', ...auditActor(c), tenantId: tenantOf(c).id, targetType: 'event', targetId: id })
  await hub(c).announce({ kind: 'event', type: 'event.confirmed', event })
  return c.json({ event })
})

/** A signed-in CUSTOMER sees their own bookings only. */
schedulingRoutes.get('/my-bookings', can('tenant.bookings.read_own'), doc({ summary: "The signed-in customer's own bookings" }), async (c) => {
  const principal = principalOf(c)!
  const t = tenantSql(tenantOf(c).schemaName)
  const { rows } = await pool(c).query(
    `SELECT b.id, b.status, e.id AS event_id, e.starts_at, e.ends_at, e.status AS event_status, s.name AS service
       FROM ${t('bookings')} b JOIN ${t('customers')} cu ON cu.id = b.customer_id JOIN ${t('events')} e ON e.id = b.event_id
       JOIN ${t('services')} s ON s.id = e.service_id
      WHERE cu.user_id = $1 ORDER BY e.starts_at DESC LIMIT 200`,
    [principal.userId],
  )
  return c.json({
    bookings: rows.map((r) => ({ id: r.id, status: r.status, eventId: r.event_id, start: new Date(r.starts_at).toISOString(), end: new Date(r.ends_at).toISOString(), eventStatus: r.event_status, service: r.service })),
  })
})

function idempotencyOf(c: Context<AppEnv>, scope: string) {
  const key = c.req.header('idempotency-key')
  if (key === undefined) return null
  if (!/^[A-Za-z0-9_.:-]{8,100}$/.test(key)) throw new AppError(400, 'invalid_idempotency_key', 'Idempotency-Key must be 8–100 characters of A-Z, a-z, 0-9, _ . : -')
  return { scope, key }
}

// ---- public booking ----
export const publicRoutes = new Hono<AppEnv>()

publicRoutes.get('/services', isPublic, doc({ summary: 'Services open for online booking' }), async (c) => {
  const services = await listServices(pool(c), tenantOf(c).schemaName, { activeOnly: true })
  const resources = await listResources(pool(c), tenantOf(c).schemaName, { activeOnly: true })
  return c.json({
    services: services.map(({ resourceGroups, ...s }) => ({
      ...s,
      resources: resourceGroups.flat().map((id) => resources.find((r) => r.id === id)).filter(Boolean).map((r) => ({ id: r!.id, name: r!.name, kind: r!.kind })),
    })),
  })
})

const slotQuery = z
  .object({
    from: isoInstant,
    to: isoInstant,
    tz: z.string().default('UTC').refine(isValidTimeZone, 'tz must be an IANA time zone such as America/New_York'),
    resourceId: z.uuid().optional(),
  })
  .refine((q) => new Date(q.to) > new Date(q.from), { path: ['to'], message: 'must be after from' })
  .refine((q) => new Date(q.to).getTime() - new Date(q.from).getTime() <= 62 * DAY, { path: ['to'], message: 'at most 62 days at a time' })

publicRoutes.get('/services/:id/slots', isPublic, doc({ summary: 'Free slots of a service, labelled in the viewer time zone', query: slotQuery }), async (c) => {
  const id = readParam(c, 'id')
  const q = readQuery(c, slotQuery)
  const service = await getService(pool(c), tenantOf(c).schemaName, id)
  if (!service || !service.isActive) throw new AppError(404, 'unknown_service', 'This business offers no such service.')
  if (q.resourceId && !candidateResources(service).includes(q.resourceId)) throw new AppError(404, 'unknown_resource', 'That resource does not deliver this service.')
  const holds = await hub(c).listHolds()
  try {
    const slots = await slotsFor(pool(c), tenantOf(c).schemaName, service, { from: new Date(q.from).getTime(), to: new Date(q.to).getTime(), now: Date.now(), viewerTimeZone: q.tz, onlyResourceId: q.resourceId }, holds)
    return c.json({
      serviceId: service.id,
      timeZone: q.tz,
      slots: slots.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString(), resourceIds: s.resourceIds, seatsLeft: s.seatsLeft, local: s.local })),
    })
  } catch (error) {
    if (error instanceof AvailabilityInputError) throw new AppError(400, 'invalid_query', error.message)
    throw error
  }
})

publicRoutes.post('/holds', isPublic, doc({ summary: 'Hold a slot for a few minutes while the customer types' }), async (c) => {
  const input = await readJson(c, z.object({ serviceId: z.uuid(), start: isoInstant, resourceIds: z.array(z.uuid()).min(1).max(5) }))
  await c.get('releaseDatabase')()
  const hold = await hub(c).placeHold({ serviceId: input.serviceId, start: new Date(input.start).getTime(), resourceIds: input.resourceIds })
  return c.json({ hold: { id: hold.id, expiresAt: new Date(hold.expiresAt).toISOString() } }, 201)
})

publicRoutes.delete('/holds/:id', isPublic, doc({ summary: 'Release a hold' }), async (c) => {
  const id = readParam(c, 'id')
  return c.json({ released: await hub(c).releaseHold(id) })
})

publicRoutes.post('/bookings', isPublic, doc({ summary: 'Book a slot (Idempotency-Key header supported); 409 with the next free slots if taken', body: bookingInput }), async (c) => {
  const input = await readJson(c, bookingInput)
  // No query here: the hub reads the service itself, so a burst of customers waiting for one
  // slot holds no database connections in the Worker.
  const auth = c.get('auth')
  const customerUserId = auth?.kind === 'user' && auth.user.role === 'CUSTOMER' ? auth.user.id : null
  await c.get('releaseDatabase')() // do not hold a connection while queued behind other bookings
  const response = await hub(c).book(input, {
    idempotency: idempotencyOf(c, 'public'),
    actorUserId: auth?.kind === 'user' ? auth.user.id : null,
    customerUserId,
  })
  return stored(c, response)
})

async function bookingByToken(c: Context<AppEnv>) {
  const token = readParam(c, 'token', z.string().regex(/^[A-Za-z0-9_-]{20,64}$/))
  const found = await findBookingByToken(pool(c), tenantOf(c).schemaName, token)
  if (!found) throw new AppError(404, 'unknown_booking', 'This manage link is not valid.')
  return found
}

publicRoutes.get('/bookings/:token', isPublic, doc({ summary: 'A booking, by the secret in its manage link' }), async (c) => {
  const found = await bookingByToken(c)
  const service = await getService(pool(c), tenantOf(c).schemaName, found.event.serviceId)
  return c.json({ booking: { id: found.bookingId, status: found.status, customer: found.customer }, event: { ...found.event, customers: undefined }, service: service && { id: service.id, name: service.name, cancellationCutoffMinutes: service.cancellationCutoffMinutes } })
})

/** The business may take cancellations or changes by phone only (tenant settings, booking page). */
async function assertAllowedOnline(c: Context<AppEnv>, what: 'cancel' | 'reschedule') {
  const { bookingPage } = await getTenantSettings(pool(c), tenantOf(c))
  if (what === 'cancel' ? !bookingPage.allowCancel : !bookingPage.allowReschedule) {
    throw new AppError(409, what === 'cancel' ? 'online_cancellation_off' : 'online_reschedule_off', `${tenantOf(c).name} does not take ${what === 'cancel' ? 'cancellations' : 'changes'} online; please contact them.`)
  }
}

async function assertBeforeCutoff(c: Context<AppEnv>, eventStart: string, serviceId: string) {
  const service = await getService(pool(c), tenantOf(c).schemaName, serviceId)
  const cutoff = (service?.cancellationCutoffMinutes ?? 0) * 60_000
  if (new Date(eventStart).getTime() - Date.now() < cutoff) {
    throw new AppError(409, 'too_late_to_change', `Changes online close ${Math.round(cutoff / 3600_000)} hour(s) before the appointment; please call the business.`)
  }
}

publicRoutes.post('/bookings/:token/cancel', isPublic, doc({ summary: 'Cancel from the manage link (before the cut-off)', status: 200 }), async (c) => {
  const found = await bookingByToken(c)
  if (found.status === 'cancelled' || found.event.status === 'cancelled') throw new AppError(409, 'already_cancelled', 'This booking is already cancelled.')
  await assertAllowedOnline(c, 'cancel')
  await assertBeforeCutoff(c, found.event.start, found.event.serviceId)
  const event = await cancelBooking(pool(c), tenantOf(c).schemaName, found.bookingId, found.event.id, found.event.seats)
  await audit(pool(c), { action: 'booking.cancelled_by_customer', tenantId: tenantOf(c).id, targetType: 'booking', targetId: found.bookingId, ip: auditActor(c).ip })
  await hub(c).announce(bookingCancelled(event))
  return c.json({ booking: { id: found.bookingId, status: 'cancelled' }, event: { ...event, customers: undefined } })
})

publicRoutes.post('/bookings/:token/reschedule', isPublic, doc({ summary: 'Move from the manage link (before the cut-off)', status: 200 }), async (c) => {
  const found = await bookingByToken(c)
  const { start } = await readJson(c, z.object({ start: isoInstant }))
  if (found.status === 'cancelled') throw new AppError(409, 'already_cancelled', 'This booking is cancelled.')
  await assertAllowedOnline(c, 'reschedule')
  await assertBeforeCutoff(c, found.event.start, found.event.serviceId)
  await c.get('releaseDatabase')()
  const moved = await hub(c).reschedule({ eventId: found.event.id, start: new Date(start).getTime(), lockIds: found.event.resourceIds, actorUserId: null, enforceNotice: true })
  await audit(pool(c), { action: 'booking.rescheduled_by_customer', tenantId: tenantOf(c).id, targetType: 'booking', targetId: found.bookingId, detail: { from: found.event.start, to: moved.start } })
  return c.json({ booking: { id: found.bookingId, status: found.status }, event: { ...moved, customers: undefined } })
})
