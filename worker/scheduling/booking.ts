// The booking commit: re-check the slot against fresh data and insert the event, its resource
// occupations and the customer's booking in one transaction. The exclusion constraint on
// event_resources is the last word; its violation becomes a clean 409 with the next free slots.
// Callers serialise commits per resource through TenantHub (durable-objects/tenant-hub.ts).
import type { Pool, PoolClient } from '@neondatabase/serverless'
import { z } from 'zod'
import { AppError, pgErrorCode } from '../errors'
import { randomToken, sha256Hex } from '../identity/passwords'
import { availableSlots, isSlotAvailable, occupiedRange, type Slot } from './availability'
import { loadCalendars, loadSeatedEvents } from './calendars'
import { customerInput, getService, upsertCustomer, type Service } from './catalog'
import { tenantSql } from './sql'
import { instant } from '../instants'
import { seal } from '../identity/sealed'
import { recordBookingChange } from '../communication/booking-effects'

const DAY = 24 * 3600_000

export const bookingInput = z.object({
  serviceId: z.uuid(),
  start: instant,
  resourceIds: z.array(z.uuid()).min(1).max(5).optional(),
  customer: customerInput,
  notes: z.string().trim().max(2000).default(''),
  holdId: z.string().max(100).optional(),
})
export type BookingInput = z.infer<typeof bookingInput>

export interface Hold {
  id: string
  serviceId: string
  resourceIds: string[]
  start: number
  end: number
  expiresAt: number
}

export interface BookingResult {
  event: { id: string; serviceId: string; start: string; end: string; status: string; resourceIds: string[] }
  booking: { id: string; customerId: string }
  manageToken: string
}

export function serviceSpec(service: Service) {
  return {
    durationMinutes: service.durationMinutes,
    bufferBeforeMinutes: service.bufferBeforeMinutes,
    bufferAfterMinutes: service.bufferAfterMinutes,
    minNoticeMinutes: service.minNoticeMinutes,
    horizonDays: service.horizonDays,
    slotIntervalMinutes: service.slotIntervalMinutes,
    seats: service.seats,
    resourceGroups: service.resourceGroups,
  }
}

/** Every resource that could take part in a booking of the service (the set to lock). */
export function candidateResources(service: Service, chosen?: string[]): string[] {
  return [...new Set(chosen ?? service.resourceGroups.flat())].sort()
}

/** Slots of a service between `from` and `to`, as a viewer in `viewerTimeZone` sees them. */
export async function slotsFor(
  db: Pick<Pool, 'query'>,
  schema: string,
  service: Service,
  query: { from: number; to: number; now: number; viewerTimeZone: string; onlyResourceId?: string },
  holds: Hold[],
  options: { excludeEventId?: string } = {},
): Promise<Slot[]> {
  const ids = candidateResources(service)
  // excludeEventId: when moving an appointment, its own time does not count as busy.
  const { calendars, closures } = await loadCalendars(db, schema, ids, query.from, query.to + service.durationMinutes * 60_000, options)
  const seated = service.seats > 1 ? await loadSeatedEvents(db, schema, service.id, query.from - DAY, query.to + DAY) : []
  return availableSlots({
    service: serviceSpec(service),
    resources: calendars,
    closures,
    holds: holds.map((h) => ({ start: h.start, end: h.end, resourceIds: h.resourceIds })),
    seated,
    query,
  })
}

/** The next free starts after `after`, from calendars already loaded for the re-check (no extra queries). */
function nextSlotsFrom(
  input: Omit<Parameters<typeof availableSlots>[0], 'query'>,
  after: number,
  now: number,
): { start: string; resourceIds: string[] }[] {
  return availableSlots({ ...input, query: { from: after, to: after + 2 * DAY, now, viewerTimeZone: 'UTC' } })
    .slice(0, 5)
    .map((s) => ({ start: new Date(s.start).toISOString(), resourceIds: s.resourceIds }))
}

function slotTaken(details: unknown): AppError {
  return new AppError(409, 'slot_unavailable', 'That time is no longer available. Here are the next free times.', details)
}

/**
 * Books `input` for the customer. `holds` are other customers' live holds (the caller's own hold,
 * if any, already removed). Runs inside the caller's per-resource serialisation.
 */
