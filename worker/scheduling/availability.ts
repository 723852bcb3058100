// The availability engine: which appointment slots can be booked, from each resource's working
// hours and busy time and the service's rules. Pure: no I/O and no clock (`now` is an input).
//
// Time rules, decided once here (tests in availability-dst.unit.test.ts pin them down):
// - Working hours are wall-clock times in the resource's zone; every conversion goes through Luxon.
// - A window edge is the first instant the resource's clock shows that time: a time the clock
//   repeats (fall back) means its first occurrence; a time the clock skips (spring forward) means
//   the moment of the jump. So 00:00–06:00 lasts 7 real hours on a fall-back day and 5 on a
//   spring-forward day, and a shift lying wholly inside the skipped hour does not happen.
// - Slot starts follow the wall clock from the window start (09:00, 09:30, ...). A grid time the
//   clock skips gives no slot; a time the clock shows twice gives two slots, one per occurrence.
//   So a person sees exactly the labels their clock shows, no more, no fewer.
// - Durations, buffers, notice and horizon are real elapsed time (a 60-minute massage lasts 60
//   real minutes, even across a clock change; horizonDays counts 24-hour days).
// - Each local date's windows stand alone: a window ending 24:00 and one starting 00:00 the next
//   day are NOT joined, so no appointment straddles two dates' rules. Ranges of the same date that
//   overlap or touch are joined (09–12 and 12–15 behave as 09–15).
import { DateTime, FixedOffsetZone, IANAZone } from 'luxon'
import { AppError } from '../errors'

/** Half-open instant interval [start, end) in epoch milliseconds (UTC). */
export interface Interval { start: number; end: number }
/** Wall-clock range on a local date, 'HH:MM' 24h; end may be '24:00'; end > start (overnight shifts are two rules). */
export interface LocalRange { start: string; end: string }
export interface WeeklyRule extends LocalRange { weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7 } // ISO weekday, Monday = 1
export interface DateOverride { date: string /* YYYY-MM-DD in the resource's zone */; ranges: LocalRange[] /* [] = closed that day */ }
export interface ResourceCalendar {
  resourceId: string
  timeZone: string // IANA
  weekly: WeeklyRule[]
  overrides: DateOverride[] // replace the weekly rules for that local date
  blocks: Interval[] // time off, holidays of this resource
  busy: Interval[] // live events on this resource, ALREADY including their buffers (as stored)
}
/** A group session already on the calendar that a new customer could join. */
export interface SeatedEvent { start: number; end: number; resourceIds: string[]; seatsTaken: number }
/** A short hold by another customer in checkout, buffer-inclusive like busy. */
export interface Hold { start: number; end: number; resourceIds: string[] }
export interface ServiceSpec {
  durationMinutes: number
  bufferBeforeMinutes: number
  bufferAfterMinutes: number
  minNoticeMinutes: number
  horizonDays: number
  slotIntervalMinutes: number
  seats: number // 1 = private appointment; >1 = group session capacity
  /** The service needs one resource from EACH group at once, all distinct (a stylist AND a chair). A plain service has one group. */
  resourceGroups: string[][]
}
export interface SlotQuery {
  from: number; to: number // instants; slots whose start is in [from, to)
  now: number
  viewerTimeZone: string // IANA: only affects the local labels in the result
  onlyResourceId?: string // customer picked a resource: it must be one of the chosen resources
}
export interface Slot {
  start: number; end: number // the appointment itself (without buffers)
  resourceIds: string[] // one free resource per group, in group order
  seatsLeft: number
  local: { date: string; time: string; offset: string } // in the viewer's zone: 'YYYY-MM-DD', 'HH:mm', '+01:00'
}
export interface AvailabilityInput {
  service: ServiceSpec
  resources: ResourceCalendar[] // every resource named in resourceGroups; one left out is never free (e.g. deactivated)
  closures: Interval[] // tenant-wide closures
  holds: Hold[] // short holds by other customers, buffer-inclusive like busy
  seated?: SeatedEvent[] // existing group sessions of THIS service
  query: SlotQuery
}
export type SlotCheckInput = Omit<AvailabilityInput, 'query'> & { start: number; resourceIds: string[]; now: number }

/** Bad input to the engine (a 400 at the API edge); the message names the field and the fix. */
export class AvailabilityInputError extends AppError {
  constructor(message: string) {
    super(400, 'invalid_availability_input', message)
    this.name = 'AvailabilityInputError'
  }
}

