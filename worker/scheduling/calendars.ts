// Loads what the availability engine needs from a tenant's schema: each resource's hours,
// overrides, blocks and busy time, the tenant's closures, and the open group sessions of a service.
import type { Pool } from '@neondatabase/serverless'
import type { Interval, ResourceCalendar, SeatedEvent } from './availability'
import { tenantSql } from './sql'

type Queryable = Pick<Pool, 'query'>

const DAY = 24 * 3600_000

function hhmm(value: string): string {
  return value.slice(0, 5) // '09:30:00' → '09:30'; '24:00:00' → '24:00'
}

/** Calendars of `resourceIds` for instants in [from, to), with a day of margin for local dates and buffers. */
export async function loadCalendars(
  db: Queryable,
  schema: string,
  resourceIds: string[],
  from: number,
  to: number,
  options: { excludeEventId?: string } = {},
): Promise<{ calendars: ResourceCalendar[]; closures: Interval[]; inactive: string[] }> {
  const t = tenantSql(schema)
  const lo = new Date(from - 2 * DAY).toISOString()
  const hi = new Date(to + 2 * DAY).toISOString()
  const [resources, weekly, overrides, blocks, busy, closures] = await Promise.all([
    db.query(`SELECT id, time_zone, is_active FROM ${t('resources')} WHERE id = ANY($1)`, [resourceIds]),
    db.query(`SELECT resource_id, weekday, start_time::text AS s, end_time::text AS e FROM ${t('weekly_hours')} WHERE resource_id = ANY($1)`, [resourceIds]),
    db.query(
      `SELECT resource_id, date::text AS d, start_time::text AS s, end_time::text AS e FROM ${t('date_overrides')}
        WHERE resource_id = ANY($1) AND date BETWEEN ($2::timestamptz)::date AND ($3::timestamptz)::date`,
      [resourceIds, lo, hi],
    ),
    db.query(
      `SELECT resource_id, starts_at, ends_at FROM ${t('blocked_time')} WHERE resource_id = ANY($1) AND starts_at < $3 AND ends_at > $2`,
      [resourceIds, lo, hi],
    ),
    db.query(
      `SELECT resource_id, occupied_start, occupied_end FROM ${t('event_resources')}
        WHERE live AND resource_id = ANY($1) AND occupied_start < $3 AND occupied_end > $2 AND ($4::uuid IS NULL OR event_id <> $4)`,
      [resourceIds, lo, hi, options.excludeEventId ?? null],
    ),
    db.query(`SELECT starts_at, ends_at FROM ${t('closures')} WHERE starts_at < $2 AND ends_at > $1`, [lo, hi]),
  ])
  const byId = new Map<string, ResourceCalendar>()
  const inactive: string[] = []
  for (const r of resources.rows) {
    if (!r.is_active) inactive.push(r.id)
    byId.set(r.id, { resourceId: r.id, timeZone: r.time_zone, weekly: [], overrides: [], blocks: [], busy: [] })
  }
  for (const w of weekly.rows) byId.get(w.resource_id)?.weekly.push({ weekday: w.weekday, start: hhmm(w.s), end: hhmm(w.e) })
  const overrideDays = new Map<string, { date: string; ranges: { start: string; end: string }[] }>()
  for (const o of overrides.rows) {
    const key = `${o.resource_id}|${o.d}`
    let day = overrideDays.get(key)
    if (!day) {
      day = { date: o.d, ranges: [] }
      overrideDays.set(key, day)
      byId.get(o.resource_id)?.overrides.push(day)
    }
    if (o.s && o.e) day.ranges.push({ start: hhmm(o.s), end: hhmm(o.e) })
  }
  for (const b of blocks.rows) byId.get(b.resource_id)?.blocks.push({ start: new Date(b.starts_at).getTime(), end: new Date(b.ends_at).getTime() })
  for (const b of busy.rows) byId.get(b.resource_id)?.busy.push({ start: new Date(b.occupied_start).getTime(), end: new Date(b.occupied_end).getTime() })
  return {
    calendars: resourceIds.map((id) => byId.get(id)).filter((c): c is ResourceCalendar => !!c && !inactive.includes(c.resourceId)),
    closures: closures.rows.map((c) => ({ start: new Date(c.starts_at).getTime(), end: new Date(c.ends_at).getTime() })),
    inactive,
  }
}

/** Live group sessions of a service in [from, to) with their booked seats. */
export async function loadSeatedEvents(db: Queryable, schema: string, serviceId: string, from: number, to: number): Promise<(SeatedEvent & { eventId: string })[]> {
  const t = tenantSql(schema)
  const { rows } = await db.query(
    `SELECT e.id, e.starts_at, e.ends_at,
            (SELECT array_agg(er.resource_id ORDER BY er.resource_id) FROM ${t('event_resources')} er WHERE er.event_id = e.id) AS resource_ids,
            (SELECT count(*) FROM ${t('bookings')} b WHERE b.event_id = e.id AND b.status = 'booked')::int AS taken
       FROM ${t('events')} e
      WHERE e.service_id = $1 AND e.status IN ('pending', 'confirmed') AND e.seats > 1 AND e.starts_at >= $2 AND e.starts_at < $3`,
    [serviceId, new Date(from).toISOString(), new Date(to).toISOString()],
  )
  return rows.map((r) => ({
    eventId: r.id,
    start: new Date(r.starts_at).getTime(),
    end: new Date(r.ends_at).getTime(),
    resourceIds: r.resource_ids ?? [],
    seatsTaken: r.taken,
  }))
}
