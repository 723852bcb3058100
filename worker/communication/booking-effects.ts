// What a booking change sets in motion, written in the change's own transaction as due jobs
// (public.due_jobs, decision 011): the customer's notification, the reminders at the service's
// offsets (moved when the event moves, cancelled when it is cancelled) and the webhook deliveries.
// If the transaction rolls back, none of it happened; if the queue is down, the cron relays it later.
import type { Pool } from '@neondatabase/serverless'
import { cancelDueJobs, scheduleJobs, type DueJob } from '../jobs/due'
import { newJob, type NotificationKind, type WebhookEventType } from '../jobs/messages'
import { tenantSql } from '../scheduling/sql'
import { recordWebhookEvent } from './webhooks'

type Queryable = Pick<Pool, 'query'>

export type BookingChange =
  | { type: 'created'; eventId: string; bookingIds: string[] }
  | { type: 'rescheduled'; eventId: string; previousStart: string }
  | { type: 'cancelled'; eventId: string; bookingIds: string[] }
  | { type: 'confirmed'; eventId: string }

interface TenantOfSchema {
  id: string
  slug: string
  schemaName: string
}

async function tenantOfSchema(db: Queryable, schema: string): Promise<TenantOfSchema> {
  const { rows } = await db.query(`SELECT id, slug FROM public.tenants WHERE schema_name = $1`, [schema])
  if (!rows[0]) throw new Error(`no tenant owns schema ${schema}`)
  return { id: rows[0].id, slug: rows[0].slug, schemaName: schema }
}

const reminderKind = (bookingId: string, offset: number) => `reminder:${bookingId}:${offset}`

function reminders(tenantId: string, eventId: string, bookingId: string, start: Date, offsets: number[], now: number): DueJob[] {
  return [...new Set(offsets)]
    .map((offset) => ({ offset, dueAt: new Date(start.getTime() - offset * 60_000) }))
    .filter(({ dueAt }) => dueAt.getTime() > now) // booked too late for this reminder: skip it
    .map(({ offset, dueAt }) => ({
      tenantId,
      ref: eventId,
      kind: reminderKind(bookingId, offset),
      dueAt,
      message: newJob('notification.send', tenantId, { kind: 'reminder', eventId, bookingId, expectedStart: start.toISOString(), offsetMinutes: offset }),
    }))
}

function notification(tenantId: string, eventId: string, bookingId: string, kind: NotificationKind, extra: { previousStart?: string } = {}): DueJob {
  return { tenantId, ref: eventId, kind: `notify:${kind}`, dueAt: new Date(), message: newJob('notification.send', tenantId, { kind, eventId, bookingId, ...extra }) }
}

interface EventFacts {
  start: Date
  end: Date
  status: string
  serviceId: string
  serviceName: string
  offsets: number[]
  resourceIds: string[]
  bookings: { id: string; status: string; customer: { id: string; name: string; email: string; phone: string | null } }[]
}

async function eventFacts(db: Queryable, schema: string, eventId: string): Promise<EventFacts> {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `SELECT e.starts_at, e.ends_at, e.status, e.service_id, s.name AS service_name, s.reminder_offsets_minutes,
            COALESCE((SELECT array_agg(er.resource_id ORDER BY er.resource_id) FROM ${t('event_resources')} er WHERE er.event_id = e.id), '{}') AS resource_ids
       FROM ${t('events')} e JOIN ${t('services')} s ON s.id = e.service_id WHERE e.id = $1`,
    [eventId],
  )
  const e = rows[0]!
  const { rows: bookings } = await db.query(
    `SELECT b.id, b.status, c.id AS customer_id, c.name, c.email, c.phone FROM ${t('bookings')} b JOIN ${t('customers')} c ON c.id = b.customer_id
      WHERE b.event_id = $1 ORDER BY b.created_at, b.id`,
    [eventId],
  )
  return {
    start: new Date(e.starts_at),
    end: new Date(e.ends_at),
    status: e.status,
    serviceId: e.service_id,
    serviceName: e.service_name,
    offsets: (e.reminder_offsets_minutes as number[]) ?? [],
    resourceIds: e.resource_ids,
    bookings: bookings.map((b) => ({ id: b.id, status: b.status, customer: { id: b.customer_id, name: b.name, email: b.email, phone: b.phone } })),
  }
}

/** The `data` of a booking webhook: the appointment and this customer's place in it. */
function bookingData(eventId: string, facts: EventFacts, booking: EventFacts['bookings'][number], extra: Record<string, unknown> = {}) {
  return {
    booking: { id: booking.id, status: booking.status, customer: booking.customer },
    appointment: {
      id: eventId,
      serviceId: facts.serviceId,
      serviceName: facts.serviceName,
      start: facts.start.toISOString(),
      end: facts.end.toISOString(),
      status: facts.status,
      resourceIds: facts.resourceIds,
    },
    ...extra,
  }
}

/** Writes the jobs of `change` in the caller's transaction; returns how many it wrote. */
export async function recordBookingChange(db: Queryable, schema: string, change: BookingChange, now = Date.now()): Promise<number> {
  const tenant = await tenantOfSchema(db, schema)
  const facts = await eventFacts(db, schema, change.eventId)
  const due: DueJob[] = []
  const hook = async (type: WebhookEventType, booking: EventFacts['bookings'][number], extra?: Record<string, unknown>) =>
    due.push(...(await recordWebhookEvent(db, tenant, type, bookingData(change.eventId, facts, booking, extra))))

  switch (change.type) {
    case 'created':
      for (const booking of facts.bookings.filter((b) => change.bookingIds.includes(b.id))) {
        due.push(notification(tenant.id, change.eventId, booking.id, facts.status === 'pending' ? 'pending_approval' : 'confirmation'))
        due.push(...reminders(tenant.id, change.eventId, booking.id, facts.start, facts.offsets, now))
        await hook('booking.created', booking)
      }
      break
    case 'rescheduled':
      await cancelDueJobs(db, tenant.id, change.eventId, 'reminder:')
      for (const booking of facts.bookings.filter((b) => b.status === 'booked')) {
        due.push(notification(tenant.id, change.eventId, booking.id, 'reschedule', { previousStart: change.previousStart }))
        due.push(...reminders(tenant.id, change.eventId, booking.id, facts.start, facts.offsets, now))
        await hook('booking.rescheduled', booking, { previousStart: change.previousStart })
      }
      break
    case 'cancelled':
      for (const booking of facts.bookings.filter((b) => change.bookingIds.includes(b.id))) {
        await cancelDueJobs(db, tenant.id, change.eventId, `reminder:${booking.id}:`)
        due.push(notification(tenant.id, change.eventId, booking.id, 'cancellation'))
        await hook('booking.cancelled', booking)
      }
      break
    case 'confirmed':
      for (const booking of facts.bookings.filter((b) => b.status === 'booked')) {
        due.push(notification(tenant.id, change.eventId, booking.id, 'confirmation'))
        await hook('booking.confirmed', booking)
      }
      break
  }
  await scheduleJobs(db, due)
  return due.length
}

/** A customer record was created (by a booking or by the business): the `customer.created` webhook. */
export async function recordCustomerCreated(db: Queryable, schema: string, customer: { id: string; name: string; email: string; phone: string | null }): Promise<number> {
  const tenant = await tenantOfSchema(db, schema)
  const due = await recordWebhookEvent(db, tenant, 'customer.created', { customer })
  await scheduleJobs(db, due)
  return due.length
}