const MINUTE = 60_000
const DAY = 86_400_000
const MAX_RANGE_DAYS = 62

export function intervalsOverlap(a: Interval, b: Interval): boolean {
  return a.start < b.end && b.start < a.end
}

/** The occupied range of an appointment: [start - bufferBefore, end + bufferAfter). What the database stores and the exclusion constraint compares. */
export function occupiedRange(
  start: number,
  service: Pick<ServiceSpec, 'durationMinutes' | 'bufferBeforeMinutes' | 'bufferAfterMinutes'>,
): Interval {
  return {
    start: start - service.bufferBeforeMinutes * MINUTE,
    end: start + (service.durationMinutes + service.bufferAfterMinutes) * MINUTE,
  }
}

export function availableSlots(input: AvailabilityInput): Slot[] {
  const { query } = input
  checkInstant(query.from, 'query.from')
  checkInstant(query.to, 'query.to')
  checkInstant(query.now, 'query.now')
  if (query.from >= query.to) throw new AvailabilityInputError(`query.from must be before query.to (got from=${iso(query.from)}, to=${iso(query.to)}).`)
  if (query.to - query.from > MAX_RANGE_DAYS * DAY) {
    throw new AvailabilityInputError(`The query range is longer than ${MAX_RANGE_DAYS} days; ask for at most ${MAX_RANGE_DAYS} days at a time.`)
  }
  checkZone(query.viewerTimeZone, 'query.viewerTimeZone')
  const engine = prepare(input, query.now)
  if (query.onlyResourceId !== undefined && !engine.groups.some((group) => group.includes(query.onlyResourceId!))) {
    throw new AvailabilityInputError(`query.onlyResourceId "${query.onlyResourceId}" is not in any of the service's resource groups.`)
  }

  const slots: Slot[] = []
  for (const candidate of engine.candidates(query.from, query.to)) {
    const found = engine.slotAt(candidate.start, candidate.onGrid, query.onlyResourceId)
    if (!found) continue
    slots.push({
      start: candidate.start,
      end: candidate.start + engine.durationMs,
      resourceIds: found.resourceIds,
      seatsLeft: found.seatsLeft,
      local: localLabel(candidate.start, query.viewerTimeZone),
    })
  }
  return slots
}

/** For the booking path: is this exact slot (start, chosen resources) still bookable? Same rules as availableSlots. */
export function isSlotAvailable(input: SlotCheckInput): boolean {
  checkInstant(input.start, 'start')
  checkInstant(input.now, 'now')
  const engine = prepare(input, input.now)
  const candidate = engine.candidates(input.start, input.start + 1)[0]
  if (!candidate || candidate.start !== input.start) return false
  return engine.bookableWith(input.start, candidate.onGrid, input.resourceIds) !== null
}

// ---------------------------------------------------------------------------------------------
// The engine, prepared once per call: validated input, sorted busy time, per-resource windows.

interface Candidate { start: number; onGrid: boolean }
interface Choice { resourceIds: string[]; seatsLeft: number }
interface CalendarDay { year: number; month: number; day: number }
/** A resource's working window as instants, with the wall-clock grid it was drawn from. */
interface Window extends Interval { day: CalendarDay; startMinute: number; endMinute: number; steadyClock: boolean }

interface PreparedResource {
  id: string
  zone: string
  weekly: Map<number, Array<[number, number]>>
  overrides: Map<string, Array<[number, number]>>
  blocked: Interval[] // busy ∪ blocks ∪ holds, sorted and merged
  fixed: Interval[] // blocks ∪ holds only, for joining a session whose own busy entry must not count
  busy: Interval[] // sorted by start
  busyMaxEnd: number[] // running max of busy ends, to find overlaps in a start-sorted list
  windows: Window[] // filled for the asked range
}

