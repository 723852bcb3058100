// What a business offers and when: resources, services (with the resources that deliver them),
// weekly hours, date overrides, blocked time, closures, and customers.
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { AppError, pgErrorCode } from '../errors'
import { assertPlanAllows } from '../platform/plans'
import { isValidTimeZone } from '../platform/tenants'
import { tenantSql } from './sql'
import { recordCustomerCreated } from '../communication/booking-effects'
import { withTransaction } from '../../db/client'
import { calendarDate, instant } from '../instants'

type Queryable = Pick<Pool, 'query'>

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times look like 09:30 (24-hour clock)')
const zone = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London')
const localDate = calendarDate

export const resourceInput = z.object({
  kind: z.enum(['staff', 'room', 'equipment']),
  name: z.string().trim().min(1).max(120),
  userId: z.uuid().nullable().default(null),
  capacity: z.number().int().min(1).max(1000).default(1),
  timeZone: zone,
  isActive: z.boolean().default(true),
})

export const serviceInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).default(''),
    durationMinutes: z.number().int().min(5).max(1440),
    bufferBeforeMinutes: z.number().int().min(0).max(240).default(0),
    bufferAfterMinutes: z.number().int().min(0).max(240).default(0),
    minNoticeMinutes: z.number().int().min(0).max(43200).default(60),
    horizonDays: z.number().int().min(1).max(730).default(60),
    slotIntervalMinutes: z.number().int().min(5).max(1440).default(30),
    cancellationCutoffMinutes: z.number().int().min(0).max(43200).default(1440),
    priceCents: z.number().int().min(0).max(100_000_000, 'at most 1,000,000.00').default(0),
    depositCents: z.number().int().min(0).max(100_000_000, 'at most 1,000,000.00').default(0),
    currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
    requiresConfirmation: z.boolean().default(false),
    seats: z.number().int().min(1).max(1000).default(1),
    isActive: z.boolean().default(true),
    /** reminders, in minutes before the start (24 h by default); [] sends none */
    reminderOffsetsMinutes: z
      .array(z.number().int().min(5, 'a reminder comes at least 5 minutes before').max(43200, 'a reminder comes at most 30 days before'))
      .max(5, 'at most 5 reminders')
      .refine((list) => new Set(list).size === list.length, 'each reminder time once')
      .default([1440]),
    /** one resource from each group at once; a plain service has one group */
    resourceGroups: z.array(z.array(z.uuid()).min(1).max(50)).min(1).max(5),
  })
  .refine((s) => s.depositCents <= s.priceCents, { path: ['depositCents'], message: 'deposit cannot exceed the price' })

export const weeklyHoursInput = z.object({
  rules: z
    .array(z.object({ weekday: z.number().int().min(1).max(7), start: timeOfDay, end: timeOfDay }))
    .max(100)
    .refine((rules) => rules.every((r) => r.end > r.start), 'each range must end after it starts'),
})

export const overrideInput = z.object({
  date: localDate,
  /** [] closes the resource that day */
  ranges: z.array(z.object({ start: timeOfDay, end: timeOfDay })).max(10).refine((r) => r.every((x) => x.end > x.start), 'each range must end after it starts'),
})

export const intervalInput = z
  .object({ startsAt: instant, endsAt: instant, reason: z.string().trim().max(300).default('') })
  .refine((b) => new Date(b.endsAt) > new Date(b.startsAt), { path: ['endsAt'], message: 'must be after startsAt' })

export const customerInput = z.object({
  name: z.string().trim().min(1).max(120),
  email: z.string().trim().toLowerCase().max(254).pipe(z.email()),
  phone: z.string().trim().regex(/^\+?[0-9 ()-]{6,20}$/, 'phone looks like +1 555 123 4567').nullable().optional(),
  notes: z.string().trim().max(2000).optional(),
  /** where and in which language the customer reads their messages (the booking page sends the browser's) */
  timeZone: z.string().max(64).refine(isTimeZone, 'timeZone must be an IANA time zone such as Europe/London').optional(),
  locale: z.string().max(35).refine(isLocale, 'locale must be a language tag such as en-GB').optional(),
})

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return zone.length > 0
  } catch {
    return false
  }
}

function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1
  } catch {
    return false
  }
}

