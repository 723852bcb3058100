// Customer notifications: the `notification.send` job renders the business's template for one
// booking in the customer's time zone and language, attaches the event as ICS, and hands each
// channel to its provider. Each (job, channel, recipient) is one notification_outbox row written
// before the provider is called, so a redelivered or retried job never sends a channel twice.
import type { Pool } from '@neondatabase/serverless'
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator'
import { z } from 'zod'
import { unseal } from '../identity/sealed'
import { PermanentJobError } from '../jobs/consumer'
import type { JobOf } from '../jobs/messages'
import { getTenantSettings } from '../platform/tenant-settings'
import { tenantSql } from '../scheduling/sql'
import type { TenantSummary } from '../identity/tenancy'
import type { Providers } from './providers'
import { leadWords, renderTemplate, templateFor, timeWords, type Channel, type TemplateValues } from './templates'

type Queryable = Pick<Pool, 'query'>

export interface NotificationDeps {
  pool: Pool
  providers: Providers
  dataKey: string
  /** scheme://host[:port] of the business's primary host */
  originOf: (host: string) => string
}

interface TenantRow extends TenantSummary {
  primaryHost: string | null
}

export async function tenantForJob(db: Queryable, tenantId: string): Promise<TenantRow> {
  const { rows } = await db.query(
    `SELECT t.id, t.slug, t.name, t.schema_name, t.status, t.time_zone, t.plan, t.shard, t.is_demo,
            (SELECT d.host FROM public.domains d WHERE d.tenant_id = t.id AND d.is_primary AND d.verified_at IS NOT NULL) AS primary_host
       FROM public.tenants t WHERE t.id = $1`,
    [tenantId],
  )
  const r = rows[0]
  if (!r) throw new PermanentJobError(`tenant ${tenantId} no longer exists`)
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    schemaName: r.schema_name,
    status: r.status,
    timeZone: r.time_zone,
    plan: r.plan,
    shard: r.shard,
    isDemo: r.is_demo,
    primaryHost: r.primary_host,
  }
}

/** Sequence number for the ICS: grows with every change of the event, so calendars take the newest. */
function icsSequence(updatedAt: Date): number {
  return Math.max(0, Math.floor((updatedAt.getTime() - Date.UTC(2024, 0, 1)) / 1000))
}

export function eventIcs(input: {
  eventId: string
  start: Date
  end: Date
  updatedAt: Date
  summary: string
  description: string
  businessName: string
  url: string | null
  cancelled: boolean
}): string {
  const calendar = ical({
    name: input.businessName,
    prodId: { company: 'SmoothSchedule', product: 'Edge', language: 'EN' },
    method: input.cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.PUBLISH,
  })
  calendar.createEvent({
    id: `${input.eventId}@smoothschedule`,
    sequence: icsSequence(input.updatedAt),
    start: input.start,
    end: input.end,
    summary: input.summary,
    description: input.description,
    url: input.url ?? undefined,
    status: input.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  })
  return calendar.toString()
}

export type NotificationOutcome = { sent: string[]; skipped?: string }