function prepare(input: Omit<AvailabilityInput, 'query'>, now: number) {
  const service = checkService(input.service)
  const durationMs = service.durationMinutes * MINUTE
  const stepMs = service.slotIntervalMinutes * MINUTE
  const groups = service.resourceGroups
  const earliest = now + service.minNoticeMinutes * MINUTE
  const latest = now + service.horizonDays * DAY // exclusive

  const calendars = new Map<string, ResourceCalendar>()
  for (const calendar of input.resources) {
    if (calendars.has(calendar.resourceId)) throw new AvailabilityInputError(`Resource "${calendar.resourceId}" is given twice in resources.`)
    calendars.set(calendar.resourceId, calendar)
  }
  const holds = input.holds.map((hold, i) => checkInterval(hold, `holds[${i}]`))
  input.holds.forEach((hold, i) => {
    if (!Array.isArray(hold.resourceIds)) throw new AvailabilityInputError(`holds[${i}].resourceIds must be a list of resource ids.`)
  })
  const resources = new Map<string, PreparedResource>()
  for (const id of new Set(groups.flat())) {
    // No calendar (say, a deactivated resource left out by the loader): that resource is never free.
    const calendar = calendars.get(id)
    if (!calendar) continue
    const own = holds.filter((_, i) => input.holds[i]!.resourceIds.includes(id))
    resources.set(id, prepareResource(calendar, own))
  }
  const closures = mergeIntervals(input.closures.map((c, i) => checkInterval(c, `closures[${i}]`)))

  const sessionsAt = new Map<number, SeatedEvent[]>()
  if (service.seats > 1) {
    for (const [i, event] of (input.seated ?? []).entries()) {
      checkInterval(event, `seated[${i}]`)
      if (!Number.isInteger(event.seatsTaken) || event.seatsTaken < 0) throw new AvailabilityInputError(`seated[${i}].seatsTaken must be a whole number >= 0.`)
      // Stored resources may come in any order; put them in group order, as slots name them.
      const resourceIds = Array.isArray(event.resourceIds) ? inGroupOrder(groups, event.resourceIds) : null
      if (!resourceIds) continue // a session on other resources cannot be joined here
      const list = sessionsAt.get(event.start) ?? []
      list.push({ ...event, resourceIds })
      sessionsAt.set(event.start, list)
    }
    // Several sessions at one start: offer the one whose resources come first in group order.
    for (const list of sessionsAt.values()) list.sort((a, b) => compareAssignments(groups, a.resourceIds, b.resourceIds))
  }

  // Ids a later group can still supply, to stop searching early when onlyResourceId cannot be reached.
  const reachable = groups.map((_, g) => new Set(groups.slice(g).flat()))

  function inWindow(r: PreparedResource, start: number): boolean {
    const i = lastStartingAtOrBefore(r.windows, start)
    return i >= 0 && start + durationMs <= r.windows[i]!.end
  }

  function isFree(r: PreparedResource | undefined, start: number): boolean {
    if (!r) return false
    const occupied = occupiedRange(start, service)
    return inWindow(r, start) && !overlapsSorted(r.blocked, occupied.start, occupied.end)
  }

  /** Free for joining `session`: its own busy entry (recognised by its exact occupied range) does not count. */
  function isFreeToJoin(r: PreparedResource | undefined, start: number, session: SeatedEvent): boolean {
    if (!r) return false
    const occupied = occupiedRange(start, service)
    if (!inWindow(r, start) || overlapsSorted(r.fixed, occupied.start, occupied.end)) return false
    const ownStart = session.start - service.bufferBeforeMinutes * MINUTE
    const ownEnd = session.end + service.bufferAfterMinutes * MINUTE
    // Walk back over busy entries starting before our end while some of them may still reach past our start.
    for (let i = countStartingBefore(r.busy, occupied.end) - 1; i >= 0 && r.busyMaxEnd[i]! > occupied.start; i--) {
      const busy = r.busy[i]!
      if (busy.end > occupied.start && !(busy.start === ownStart && busy.end === ownEnd)) return false
    }
    return true
  }

  // Notice and horizon need no check here: candidates() never yields a start outside them.
  function outsideClosures(start: number): boolean {
    return !overlapsSorted(closures, start, start + durationMs)
  }

  /** The session at this start on exactly these resources (in whatever order). */
  function sessionWith(start: number, resourceIds: readonly string[]): SeatedEvent | undefined {
    return sessionsAt.get(start)?.find((s) => sameSet(s.resourceIds, resourceIds))
  }

  return {
    groups,
    durationMs,

    /** Candidate starts in [from, to) that keep notice and horizon, sorted: the wall-clock grid of every window, plus session starts to join. */
    candidates(from: number, to: number): Candidate[] {
      const lo = Math.max(from, earliest)
      const hi = Math.min(to, latest)
      if (lo >= hi) return []
      const onGrid = new Set<number>()
      const memo = newConversions()
      for (const r of resources.values()) {
        // Kept on the resource for the inWindow checks that follow in this same call.
        r.windows = windowsOf(r, lo, hi, memo)
        for (const window of r.windows) gridStarts(window, r.zone, stepMs, durationMs, lo, hi, memo, onGrid)
      }
      const all: Candidate[] = [...onGrid].map((start) => ({ start, onGrid: true }))
      for (const start of sessionsAt.keys()) {
        if (start >= lo && start < hi && !onGrid.has(start)) all.push({ start, onGrid: false })
      }
      return all.sort((a, b) => a.start - b.start)
    },

    /** The slot offered at this start: join the first open session, else the first free resources in group order. */
    slotAt(start: number, onGrid: boolean, only?: string): Choice | null {
      if (!outsideClosures(start)) return null
      for (const session of sessionsAt.get(start) ?? []) {
        if (only !== undefined && !session.resourceIds.includes(only)) continue
        if (session.seatsTaken >= service.seats) continue
        if (session.resourceIds.every((id) => isFreeToJoin(resources.get(id), start, session))) {
          return { resourceIds: [...session.resourceIds], seatsLeft: service.seats - session.seatsTaken }
        }
      }
      if (!onGrid) return null // an off-grid session start is offered for joining only
      const chosen: string[] = []
      const free = new Map<string, boolean>()
      const freeAt = (id: string) => {
        let answer = free.get(id)
        if (answer === undefined) free.set(id, (answer = isFree(resources.get(id), start)))
        return answer
      }
      const search = (g: number): boolean => {
        if (g === groups.length) {
          if (only !== undefined && !chosen.includes(only)) return false
          return sessionWith(start, chosen) === undefined // that session is full or was offered above
        }
        if (only !== undefined && !chosen.includes(only) && !reachable[g]!.has(only)) return false
        for (const id of groups[g]!) {
          if (chosen.includes(id) || !freeAt(id)) continue
          chosen.push(id)
          if (search(g + 1)) return true
          chosen.pop()
        }
        return false
      }
      return search(0) ? { resourceIds: [...chosen], seatsLeft: service.seats } : null
    },

    /** The booking path's check of one exact choice of resources. */
    bookableWith(start: number, onGrid: boolean, resourceIds: string[]): Choice | null {
      if (!isAssignment(groups, resourceIds) || !outsideClosures(start)) return null
      const session = sessionWith(start, resourceIds)
      if (session) {
        if (session.seatsTaken >= service.seats) return null
        const ok = resourceIds.every((id) => isFreeToJoin(resources.get(id), start, session))
        return ok ? { resourceIds, seatsLeft: service.seats - session.seatsTaken } : null
      }
      if (!onGrid) return null
      return resourceIds.every((id) => isFree(resources.get(id), start)) ? { resourceIds, seatsLeft: service.seats } : null
    },
  }
}

