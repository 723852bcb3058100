// Events on the calendar: listing by range, cancelling, confirming, moving; and a customer's own
// booking found through the secret in their manage link.
import type { Pool } from '@neondatabase/serverless'
import { AppError, pgErrorCode } from '../errors'
import { sha256Hex } from '../identity/passwords'
import { isSlotAvailable, occupiedRange } from './availability'
import { serviceSpec, type Hold } from './booking'
import { loadCalendars } from './calendars'
import { getService } from './catalog'
import { tenantSql } from './sql'
import { withTransaction } from '../../db/client'
import { recordBookingChange } from '../communication/booking-effects'

type Queryable = Pick<Pool, 'query'>
const DAY = 24 * 3600_000

export interface CalendarEvent {
  id: string
  serviceId: string
  serviceName: string
  start: string
  end: string
  status: string
  seats: number
  notes: string
  resourceIds: string[]
  customers: { bookingId: string; customerId: string; name: string; email: string }[]
}

const EVENT_SELECT = (t: ReturnType<typeof tenantSql>) => `
  SELECT e.id, e.service_id, s.name AS service_name, e.starts_at, e.ends_at, e.status, e.seats, e.notes,
         COALESCE((SELECT array_agg(er.resource_id ORDER BY er.resource_id) FROM ${t('event_resources')} er WHERE er.event_id = e.id), '{}') AS resource_ids,
         COALESCE((SELECT json_agg(json_build_object('bookingId', b.id, 'customerId', c.id, 'name', c.name, 'email', c.email) ORDER BY b.created_at)
                     FROM ${t('bookings')} b JOIN ${t('customers')} c ON c.id = b.customer_id WHERE b.event_id = e.id AND b.status = 'booked'), '[]') AS customers
    FROM ${t('events')} e JOIN ${t('services')} s ON s.id = e.service_id`

function toEvent(r: Record<string, unknown>): CalendarEvent {
  return {
    id: r.id as string,
    serviceId: r.service_id as string,
    serviceName: r.service_name as string,
    start: new Date(r.starts_at as string).toISOString(),
    end: new Date(r.ends_at as string).toISOString(),
    status: r.status as string,
    seats: r.seats as number,
    notes: r.notes as string,
    resourceIds: r.resource_ids as string[],
    customers: r.customers as CalendarEvent['customers'],
  }
}

export async function listEvents(db: Queryable, schema: string, range: { from: string; to: string; resourceIds?: string[]; includeCancelled?: boolean }) {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `${EVENT_SELECT(t)}
      WHERE e.starts_at < $2 AND e.ends_at > $1 AND ($4 OR e.status <> 'cancelled')
        AND ($3::uuid[] IS NULL OR EXISTS (SELECT 1 FROM ${t('event_resources')} er WHERE er.event_id = e.id AND er.resource_id = ANY($3)))
      ORDER BY e.starts_at LIMIT 2000`,
    [range.from, range.to, range.resourceIds ?? null, range.includeCancelled ?? false],
  )
  return rows.map(toEvent)
}

export async function getEvent(db: Queryable, schema: string, id: string): Promise<CalendarEvent | null> {
  const t = tenantSql(schema)
  const { rows } = await db.query(`${EVENT_SELECT(t)} WHERE e.id = $1`, [id])
  return rows[0] ? toEvent(rows[0]) : null
}

export async function cancelEvent(pool: Pool, schema: string, id: string, actor: { userId: string | null; reason: string }) {
  const t = tenantSql(schema)
  await withTransaction(pool, async (client) => {
    const { rows } = await client.query(`SELECT status FROM ${t('events')} WHERE id = $1 FOR UPDATE`, [id])
    if (!rows[0]) throw new AppError(404, 'unknown_event', 'No event has that id.')
    if (rows[0].status === 'cancelled') throw new AppError(409, 'already_cancelled', 'This event is already cancelled.')
    await client.query(
      `UPDATE ${t('events')} SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, updated_by = $3, updated_at = now() WHERE id = $1`,
      [id, actor.reason, actor.userId],
    )
    await client.query(`UPDATE ${t('event_resources')} SET live = false WHERE event_id = $1`, [id])
    const cancelled = await client.query<{ id: string }>(
      `UPDATE ${t('bookings')} SET status = 'cancelled', cancelled_at = now() WHERE event_id = $1 AND status = 'booked' RETURNING id`,
      [id],
    )
    await recordBookingChange(client, schema, { type: 'cancelled', eventId: id, bookingIds: cancelled.rows.map((r) => r.id) })
  })
  return (await getEvent(pool, schema, id))!
}

/** Pending events already hold their slot, so confirming one can never create an overlap. */
export async function confirmEvent(pool: Pool, schema: string, id: string, actorUserId: string | null) {
  const t = tenantSql(schema)
  const db: Queryable = pool
  const rowCount = await withTransaction(pool, async (client) => {
    const updated = await client.query(
      `UPDATE ${t('events')} SET status = 'confirmed', updated_by = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`,
      [id, actorUserId],
    )
    if (updated.rowCount) await recordBookingChange(client, schema, { type: 'confirmed', eventId: id })
    return updated.rowCount
  })
  if (!rowCount) {
    const event = await getEvent(db, schema, id)
    if (!event) throw new AppError(404, 'unknown_event', 'No event has that id.')
    throw new AppError(409, 'not_pending', `This event is ${event.status}, not pending.`)
  }
  return (await getEvent(db, schema, id))!
}