export async function sendNotification(job: JobOf<'notification.send'>, deps: NotificationDeps): Promise<NotificationOutcome> {
  const { pool } = deps
  const payload = job.payload
  const tenant = await tenantForJob(pool, job.tenantId)
  if ((tenant.status as string) === 'deleting') return { sent: [], skipped: 'the business is being deleted' }
  const t = tenantSql(tenant.schemaName)
  const { rows } = await pool.query(
    `SELECT b.status AS booking_status, b.manage_token_sealed, c.name AS customer_name, c.email, c.phone, c.time_zone AS customer_zone, c.locale AS customer_locale,
            e.starts_at, e.ends_at, e.status AS event_status, e.updated_at, s.name AS service_name, s.duration_minutes,
            (SELECT string_agg(r.name, ', ' ORDER BY r.name) FROM ${t('event_resources')} er JOIN ${t('resources')} r ON r.id = er.resource_id
              WHERE er.event_id = e.id AND r.kind = 'staff') AS staff_names,
            (SELECT string_agg(r.name, ', ' ORDER BY r.name) FROM ${t('event_resources')} er JOIN ${t('resources')} r ON r.id = er.resource_id
              WHERE er.event_id = e.id) AS resource_names
       FROM ${t('bookings')} b JOIN ${t('customers')} c ON c.id = b.customer_id JOIN ${t('events')} e ON e.id = b.event_id
       JOIN ${t('services')} s ON s.id = e.service_id
      WHERE b.id = $1 AND b.event_id = $2`,
    [payload.bookingId, payload.eventId],
  )
  const row = rows[0]
  if (!row) throw new PermanentJobError(`booking ${payload.bookingId} of event ${payload.eventId} no longer exists`)
  const start = new Date(row.starts_at)
  const end = new Date(row.ends_at)

  const live = row.booking_status === 'booked' && row.event_status !== 'cancelled'
  if (payload.kind === 'reminder') {
    if (!live) return { sent: [], skipped: 'the booking was cancelled' }
    if (payload.expectedStart && new Date(payload.expectedStart).getTime() !== start.getTime()) return { sent: [], skipped: 'the appointment moved' }
    if (start.getTime() <= Date.now()) return { sent: [], skipped: 'the appointment has started' }
  } else if (payload.kind !== 'cancellation' && !live) {
    return { sent: [], skipped: 'the booking was cancelled before this went out' }
  }

  const settings = await getTenantSettings(pool, tenant)
  const timeZone = validZone(row.customer_zone) ?? settings.timeZone
  const locale = validLocale(row.customer_locale) ?? settings.locale
  const words = timeWords(start, end, timeZone, locale)
  let manageUrl = ''
  if (row.manage_token_sealed && tenant.primaryHost && payload.kind !== 'cancellation') {
    const token = await unseal(deps.dataKey, row.manage_token_sealed).catch(() => null)
    if (token) manageUrl = `${deps.originOf(tenant.primaryHost)}/manage/${encodeURIComponent(token)}`
  }
  const values: TemplateValues = {
    customer_name: row.customer_name,
    business_name: tenant.name,
    service_name: row.service_name,
    start: words.start,
    date: words.date,
    time: words.time,
    end_time: words.endTime,
    time_zone: words.timeZone,
    duration_minutes: String(row.duration_minutes),
    with: row.staff_names ?? row.resource_names ?? '',
    manage_url: manageUrl,
    cancellation_policy: settings.cancellationPolicy.text ?? '',
    reminder_lead: payload.offsetMinutes ? leadWords(payload.offsetMinutes, locale) : '',
    previous_start: payload.previousStart ? timeWords(new Date(payload.previousStart), new Date(payload.previousStart), timeZone, locale).start : '',
  }
  const ics = eventIcs({
    eventId: payload.eventId,
    start,
    end,
    updatedAt: new Date(row.updated_at),
    summary: `${row.service_name} — ${tenant.name}`,
    description: manageUrl ? `Reschedule or cancel: ${manageUrl}` : `${row.service_name} with ${tenant.name}`,
    businessName: tenant.name,
    url: manageUrl || null,
    cancelled: payload.kind === 'cancellation',
  })

  const channels: { channel: Channel; to: string }[] = [{ channel: 'email', to: row.email }]
  if (row.phone) channels.push({ channel: 'sms', to: row.phone })
  const sent: string[] = []
  for (const { channel, to } of channels) {
    const message = renderTemplate(await templateFor(pool, tenant.schemaName, payload.kind, channel), values)
    const provider = deps.providers[channel]
    const claimed = await pool.query<{ id: string }>(
      `INSERT INTO ${t('notification_outbox')} (job_id, channel, kind, recipient, subject, body, ics, event_id, booking_id, provider, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'sending')
       ON CONFLICT (job_id, channel, recipient) DO UPDATE
         SET status = 'sending', subject = EXCLUDED.subject, body = EXCLUDED.body, ics = EXCLUDED.ics, provider = EXCLUDED.provider, error = NULL
         WHERE ${t('notification_outbox')}.status <> 'sent'
       RETURNING id`,
      [job.id, channel, payload.kind, to, message.subject, message.body, channel === 'email' ? ics : null, payload.eventId, payload.bookingId, provider.name],
    )
    const id = claimed.rows[0]?.id
    if (!id) continue // this channel went out on an earlier attempt
    try {
      const ref =
        channel === 'email'
          ? await deps.providers.email.send({
              to,
              subject: message.subject,
              text: message.body,
              fromName: tenant.name,
              attachments: [{ filename: 'appointment.ics', contentType: 'text/calendar; charset=utf-8', content: ics }],
              idempotencyKey: `${job.id}:email`,
            })
          : await deps.providers.sms.send({ to, text: message.body, idempotencyKey: `${job.id}:sms` })
      await pool.query(`UPDATE ${t('notification_outbox')} SET status = 'sent', sent_at = now(), provider_ref = $2 WHERE id = $1`, [id, ref])
      sent.push(channel)
    } catch (error) {
      await pool.query(`UPDATE ${t('notification_outbox')} SET status = 'failed', error = $2 WHERE id = $1`, [id, String((error as Error).message).slice(0, 1000)])
      throw error
    }
  }
  return { sent }
}