function prepareResource(calendar: ResourceCalendar, holds: Interval[]): PreparedResource {
  const id = calendar.resourceId
  checkZone(calendar.timeZone, `Resource "${id}" timeZone`)
  const weekly = new Map<number, Array<[number, number]>>()
  for (const [i, rule] of calendar.weekly.entries()) {
    if (!Number.isInteger(rule.weekday) || rule.weekday < 1 || rule.weekday > 7) {
      throw new AvailabilityInputError(`Resource "${id}" weekly[${i}].weekday must be an ISO weekday 1 (Monday) to 7 (Sunday), got ${String(rule.weekday)}.`)
    }
    const list = weekly.get(rule.weekday) ?? []
    list.push(parseRange(rule, `Resource "${id}" weekly[${i}]`))
    weekly.set(rule.weekday, list)
  }
  for (const [day, list] of weekly) weekly.set(day, mergeRanges(list))
  const overrides = new Map<string, Array<[number, number]>>()
  for (const [i, override] of calendar.overrides.entries()) {
    const where = `Resource "${id}" overrides[${i}]`
    if (!/^\d{4}-\d{2}-\d{2}$/.test(override.date) || !DateTime.fromISO(override.date, { zone: 'utc' }).isValid) {
      throw new AvailabilityInputError(`${where}.date must be a calendar date 'YYYY-MM-DD', got ${JSON.stringify(override.date)}.`)
    }
    if (overrides.has(override.date)) throw new AvailabilityInputError(`${where}: there is already an override for ${override.date}; put all its ranges in one override.`)
    overrides.set(override.date, mergeRanges(override.ranges.map((range, j) => parseRange(range, `${where}.ranges[${j}]`))))
  }
  const busy = calendar.busy.map((b, i) => checkInterval(b, `Resource "${id}" busy[${i}]`)).sort((a, b) => a.start - b.start)
  const blocks = calendar.blocks.map((b, i) => checkInterval(b, `Resource "${id}" blocks[${i}]`))
  const busyMaxEnd: number[] = []
  let maxEnd = -Infinity
  for (const b of busy) busyMaxEnd.push((maxEnd = Math.max(maxEnd, b.end)))
  return {
    id,
    zone: calendar.timeZone,
    weekly,
    overrides,
    blocked: mergeIntervals([...busy, ...blocks, ...holds]),
    fixed: mergeIntervals([...blocks, ...holds]),
    busy,
    busyMaxEnd,
    windows: [],
  }
}