export async function commitBooking(
  pool: Pool,
  schema: string,
  input: BookingInput,
  context: { now: number; holds: Hold[]; actorUserId: string | null; customerUserId?: string | null; dataKey: string },
): Promise<BookingResult> {
  const t = tenantSql(schema)
  const start = new Date(input.start).getTime()
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const service = await getService(client, schema, input.serviceId)
    if (!service || !service.isActive) throw new AppError(404, 'unknown_service', 'This business offers no such service.')
    const spec = serviceSpec(service)
    const end = start + service.durationMinutes * 60_000
    const ids = candidateResources(service)
    if (input.resourceIds?.some((id) => !ids.includes(id))) {
      throw new AppError(400, 'invalid_resource', 'A chosen resource does not deliver this service.')
    }
    const holds = context.holds.map((h) => ({ start: h.start, end: h.end, resourceIds: h.resourceIds }))

    // Join an open group session at this start, if the service has seats and one has room.
    let eventId: string | null = null
    let resourceIds: string[] = []
    let status = service.requiresConfirmation ? 'pending' : 'confirmed'
    if (service.seats > 1) {
      const sessions = await loadSeatedEvents(client, schema, service.id, start, start + 1)
      const session = sessions.find((s) => !input.resourceIds || input.resourceIds.every((id) => s.resourceIds.includes(id)))
      if (session) {
        const locked = await client.query(`SELECT status, seats FROM ${t('events')} WHERE id = $1 FOR UPDATE`, [session.eventId])
        const taken = await client.query(`SELECT count(*)::int AS n FROM ${t('bookings')} WHERE event_id = $1 AND status = 'booked'`, [session.eventId])
        if (taken.rows[0]!.n >= locked.rows[0]!.seats) throw slotTaken({ nextSlots: [] })
        if (start < context.now + service.minNoticeMinutes * 60_000) throw new AppError(422, 'too_late', 'This session starts too soon to book online.')
        eventId = session.eventId
        resourceIds = session.resourceIds
        status = locked.rows[0]!.status
      }
    }

    if (!eventId) {
      // One load serves the re-check and, if the slot is gone, the next free starts.
      const { calendars, closures, inactive } = await loadCalendars(client, schema, ids, start - DAY, end + 3 * DAY)
      const known = { service: spec, resources: calendars, closures, holds, seated: [] }
      if (input.resourceIds?.some((id) => inactive.includes(id))) throw new AppError(409, 'resource_inactive', 'That resource is not taking bookings.')
      if (input.resourceIds) {
        const ok = isSlotAvailable({ service: spec, resources: calendars, closures, holds, seated: [], start, resourceIds: input.resourceIds, now: context.now })
        if (!ok) throw slotTaken({ nextSlots: nextSlotsFrom(known, start, context.now) })
        resourceIds = input.resourceIds
      } else {
        const [slot] = availableSlots({
          service: spec,
          resources: calendars,
          closures,
          holds,
          seated: [],
          query: { from: start, to: start + 1, now: context.now, viewerTimeZone: 'UTC' },
        })
        if (!slot || slot.start !== start) throw slotTaken({ nextSlots: nextSlotsFrom(known, start, context.now) })
        resourceIds = slot.resourceIds
      }
      const occupied = occupiedRange(start, spec)
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO ${t('events')} (service_id, starts_at, ends_at, status, seats, notes, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
        [service.id, new Date(start).toISOString(), new Date(end).toISOString(), status, service.seats, input.notes, context.actorUserId],
      )
      eventId = inserted.rows[0]!.id
      for (const resourceId of resourceIds) {
        await client.query(
          `INSERT INTO ${t('event_resources')} (event_id, resource_id, occupied_start, occupied_end) VALUES ($1, $2, $3, $4)`,
          [eventId, resourceId, new Date(occupied.start).toISOString(), new Date(occupied.end).toISOString()],
        )
      }
    }

    const customer = await upsertCustomer(client, schema, input.customer, context.customerUserId ?? null)
    const manageToken = randomToken(24)
    const booking = await client.query<{ id: string }>(
      `INSERT INTO ${t('bookings')} (event_id, customer_id, status, manage_token_hash, manage_token_sealed) VALUES ($1, $2, 'booked', $3, $4) RETURNING id`,
      [eventId, customer.id, await sha256Hex(manageToken), await seal(context.dataKey, manageToken)],
    )
    // confirmation (or pending-approval notice), reminders and webhooks commit with the booking
    await recordBookingChange(client, schema, { type: 'created', eventId, bookingIds: [booking.rows[0]!.id] }, context.now)
    await client.query('COMMIT')
    return {
      event: { id: eventId, serviceId: service.id, start: new Date(start).toISOString(), end: new Date(end).toISOString(), status, resourceIds },
      booking: { id: booking.rows[0]!.id, customerId: customer.id },
      manageToken,
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    if (pgErrorCode(error) === '23P01') {
      // Someone got there first (another path that bypassed serialisation, or a hold race): the constraint decided.
      throw slotTaken({ reason: 'overlap' })
    }
    throw error
  } finally {
    client.release()
  }
}

/** Stable hash of a request body for idempotency (key order does not matter). */
export async function requestHash(body: unknown): Promise<string> {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)]))
        : value
  return sha256Hex(JSON.stringify(canonical(body)))
}

export type StoredResponse = { status: number; body: unknown }

/** The stored answer for (scope, key): the same body replays it; another body is a 422. */
export async function replayIdempotent(db: Pick<Pool, 'query'>, schema: string, scope: string, key: string, hash: string): Promise<StoredResponse | null> {
  const t = tenantSql(schema)
  const { rows } = await db.query(`SELECT request_hash, status, response FROM ${t('idempotency_keys')} WHERE scope = $1 AND key = $2`, [scope, key])
  const row = rows[0]
  if (!row) return null
  if (row.request_hash !== hash) {
    throw new AppError(422, 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.')
  }
  return { status: row.status, body: row.response }
}

export async function rememberIdempotent(db: Pick<Pool, 'query'>, schema: string, scope: string, key: string, hash: string, response: StoredResponse) {
  const t = tenantSql(schema)
  await db.query(
    `INSERT INTO ${t('idempotency_keys')} (scope, key, request_hash, status, response) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [scope, key, hash, response.status, JSON.stringify(response.body)],
  )
}