/** Moves a private appointment to a new start on the same resources. Serialised by the caller per resource. */
export async function rescheduleEvent(
  pool: Pool,
  schema: string,
  id: string,
  newStart: number,
  context: { now: number; holds: Hold[]; actorUserId: string | null; enforceNotice: boolean },
) {
  const t = tenantSql(schema)
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query(`SELECT service_id, status, seats, starts_at FROM ${t('events')} WHERE id = $1 FOR UPDATE`, [id])
    const row = rows[0]
    if (!row) throw new AppError(404, 'unknown_event', 'No event has that id.')
    if (row.status === 'cancelled' || row.status === 'completed' || row.status === 'no_show') {
      throw new AppError(409, 'not_movable', `A ${row.status} event cannot be moved.`)
    }
    if (row.seats > 1) throw new AppError(409, 'group_session', 'Group sessions are moved by cancelling and rebooking places.')
    const service = await getService(client, schema, row.service_id)
    if (!service) throw new AppError(404, 'unknown_service', 'The service of this event no longer exists.')
    const { rows: res } = await client.query<{ resource_id: string }>(`SELECT resource_id FROM ${t('event_resources')} WHERE event_id = $1`, [id])
    // The engine expects one resource per group, in the service's group order.
    const held = new Set(res.map((r) => r.resource_id))
    const resourceIds = service.resourceGroups.map((group) => group.find((r) => held.has(r))).filter((r): r is string => !!r)
    if (resourceIds.length !== held.size) throw new AppError(409, 'not_movable', 'The resources of this event no longer match its service; rebook it.')
    const spec = { ...serviceSpec(service), ...(context.enforceNotice ? {} : { minNoticeMinutes: 0, horizonDays: 3650 }) }
    const { calendars, closures } = await loadCalendars(client, schema, resourceIds, newStart - DAY, newStart + 2 * DAY, { excludeEventId: id })
    const holds = context.holds.map((h) => ({ start: h.start, end: h.end, resourceIds: h.resourceIds }))
    if (!isSlotAvailable({ service: spec, resources: calendars, closures, holds, seated: [], start: newStart, resourceIds, now: context.now })) {
      throw new AppError(409, 'slot_unavailable', 'The new time is not available.')
    }
    const end = newStart + service.durationMinutes * 60_000
    const occupied = occupiedRange(newStart, spec)
    await client.query(`UPDATE ${t('events')} SET starts_at = $2, ends_at = $3, updated_by = $4, updated_at = now() WHERE id = $1`, [
      id,
      new Date(newStart).toISOString(),
      new Date(end).toISOString(),
      context.actorUserId,
    ])
    await client.query(`UPDATE ${t('event_resources')} SET occupied_start = $2, occupied_end = $3 WHERE event_id = $1`, [
      id,
      new Date(occupied.start).toISOString(),
      new Date(occupied.end).toISOString(),
    ])
    // the customers hear of the move; old reminders are cancelled and new ones set
    await recordBookingChange(client, schema, { type: 'rescheduled', eventId: id, previousStart: new Date(row.starts_at).toISOString() }, context.now)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    if (pgErrorCode(error) === '23P01') throw new AppError(409, 'slot_unavailable', 'The new time is not available.')
    throw error
  } finally {
    client.release()
  }
  return (await getEvent(pool, schema, id))!
}

export async function findBookingByToken(db: Queryable, schema: string, token: string) {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `SELECT b.id, b.event_id, b.status, b.customer_id, c.name, c.email FROM ${t('bookings')} b JOIN ${t('customers')} c ON c.id = b.customer_id
      WHERE b.manage_token_hash = $1`,
    [await sha256Hex(token)],
  )
  const row = rows[0]
  if (!row) return null
  const event = (await getEvent(db, schema, row.event_id))!
  return { bookingId: row.id as string, status: row.status as string, customer: { id: row.customer_id as string, name: row.name as string, email: row.email as string }, event }
}

/** A customer cancels their place; a private appointment is cancelled with it. */
export async function cancelBooking(pool: Pool, schema: string, bookingId: string, eventId: string, seats: number) {
  if (seats === 1) return cancelEvent(pool, schema, eventId, { userId: null, reason: 'cancelled by the customer' })
  const t = tenantSql(schema)
  await withTransaction(pool, async (client) => {
    const { rowCount } = await client.query(`UPDATE ${t('bookings')} SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND status = 'booked'`, [bookingId])
    if (rowCount) await recordBookingChange(client, schema, { type: 'cancelled', eventId, bookingIds: [bookingId] })
  })
  return (await getEvent(pool, schema, eventId))!
}