// ---------------------------------------------------------------------------------------------
// Wall clock → instants (Luxon only).

/** Per-call memo of Luxon conversions, shared by resources in the same zone (Intl lookups dominate the cost). */
interface Conversions {
  instants: Map<string, number[]>
  edges: Map<string, { at: number; exact: boolean }>
  offsets: Map<string, number>
  days: Map<string, Array<{ key: string; weekday: number; day: CalendarDay }>>
}

function newConversions(): Conversions {
  return { instants: new Map(), edges: new Map(), offsets: new Map(), days: new Map() }
}

/** The local dates, in this zone, of the instants [lo, hi). */
function localDays(zone: string, lo: number, hi: number, memo: Conversions) {
  const memoKey = `${zone}|${lo}|${hi}`
  let days = memo.days.get(memoKey)
  if (days) return days
  days = []
  const first = DateTime.fromMillis(lo, { zone }).toISODate()!
  const last = DateTime.fromMillis(hi - 1, { zone }).toISODate()!
  // Calendar stepping in UTC: a date is a date, whatever the zone's clock does.
  for (let date = DateTime.fromISO(first, { zone: 'utc' }); date.toISODate()! <= last; date = date.plus({ days: 1 })) {
    days.push({ key: date.toISODate()!, weekday: date.weekday, day: { year: date.year, month: date.month, day: date.day } })
  }
  memo.days.set(memoKey, days)
  return days
}

/** The resource's windows on every local date that can hold a start in [lo, hi), sorted. */
function windowsOf(r: PreparedResource, lo: number, hi: number, memo: Conversions): Window[] {
  const windows: Window[] = []
  for (const { key, weekday, day } of localDays(r.zone, lo, hi, memo)) {
    const ranges = r.overrides.get(key) ?? r.weekly.get(weekday) ?? []
    for (const [startMinute, endMinute] of ranges) {
      const start = firstInstantShowing(r.zone, day, startMinute, memo)
      const end = firstInstantShowing(r.zone, day, endMinute, memo)
      if (end.at <= start.at) continue // the whole range fell into a skipped hour
      // Both edges exist on the clock with the same offset: no clock change inside (we assume two never
      // cancel out within one day), so the wall-clock grid is plain arithmetic on instants.
      const steadyClock = start.exact && end.exact && offsetAt(r.zone, start.at, memo) === offsetAt(r.zone, end.at, memo)
      windows.push({ start: start.at, end: end.at, day, startMinute, endMinute, steadyClock })
    }
  }
  return windows
}

function gridStarts(
  window: Window, zone: string, stepMs: number, durationMs: number,
  lo: number, hi: number, memo: Conversions, into: Set<number>,
): void {
  if (window.steadyClock) {
    const firstStep = Math.max(0, Math.ceil((lo - window.start) / stepMs))
    for (let start = window.start + firstStep * stepMs; start < hi && start + durationMs <= window.end; start += stepMs) into.add(start)
    return
  }
  // A clock change inside the window: walk the wall-clock grid and take every instant the clock shows it.
  const stepMinutes = stepMs / MINUTE
  for (let minute = window.startMinute; minute < window.endMinute; minute += stepMinutes) {
    for (const start of instantsShowing(zone, window.day, minute, memo)) {
      if (start >= window.start && start + durationMs <= window.end && start >= lo && start < hi) into.add(start)
    }
  }
}

