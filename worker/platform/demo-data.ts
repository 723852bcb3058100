// Demo businesses for sales: a tenant that expires (the cron deletes it), filled with realistic
// sample data — staff, a room, hours, services, customers and a few weeks of appointments — and a
// temporary owner account sales can act as. The same catalog seeds `npm start`'s demo business.
import type { Pool } from '@neondatabase/serverless'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { withTransaction } from '../../db/client'
import { randomToken, sha256Hex } from '../identity/passwords'
import { createUser } from '../identity/users'
import type { SessionUser } from '../identity/sessions'
import { createResource, createService, listResources, setWeeklyHours, upsertCustomer } from '../scheduling/catalog'
import { tenantSql } from '../scheduling/sql'
import { provisionTenant } from './tenants'

const WEEKDAYS = [1, 2, 3, 4, 5, 6] as const
const ZONE = 'America/New_York'

/** Staff, a room, hours and three services (only when the business has no resources yet). */
export async function seedDemoCatalog(pool: Pool, tenantId: string, schema: string, staffUserId: string | null): Promise<boolean> {
  if ((await listResources(pool, schema)).length > 0) return false
  const stella = await createResource(pool, schema, tenantId, { kind: 'staff', name: 'Stella (massage)', userId: staffUserId, timeZone: ZONE })
  const marco = await createResource(pool, schema, tenantId, { kind: 'staff', name: 'Marco (physio)', timeZone: ZONE })
  const studio = await createResource(pool, schema, tenantId, { kind: 'room', name: 'Studio A', capacity: 8, timeZone: ZONE })
  const hours = WEEKDAYS.flatMap((weekday) => [
    { weekday, start: '09:00', end: '12:30' },
    { weekday, start: '13:30', end: '18:00' },
  ])
  for (const r of [stella, marco]) await setWeeklyHours(pool, schema, r.id, { rules: hours })
  await setWeeklyHours(pool, schema, studio.id, { rules: WEEKDAYS.map((weekday) => ({ weekday, start: '07:00', end: '20:00' })) })
  await createService(pool, schema, {
    name: 'Massage, 60 minutes',
    description: 'Deep-tissue or relaxing; tell us which when you book.',
    durationMinutes: 60,
    bufferAfterMinutes: 15,
    slotIntervalMinutes: 30,
    minNoticeMinutes: 120,
    priceCents: 9000,
    depositCents: 2000,
    reminderOffsetsMinutes: [1440, 120],
    resourceGroups: [[stella.id]],
  })
  await createService(pool, schema, {
    name: 'Physio assessment',
    durationMinutes: 45,
    bufferBeforeMinutes: 5,
    slotIntervalMinutes: 15,
    priceCents: 7500,
    requiresConfirmation: true,
    reminderOffsetsMinutes: [1440, 120],
    resourceGroups: [[marco.id, stella.id], [studio.id]],
  })
  await createService(pool, schema, {
    name: 'Morning yoga class',
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    seats: 8,
    priceCents: 1800,
    resourceGroups: [[studio.id]],
  })
  return true
}

const CUSTOMERS = [
  ['Avery Johnson', 'avery'],
  ['Blake Rivera', 'blake'],
  ['Casey Nguyen', 'casey'],
  ['Devon Patel', 'devon'],
  ['Emery Garcia', 'emery'],
  ['Finley Okafor', 'finley'],
  ['Harper Lindqvist', 'harper'],
  ['Jordan Müller', 'jordan'],
] as const

/**
 * A week of past and three weeks of coming massages on the first staff member: 10:00, 11:30,
 * 14:00 and 16:00 on open days, about two in three taken, the past ones completed. Deterministic,
 * so a demo shows the same week twice.
 */