function toResource(r: Record<string, unknown>) {
  return {
    id: r.id as string,
    kind: r.kind as 'staff' | 'room' | 'equipment',
    name: r.name as string,
    userId: (r.user_id as string | null) ?? null,
    capacity: r.capacity as number,
    timeZone: r.time_zone as string,
    isActive: r.is_active as boolean,
  }
}
export type Resource = ReturnType<typeof toResource>

export async function listResources(db: Queryable, schema: string, options: { activeOnly?: boolean } = {}): Promise<Resource[]> {
  const t = tenantSql(schema)
  const { rows } = await db.query(`SELECT * FROM ${t('resources')} ${options.activeOnly ? 'WHERE is_active' : ''} ORDER BY kind, name`)
  return rows.map(toResource)
}

export async function createResource(db: Queryable, schema: string, tenantId: string, raw: z.input<typeof resourceInput>): Promise<Resource> {
  const input = resourceInput.parse(raw)
  const t = tenantSql(schema)
  if (input.userId) {
    const user = await db.query('SELECT 1 FROM public.users WHERE id = $1 AND tenant_id = $2', [input.userId, tenantId])
    if (!user.rowCount) throw new AppError(404, 'unknown_user', 'No user of this business has that id.')
    if (input.kind !== 'staff') throw new AppError(400, 'invalid_input', 'Only staff resources are linked to a user.')
  }
  try {
    const { rows } = await db.query(
      `INSERT INTO ${t('resources')} (kind, name, user_id, capacity, time_zone, is_active) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [input.kind, input.name, input.userId, input.capacity, input.timeZone, input.isActive],
    )
    return toResource(rows[0]!)
  } catch (error) {
    if (pgErrorCode(error) === '23505') throw new AppError(409, 'user_has_resource', 'That user already has a staff resource.')
    throw error
  }
}

/** Only the fields sent change (no defaults here: a partial update must not reset the rest). */
export const resourceUpdate = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  capacity: z.number().int().min(1).max(1000).optional(),
  timeZone: zone.optional(),
  isActive: z.boolean().optional(),
})

export async function updateResource(db: Queryable, schema: string, id: string, raw: z.input<typeof resourceUpdate>) {
  const input = resourceUpdate.parse(raw)
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `UPDATE ${t('resources')} SET name = COALESCE($2, name), capacity = COALESCE($3, capacity), time_zone = COALESCE($4, time_zone),
            is_active = COALESCE($5, is_active), updated_at = now() WHERE id = $1 RETURNING *`,
    [id, input.name ?? null, input.capacity ?? null, input.timeZone ?? null, input.isActive ?? null],
  )
  if (!rows[0]) throw new AppError(404, 'unknown_resource', 'No resource has that id.')
  return toResource(rows[0])
}

function toService(r: Record<string, unknown>, groups: Map<string, string[][]>) {
  return {
    id: r.id as string,
    name: r.name as string,
    description: r.description as string,
    durationMinutes: r.duration_minutes as number,
    bufferBeforeMinutes: r.buffer_before_minutes as number,
    bufferAfterMinutes: r.buffer_after_minutes as number,
    minNoticeMinutes: r.min_notice_minutes as number,
    horizonDays: r.horizon_days as number,
    slotIntervalMinutes: r.slot_interval_minutes as number,
    cancellationCutoffMinutes: r.cancellation_cutoff_minutes as number,
    priceCents: r.price_cents as number,
    depositCents: r.deposit_cents as number,
    currency: r.currency as string,
    requiresConfirmation: r.requires_confirmation as boolean,
    seats: r.seats as number,
    isActive: r.is_active as boolean,
    reminderOffsetsMinutes: (r.reminder_offsets_minutes as number[] | undefined) ?? [],
    resourceGroups: groups.get(r.id as string) ?? [],
  }
}
export type Service = ReturnType<typeof toService>

async function groupsOf(db: Queryable, schema: string, serviceIds: string[]): Promise<Map<string, string[][]>> {
  const t = tenantSql(schema)
  const { rows } = await db.query<{ service_id: string; group_index: number; resource_id: string }>(
    `SELECT service_id, group_index, resource_id FROM ${t('service_resources')} WHERE service_id = ANY($1) ORDER BY service_id, group_index, resource_id`,
    [serviceIds],
  )
  const map = new Map<string, string[][]>()
  for (const r of rows) {
    const groups = map.get(r.service_id) ?? []
    ;(groups[r.group_index] ??= []).push(r.resource_id)
    map.set(r.service_id, groups)
  }
  return map
}

export async function listServices(db: Queryable, schema: string, options: { activeOnly?: boolean } = {}): Promise<Service[]> {
  const t = tenantSql(schema)
  const { rows } = await db.query(`SELECT * FROM ${t('services')} ${options.activeOnly ? 'WHERE is_active' : ''} ORDER BY name`)
  const groups = await groupsOf(db, schema, rows.map((r) => r.id as string))
  return rows.map((r) => toService(r, groups))
}

export async function getService(db: Queryable, schema: string, id: string): Promise<Service | null> {
  const t = tenantSql(schema)
  const { rows } = await db.query(`SELECT * FROM ${t('services')} WHERE id = $1`, [id])
  if (!rows[0]) return null
  return toService(rows[0], await groupsOf(db, schema, [id]))
}

async function assertResourcesExist(db: Queryable, schema: string, ids: string[]) {
  const t = tenantSql(schema)
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${t('resources')} WHERE id = ANY($1)`, [ids])
  const known = new Set(rows.map((r) => r.id))
  const missing = ids.filter((id) => !known.has(id))
  if (missing.length) throw new AppError(404, 'unknown_resource', `No resource of this business has id ${missing[0]}.`)
}

export async function createService(pool: Pool, schema: string, raw: z.input<typeof serviceInput>): Promise<Service> {
  const input = serviceInput.parse(raw)
  const all = input.resourceGroups.flat()
  if (new Set(all).size !== all.length) throw new AppError(400, 'invalid_input', 'A resource may appear in one group only.')
  const t = tenantSql(schema)
  const id = await withTransaction(pool, async (client) => {
    await assertPlanAllows(client, schema, 'services')
    await assertResourcesExist(client, schema, all)
    const { rows } = await client.query(
      `INSERT INTO ${t('services')} (name, description, duration_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes,
         horizon_days, slot_interval_minutes, cancellation_cutoff_minutes, price_cents, deposit_cents, currency, requires_confirmation, seats, is_active,
         reminder_offsets_minutes)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`,
      [input.name, input.description, input.durationMinutes, input.bufferBeforeMinutes, input.bufferAfterMinutes, input.minNoticeMinutes,
        input.horizonDays, input.slotIntervalMinutes, input.cancellationCutoffMinutes, input.priceCents, input.depositCents, input.currency,
        input.requiresConfirmation, input.seats, input.isActive, [...input.reminderOffsetsMinutes].sort((a, b) => b - a)],
    )
    const serviceId = rows[0]!.id as string
    for (const [index, group] of input.resourceGroups.entries()) {
      for (const resourceId of group) {
        await client.query(`INSERT INTO ${t('service_resources')} (service_id, group_index, resource_id) VALUES ($1, $2, $3)`, [serviceId, index, resourceId])
      }
    }
    return serviceId
  })
  return (await getService(pool, schema, id))!
}

/** Locks the resource row for the rest of the transaction; 404 when it does not exist. */
async function lockResource(client: Queryable, schema: string, resourceId: string) {
  const found = await client.query(`SELECT 1 FROM ${tenantSql(schema)('resources')} WHERE id = $1 FOR UPDATE`, [resourceId])
  if (!found.rowCount) throw new AppError(404, 'unknown_resource', 'No resource has that id.')
}

export async function setWeeklyHours(pool: Pool, schema: string, resourceId: string, raw: z.input<typeof weeklyHoursInput>) {
  const { rules } = weeklyHoursInput.parse(raw)
  const t = tenantSql(schema)
  await withTransaction(pool, async (client) => {
    await lockResource(client, schema, resourceId)
    await client.query(`DELETE FROM ${t('weekly_hours')} WHERE resource_id = $1`, [resourceId])
    for (const r of rules) {
      await client.query(`INSERT INTO ${t('weekly_hours')} (resource_id, weekday, start_time, end_time) VALUES ($1, $2, $3, $4)`, [resourceId, r.weekday, r.start, r.end])
    }
  })
  return { resourceId, rules }
}

export async function setDateOverride(pool: Pool, schema: string, resourceId: string, raw: z.input<typeof overrideInput>) {
  const input = overrideInput.parse(raw)
  const t = tenantSql(schema)
  await withTransaction(pool, async (client) => {
    await lockResource(client, schema, resourceId)
    await client.query(`DELETE FROM ${t('date_overrides')} WHERE resource_id = $1 AND date = $2`, [resourceId, input.date])
    if (input.ranges.length === 0) {
      await client.query(`INSERT INTO ${t('date_overrides')} (resource_id, date) VALUES ($1, $2)`, [resourceId, input.date])
    }
    for (const r of input.ranges) {
      await client.query(`INSERT INTO ${t('date_overrides')} (resource_id, date, start_time, end_time) VALUES ($1, $2, $3, $4)`, [resourceId, input.date, r.start, r.end])
    }
  })
  return { resourceId, ...input }
}

export async function addBlockedTime(db: Queryable, schema: string, resourceId: string, raw: z.input<typeof intervalInput>) {
  const input = intervalInput.parse(raw)
  const t = tenantSql(schema)
  try {
    const { rows } = await db.query(
      `INSERT INTO ${t('blocked_time')} (resource_id, starts_at, ends_at, reason) VALUES ($1, $2, $3, $4) RETURNING id`,
      [resourceId, input.startsAt, input.endsAt, input.reason],
    )
    return { id: rows[0]!.id as string, resourceId, ...input }
  } catch (error) {
    if (pgErrorCode(error) === '23503') throw new AppError(404, 'unknown_resource', 'No resource has that id.')
    throw error
  }
}

export async function addClosure(db: Queryable, schema: string, raw: z.input<typeof intervalInput>) {
  const input = intervalInput.parse(raw)
  const t = tenantSql(schema)
  const { rows } = await db.query(`INSERT INTO ${t('closures')} (starts_at, ends_at, reason) VALUES ($1, $2, $3) RETURNING id`, [
    input.startsAt,
    input.endsAt,
    input.reason,
  ])
  return { id: rows[0]!.id as string, ...input }
}

export async function upsertCustomer(db: Queryable, schema: string, raw: z.input<typeof customerInput>, userId: string | null = null) {
  const input = customerInput.parse(raw)
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `INSERT INTO ${t('customers')} (name, email, phone, notes, user_id, time_zone, locale) VALUES ($1, $2, $3, COALESCE($4, ''), $5, $6, $7)
     ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, phone = COALESCE(EXCLUDED.phone, ${t('customers')}.phone),
       user_id = COALESCE(${t('customers')}.user_id, EXCLUDED.user_id),
       time_zone = COALESCE(EXCLUDED.time_zone, ${t('customers')}.time_zone), locale = COALESCE(EXCLUDED.locale, ${t('customers')}.locale), updated_at = now()
     RETURNING id, name, email, phone, notes, user_id, (xmax = 0) AS created`,
    [input.name, input.email, input.phone ?? null, input.notes ?? null, userId, input.timeZone ?? null, input.locale ?? null],
  )
  const r = rows[0]!
  const customer = { id: r.id as string, name: r.name as string, email: r.email as string, phone: r.phone as string | null, notes: r.notes as string, userId: r.user_id as string | null }
  // A new customer is announced to the business's webhooks in the same statement's transaction.
  if (r.created) await recordCustomerCreated(db, schema, { id: customer.id, name: customer.name, email: customer.email, phone: customer.phone })
  return customer
}

export async function listCustomers(db: Queryable, schema: string, q: string | undefined, limit = 100) {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `SELECT id, name, email, phone, notes, user_id FROM ${t('customers')}
      WHERE ($1::text IS NULL OR name ILIKE '%' || $1 || '%' OR email ILIKE '%' || $1 || '%') ORDER BY name LIMIT $2`,
    [q ?? null, limit],
  )
  return rows.map((r) => ({ id: r.id as string, name: r.name as string, email: r.email as string, phone: r.phone as string | null, notes: r.notes as string, userId: r.user_id as string | null }))
}

/** The resources linked to a user: a staff member's "own calendar". */
export async function resourceIdsOfUser(db: Queryable, schema: string, userId: string): Promise<string[]> {
  const t = tenantSql(schema)
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${t('resources')} WHERE user_id = $1 ORDER BY id`, [userId])
  return rows.map((r) => r.id)
}