/** Every instant at which the zone's clock shows this wall time on this date: none if skipped, two if repeated. */
function instantsShowing(zone: string, day: CalendarDay, minute: number, memo: Conversions): number[] {
  const key = `${zone}|${day.year}-${day.month}-${day.day}|${minute}`
  let found = memo.instants.get(key)
  if (found) return found
  const wall = DateTime.fromObject(
    { year: day.year, month: day.month, day: day.day, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone },
  )
  // Luxon moves a skipped time forward; a moved result means the clock never shows it.
  const exists = wall.year === day.year && wall.month === day.month && wall.day === day.day && wall.hour * 60 + wall.minute === minute
  found = exists ? wall.getPossibleOffsets().map((dt) => dt.toMillis()).sort((a, b) => a - b) : []
  memo.instants.set(key, found)
  return found
}

/** Window edge: the first instant the clock shows this time, or, if the clock skips it, the moment of the jump. */
function firstInstantShowing(zone: string, day: CalendarDay, minute: number, memo: Conversions): { at: number; exact: boolean } {
  const key = `${zone}|${day.year}-${day.month}-${day.day}|${minute}`
  const known = memo.edges.get(key)
  if (known) return known
  let date = DateTime.fromObject(day, { zone: 'utc' })
  let m = minute
  let edge: { at: number; exact: boolean } | undefined
  // Walk forward minute by minute to the first wall time that exists (only ever runs inside a gap).
  for (let tries = 0; !edge && tries <= 2 * 1440; tries++, m++) {
    if (m >= 1440) {
      date = date.plus({ days: 1 })
      m -= 1440
    }
    const found = instantsShowing(zone, { year: date.year, month: date.month, day: date.day }, m, memo)
    if (found.length > 0) edge = { at: found[0]!, exact: tries === 0 }
  }
  if (!edge) throw new Error(`Time zone ${zone} skips more than two days after ${JSON.stringify(day)} (tz data problem).`)
  memo.edges.set(key, edge)
  return edge
}

function offsetAt(zone: string, at: number, memo: Conversions): number {
  const key = `${zone}|${at}`
  let offset = memo.offsets.get(key)
  if (offset === undefined) memo.offsets.set(key, (offset = DateTime.fromMillis(at, { zone }).offset))
  return offset
}

function localLabel(at: number, zone: string): Slot['local'] {
  const dt = DateTime.fromMillis(at, { zone })
  // toFormat('ZZ') would ask Intl for the offset a second time; the DateTime already knows it.
  return { date: dt.toISODate()!, time: dt.toFormat('HH:mm'), offset: FixedOffsetZone.instance(dt.offset).formatOffset(at, 'short') }
}

// ---------------------------------------------------------------------------------------------
// Sorted-interval helpers: every lookup is a binary search, never a scan per candidate.

function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start)
  const merged: Interval[] = []
  for (const { start, end } of sorted) {
    const last = merged[merged.length - 1]
    if (last && start <= last.end) last.end = Math.max(last.end, end)
    else merged.push({ start, end })
  }
  return merged
}

/** Does [start, end) overlap any of these merged, sorted intervals? */
function overlapsSorted(merged: Interval[], start: number, end: number): boolean {
  // First interval ending after our start (ends are sorted too once merged).
  let lo = 0
  let hi = merged.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (merged[mid]!.end > start) hi = mid
    else lo = mid + 1
  }
  return lo < merged.length && merged[lo]!.start < end
}

function countStartingBefore(sorted: Interval[], at: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]!.start < at) lo = mid + 1
    else hi = mid
  }
  return lo
}

function lastStartingAtOrBefore(sorted: Interval[], at: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]!.start <= at) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

// ---------------------------------------------------------------------------------------------
// Input checks: bad input fails loudly with the field and the fix.