export async function seedDemoBookings(pool: Pool, schema: string, now = Date.now()): Promise<number> {
  const t = tenantSql(schema)
  const { rows: services } = await pool.query<{ id: string; duration_minutes: number; buffer_after_minutes: number; resource_id: string }>(
    `SELECT s.id, s.duration_minutes, s.buffer_after_minutes, min(sr.resource_id::text)::uuid AS resource_id
       FROM ${t('services')} s JOIN ${t('service_resources')} sr ON sr.service_id = s.id
      WHERE s.seats = 1 AND s.buffer_before_minutes = 0 GROUP BY s.id HAVING count(*) = 1 ORDER BY s.name LIMIT 1`,
  )
  const service = services[0]
  if (!service) return 0
  const customers: { id: string }[] = []
  for (const [name, handle] of CUSTOMERS) customers.push(await upsertCustomer(pool, schema, { name, email: `${handle}@customers.example.com` }))
  const today = DateTime.fromMillis(now, { zone: ZONE }).startOf('day')
  let made = 0
  await withTransaction(pool, async (client) => {
    for (let day = -7; day < 21; day++) {
      const date = today.plus({ days: day })
      if (date.weekday === 7) continue
      for (const [index, [hour, minute]] of ([[10, 0], [11, 30], [14, 0], [16, 0]] as const).entries()) {
        if ((day * 7 + index * 3 + 700) % 3 === 0) continue // leave about a third free
        const start = date.set({ hour, minute })
        if (day >= 0 && start.toMillis() < now + 3600_000) continue
        const end = start.plus({ minutes: service.duration_minutes })
        const customer = customers[(day + 7 + index) % customers.length]!
        const status = start.toMillis() < now ? 'completed' : 'confirmed'
        const { rows } = await client.query<{ id: string }>(
          `INSERT INTO ${t('events')} (service_id, starts_at, ends_at, status, seats, notes) VALUES ($1, $2, $3, $4, 1, 'demo booking') RETURNING id`,
          [service.id, start.toISO(), end.toISO(), status],
        )
        const eventId = rows[0]!.id
        await client.query(`INSERT INTO ${t('event_resources')} (event_id, resource_id, occupied_start, occupied_end) VALUES ($1, $2, $3, $4)`, [
          eventId,
          service.resource_id,
          start.toISO(),
          end.plus({ minutes: service.buffer_after_minutes }).toISO(),
        ])
        await client.query(`INSERT INTO ${t('bookings')} (event_id, customer_id, status, manage_token_hash) VALUES ($1, $2, 'booked', $3)`, [
          eventId,
          customer.id,
          await sha256Hex(randomToken(24)),
        ])
        made++
      }
    }
  })
  return made
}

export const demoInput = z
  .object({
    name: z.string().trim().min(2).max(120).default('Demo Wellness Studio'),
    /** how long the demo lives before the cron deletes it */
    days: z.number().int().min(1).max(30).default(14),
  })
  .strict()

/** A demo business with sample data and a temporary owner; expires after `days`. */
export async function createDemoTenant(
  pool: Pool,
  rootDomain: string,
  raw: z.input<typeof demoInput>,
): Promise<{ tenant: { id: string; slug: string; name: string; primaryHost: string; demoExpiresAt: string }; owner: SessionUser; bookings: number }> {
  const input = demoInput.parse(raw)
  const slug = `demo-${randomToken(6).toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 8).padEnd(8, 'x')}`
  const tenant = await provisionTenant(pool, rootDomain, { slug, name: input.name, timeZone: ZONE, plan: 'pro', isDemo: true })
  try {
    const { rows } = await pool.query<{ demo_expires_at: Date }>(
      `UPDATE public.tenants SET demo_expires_at = now() + make_interval(days => $2) WHERE id = $1 RETURNING demo_expires_at`,
      [tenant.id, input.days],
    )
    const owner = await createUser(pool, { email: `owner@${slug}.${rootDomain}`, displayName: 'Demo Owner', role: 'TENANT_OWNER', tenantId: tenant.id, isTemporary: true })
    await seedDemoCatalog(pool, tenant.id, tenant.schemaName, null)
    const bookings = await seedDemoBookings(pool, tenant.schemaName)
    return { tenant: { id: tenant.id, slug, name: tenant.name, primaryHost: tenant.primaryHost, demoExpiresAt: new Date(rows[0]!.demo_expires_at).toISOString() }, owner, bookings }
  } catch (error) {
    // half a demo is worse than none: let the cron take it now
    await pool.query(`UPDATE public.tenants SET demo_expires_at = now() WHERE id = $1`, [tenant.id]).catch(() => undefined)
    throw error
  }
}

