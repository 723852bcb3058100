// Dates on the wire: ISO 8601 with an offset, inside the years the database and the calendar can
// hold, normalised to UTC so no odd offset (+23:59) ever reaches Postgres.
import { z } from 'zod'

const EARLIEST = Date.UTC(2000, 0, 1)
const LATEST = Date.UTC(2200, 0, 1)

export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, e.g. 2026-05-01T09:00:00Z' })
  .refine((v) => {
    const offset = /([+-])(\d{2}):(\d{2})$/.exec(v)
    return !offset || Number(offset[2]) * 60 + Number(offset[3]) <= 14 * 60
  }, 'the UTC offset must be between -14:00 and +14:00')
  .refine((v) => {
    const t = Date.parse(v)
    return Number.isFinite(t) && t >= EARLIEST && t < LATEST
  }, 'must be between the years 2000 and 2199')
  .transform((v) => new Date(v).toISOString())

export const calendarDate = z.iso
  .date('must be a date such as 2026-05-01')
  .refine((v) => v >= '2000-01-01' && v < '2200-01-01', 'must be between the years 2000 and 2199')