function checkService(service: ServiceSpec): ServiceSpec {
  const positiveWhole = ['durationMinutes', 'slotIntervalMinutes', 'seats'] as const
  for (const field of positiveWhole) {
    const value = service[field]
    if (!Number.isInteger(value) || value <= 0) throw new AvailabilityInputError(`service.${field} must be a whole number > 0, got ${String(value)}.`)
  }
  const wholeOrZero = ['bufferBeforeMinutes', 'bufferAfterMinutes', 'minNoticeMinutes', 'horizonDays'] as const
  for (const field of wholeOrZero) {
    const value = service[field]
    if (!Number.isInteger(value) || value < 0) throw new AvailabilityInputError(`service.${field} must be a whole number >= 0, got ${String(value)}.`)
  }
  if (!Array.isArray(service.resourceGroups) || service.resourceGroups.length === 0 || service.resourceGroups.some((g) => !Array.isArray(g) || g.length === 0)) {
    throw new AvailabilityInputError('service.resourceGroups must hold at least one group, and every group at least one resource id.')
  }
  return service
}

// Zones already found valid; a memo only (isValidZone builds an Intl formatter each time), so calls stay pure.
const knownZones = new Set<string>()

function checkZone(zone: string, what: string): void {
  if (knownZones.has(zone)) return
  if (typeof zone === 'string' && IANAZone.isValidZone(zone)) knownZones.add(zone)
  else {
    throw new AvailabilityInputError(`${what} ${JSON.stringify(zone)} is not a known IANA time zone (e.g. "Europe/London", "America/New_York").`)
  }
}

function checkInstant(value: number, what: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new AvailabilityInputError(`${what} must be an instant in epoch milliseconds, got ${String(value)}.`)
}

function checkInterval<T extends Interval>(interval: T, what: string): Interval {
  checkInstant(interval.start, `${what}.start`)
  checkInstant(interval.end, `${what}.end`)
  if (interval.end <= interval.start) throw new AvailabilityInputError(`${what} ends at or before it starts (${iso(interval.start)} → ${iso(interval.end)}).`)
  return { start: interval.start, end: interval.end }
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

/** 'HH:MM' → minutes of the day; '24:00' is allowed as an end. */
function parseRange(range: LocalRange, what: string): [number, number] {
  const start = parseWallTime(range.start, `${what}.start`, false)
  const end = parseWallTime(range.end, `${what}.end`, true)
  if (end <= start) {
    throw new AvailabilityInputError(`${what} ends (${range.end}) at or before it starts (${range.start}); write an overnight shift as two ranges, one ending 24:00 and one starting 00:00.`)
  }
  return [start, end]
}

function parseWallTime(value: string, what: string, mayBeMidnightEnd: boolean): number {
  if (mayBeMidnightEnd && value === '24:00') return 1440
  const match = typeof value === 'string' ? HH_MM.exec(value) : null
  if (!match) throw new AvailabilityInputError(`${what} must be a 24-hour time 'HH:MM'${mayBeMidnightEnd ? " (or '24:00')" : ''}, got ${JSON.stringify(value)}.`)
  return Number(match[1]) * 60 + Number(match[2])
}

function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const merged: Array<[number, number]> = []
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1]
    if (last && start <= last[1]) last[1] = Math.max(last[1], end)
    else merged.push([start, end])
  }
  return merged
}

/** These resources, one per group, reordered to group order; null if they do not fill the groups exactly. */
function inGroupOrder(groups: string[][], ids: readonly string[]): string[] | null {
  if (ids.length !== groups.length || new Set(ids).size !== ids.length) return null
  const chosen: string[] = []
  const fill = (g: number): boolean => {
    if (g === groups.length) return true
    for (const id of ids) {
      if (chosen.includes(id) || !groups[g]!.includes(id)) continue
      chosen.push(id)
      if (fill(g + 1)) return true
      chosen.pop()
    }
    return false
  }
  return fill(0) ? chosen : null
}

/** One distinct resource per group, in group order. */
function isAssignment(groups: string[][], resourceIds: readonly string[]): boolean {
  return Array.isArray(resourceIds) && resourceIds.length === groups.length
    && new Set(resourceIds).size === resourceIds.length
    && resourceIds.every((id, g) => groups[g]!.includes(id))
}

function compareAssignments(groups: string[][], a: readonly string[], b: readonly string[]): number {
  for (let g = 0; g < groups.length; g++) {
    const diff = groups[g]!.indexOf(a[g]!) - groups[g]!.indexOf(b[g]!)
    if (diff !== 0) return diff
  }
  return 0
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id) => b.includes(id))
}

function iso(at: number): string {
  return Number.isFinite(at) ? new Date(at).toISOString() : String(at)
}