function validZone(zone: unknown): string | null {
  if (typeof zone !== 'string' || !zone) return null
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return zone
  } catch {
    return null
  }
}

function validLocale(locale: unknown): string | null {
  if (typeof locale !== 'string' || !locale) return null
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? null
  } catch {
    return null
  }
}

export const outboxQuery = z
  .object({
    channel: z.enum(['email', 'sms']).optional(),
    kind: z.enum(['confirmation', 'reschedule', 'cancellation', 'pending_approval', 'reminder']).optional(),
    to: z.string().trim().toLowerCase().max(254).optional(),
    eventId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict()

export interface OutboxMessage {
  id: string
  jobId: string
  channel: Channel
  kind: string
  to: string
  subject: string
  body: string
  hasIcs: boolean
  eventId: string | null
  bookingId: string | null
  provider: string
  providerRef: string | null
  status: 'sending' | 'sent' | 'failed'
  error: string | null
  createdAt: string
  sentAt: string | null
}

export async function listNotifications(db: Queryable, schema: string, filters: z.infer<typeof outboxQuery>): Promise<OutboxMessage[]> {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `SELECT id, job_id, channel, kind, recipient, subject, body, ics IS NOT NULL AS has_ics, event_id, booking_id, provider, provider_ref, status, error, created_at, sent_at
       FROM ${t('notification_outbox')}
      WHERE ($1::text IS NULL OR channel = $1) AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR lower(recipient) = $3)
        AND ($4::uuid IS NULL OR event_id = $4)
      ORDER BY created_at DESC, id LIMIT $5`,
    [filters.channel ?? null, filters.kind ?? null, filters.to ?? null, filters.eventId ?? null, filters.limit],
  )
  return rows.map((r) => ({
    id: r.id,
    jobId: r.job_id,
    channel: r.channel,
    kind: r.kind,
    to: r.recipient,
    subject: r.subject,
    body: r.body,
    hasIcs: r.has_ics,
    eventId: r.event_id,
    bookingId: r.booking_id,
    provider: r.provider,
    providerRef: r.provider_ref,
    status: r.status,
    error: r.error,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
  }))
}

export async function notificationIcs(db: Queryable, schema: string, id: string): Promise<string | null> {
  const { rows } = await db.query(`SELECT ics FROM ${tenantSql(schema)('notification_outbox')} WHERE id = $1`, [id])
  return (rows[0]?.ics as string | undefined) ?? null
}
