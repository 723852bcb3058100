import fc from 'fast-check'
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import {
  AvailabilityInputError,
  availableSlots,
  intervalsOverlap,
  isSlotAvailable,
  occupiedRange,
  type AvailabilityInput,
  type DateOverride,
  type Hold,
  type Interval,
  type LocalRange,
  type ResourceCalendar,
  type SeatedEvent,
  type ServiceSpec,
  type Slot,
  type WeeklyRule,
} from './availability'
import { AppError } from '../errors'

// A salon in Berlin; Monday 2026-05-04 is an ordinary day (CEST, +02:00).
const ZONE = 'Europe/Berlin'
const MONDAY = '2026-05-04'
const TUESDAY = '2026-05-05'
const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** An instant from a wall-clock time: at('2026-05-04 10:00') in Berlin. */
function at(local: string, zone = ZONE): number {
  const dt = DateTime.fromISO(local.replace(' ', 'T'), { zone })
  if (!dt.isValid) throw new Error(`bad test time ${local}`)
  return dt.toMillis()
}

function span(from: string, to: string, zone = ZONE): Interval {
  return { start: at(from, zone), end: at(to, zone) }
}

function weekdays(start: string, end: string, days: WeeklyRule['weekday'][] = [1, 2, 3, 4, 5]): WeeklyRule[] {
  return days.map((weekday) => ({ weekday, start, end }))
}

function service(changes: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    durationMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 60,
    slotIntervalMinutes: 60,
    seats: 1,
    resourceGroups: [['alice']],
    ...changes,
  }
}

function resource(resourceId: string, changes: Partial<ResourceCalendar> = {}): ResourceCalendar {
  return { resourceId, timeZone: ZONE, weekly: weekdays('09:00', '17:00'), overrides: [], blocks: [], busy: [], ...changes }
}

interface Scenario {
  service?: Partial<ServiceSpec>
  resources?: ResourceCalendar[]
  closures?: Interval[]
  holds?: Hold[]
  seated?: SeatedEvent[]
  /** Local date (or 'from..to' dates, inclusive) to look at; Monday by default. */
  days?: string
  now?: string
  viewerTimeZone?: string
  onlyResourceId?: string
}

function input(s: Scenario = {}): AvailabilityInput {
  const [first, last] = (s.days ?? MONDAY).split('..')
  return {
    service: service(s.service),
    resources: s.resources ?? [resource('alice')],
    closures: s.closures ?? [],
    holds: s.holds ?? [],
    seated: s.seated,
    query: {
      from: at(`${first} 00:00`),
      to: DateTime.fromISO(last ?? first!, { zone: ZONE }).plus({ days: 1 }).toMillis(),
      now: at(s.now ?? '2026-05-01 08:00'),
      viewerTimeZone: s.viewerTimeZone ?? ZONE,
      onlyResourceId: s.onlyResourceId,
    },
  }
}

function slots(s: Scenario = {}): Slot[] {
  return availableSlots(input(s))
}

/** What the customer sees: the local start times. */
function times(s: Scenario = {}): string[] {
  return slots(s).map((slot) => slot.local.time)
}

const NINE_TO_FIVE = ['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00']

describe('availableSlots: working hours and the slot grid', () => {
  it('offers every whole hour that fits in 09:00–17:00, each a full hour long', () => {
    const result = slots()
    expect(result.map((s) => s.local.time)).toEqual(NINE_TO_FIVE)
    expect(result[0]).toEqual({
      start: at(`${MONDAY} 09:00`),
      end: at(`${MONDAY} 10:00`),
      resourceIds: ['alice'],
      seatsLeft: 1,
      local: { date: MONDAY, time: '09:00', offset: '+02:00' },
    })
    expect(result.every((s) => s.end - s.start === HOUR)).toBe(true)
  })

  it('steps by the slot interval from the window start, and the last appointment still ends by 17:00', () => {
    expect(times({ service: { slotIntervalMinutes: 30 } })).toEqual([
      '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30',
      '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00',
    ])
    expect(times({ service: { slotIntervalMinutes: 45, durationMinutes: 45 } })).toEqual([
      '09:00', '09:45', '10:30', '11:15', '12:00', '12:45', '13:30', '14:15', '15:00', '15:45',
    ])
    // A 90-minute treatment on an hourly grid: 16:00 would end at 17:30, after closing.
    expect(times({ service: { durationMinutes: 90 } })).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00'])
  })

  it('offers nothing on a day without weekly rules', () => {
    expect(slots({ days: '2026-05-09' })).toEqual([]) // Saturday
  })

  it('splits a day with several ranges, and an appointment never spans the lunch break', () => {
    const split = [resource('alice', { weekly: [...weekdays('09:00', '12:00'), ...weekdays('13:00', '17:00')] })]
    expect(times({ resources: split })).toEqual(['09:00', '10:00', '11:00', '13:00', '14:00', '15:00', '16:00'])
    expect(times({ resources: split, service: { durationMinutes: 90 } })).toEqual(['09:00', '10:00', '13:00', '14:00', '15:00'])
  })

  it('treats ranges of one day that touch or overlap as one stretch of work', () => {
    const touching = [resource('alice', { weekly: [...weekdays('09:00', '12:00'), ...weekdays('12:00', '14:00')] })]
    expect(times({ resources: touching, service: { durationMinutes: 120 } })).toEqual(['09:00', '10:00', '11:00', '12:00'])
    const overlapping = [resource('alice', { weekly: [...weekdays('09:00', '12:00'), ...weekdays('11:00', '14:00')] })]
    expect(times({ resources: overlapping, service: { durationMinutes: 120 } })).toEqual(['09:00', '10:00', '11:00', '12:00'])
  })

  it('lists the slots of a multi-day range in order, dated in the viewer zone', () => {
    const week = slots({ days: `${MONDAY}..2026-05-10` })
    expect(week).toHaveLength(5 * 8)
    expect([...new Set(week.map((s) => s.local.date))]).toEqual(['2026-05-04', '2026-05-05', '2026-05-06', '2026-05-07', '2026-05-08'])
    expect(week.map((s) => s.start)).toEqual([...week.map((s) => s.start)].sort((a, b) => a - b))
  })

  it('returns slots starting in [from, to), even if they end after `to`', () => {
    const result = availableSlots({ ...input(), query: { ...input().query, from: at(`${MONDAY} 10:30`), to: at(`${MONDAY} 12:00`) } })
    expect(result.map((s) => s.local.time)).toEqual(['11:00'])
    const withEnd = availableSlots({ ...input(), query: { ...input().query, from: at(`${MONDAY} 11:00`), to: at(`${MONDAY} 11:00`) + 1 } })
    expect(withEnd.map((s) => s.local.time)).toEqual(['11:00'])
  })

  it('labels the same instants in the viewer zone, without changing which slots exist', () => {
    const berlin = slots()
    const newYork = slots({ viewerTimeZone: 'America/New_York' })
    expect(newYork.map(({ local: _, ...rest }) => rest)).toEqual(berlin.map(({ local: _, ...rest }) => rest))
    expect(newYork[0]!.local).toEqual({ date: MONDAY, time: '03:00', offset: '-04:00' })
    expect(slots({ viewerTimeZone: 'Asia/Kolkata' })[0]!.local).toEqual({ date: MONDAY, time: '12:30', offset: '+05:30' })
  })

  it('reads each resource’s hours in its own zone', () => {
    const london = resource('lena', { timeZone: 'Europe/London' }) // 09:00 London = 10:00 Berlin
    const result = slots({ service: { resourceGroups: [['lena']] }, resources: [london] })
    expect(result.map((s) => s.local.time)).toEqual(['10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00', '17:00'])
  })
})

describe('availableSlots: date overrides', () => {
  it('closes a day when the override has no ranges', () => {
    expect(slots({ resources: [resource('alice', { overrides: [{ date: MONDAY, ranges: [] }] })] })).toEqual([])
    // Only that date: Tuesday keeps its weekly hours.
    expect(times({ days: TUESDAY, resources: [resource('alice', { overrides: [{ date: MONDAY, ranges: [] }] })] })).toEqual(NINE_TO_FIVE)
  })

  it('replaces the weekly hours with the override’s hours for that date', () => {
    const overrides: DateOverride[] = [{ date: MONDAY, ranges: [{ start: '12:00', end: '14:00' }, { start: '18:00', end: '20:00' }] }]
    expect(times({ resources: [resource('alice', { overrides })] })).toEqual(['12:00', '13:00', '18:00', '19:00'])
  })

  it('opens a day that has no weekly rules', () => {
    const overrides: DateOverride[] = [{ date: '2026-05-09', ranges: [{ start: '10:00', end: '12:00' }] }]
    expect(times({ days: '2026-05-09', resources: [resource('alice', { overrides })] })).toEqual(['10:00', '11:00'])
  })
})

describe('availableSlots: busy time, buffers, blocks, holds and closures', () => {
  const busyAt11 = [resource('alice', { busy: [span(`${MONDAY} 11:00`, `${MONDAY} 12:00`)] })]

  it('skips the hour of an existing appointment, and the slots touching it stay bookable', () => {
    expect(times({ resources: busyAt11 })).toEqual(['09:00', '10:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('needs the buffer before the appointment free as well', () => {
    // 12:00 with 15 minutes of preparation occupies 11:45–13:00, which runs into the 11:00 booking.
    expect(times({ resources: busyAt11, service: { bufferBeforeMinutes: 15 } })).toEqual(['09:00', '10:00', '13:00', '14:00', '15:00', '16:00'])
    expect(times({ resources: busyAt11, service: { bufferBeforeMinutes: 15, slotIntervalMinutes: 15 } })).toContain('12:15')
  })

  it('needs the buffer after the appointment free as well', () => {
    // 10:00 with 15 minutes of clean-up occupies 10:00–11:15.
    expect(times({ resources: busyAt11, service: { bufferAfterMinutes: 15 } })).toEqual(['09:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('lets buffers run outside working hours: only the appointment must fit', () => {
    expect(times({ service: { bufferBeforeMinutes: 30, bufferAfterMinutes: 30 } })).toEqual(NINE_TO_FIVE)
  })

  it('keeps the resource’s time off free', () => {
    const blocked = [resource('alice', { blocks: [span(`${MONDAY} 13:00`, `${MONDAY} 15:00`)] })]
    expect(times({ resources: blocked })).toEqual(['09:00', '10:00', '11:00', '12:00', '15:00', '16:00'])
  })

  it('respects another customer’s hold on that resource only', () => {
    const holds: Hold[] = [
      { ...span(`${MONDAY} 10:00`, `${MONDAY} 11:00`), resourceIds: ['alice'] },
      { ...span(`${MONDAY} 14:00`, `${MONDAY} 15:00`), resourceIds: ['bob'] },
    ]
    expect(times({ holds })).toEqual(['09:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('offers nothing during a tenant-wide closure', () => {
    expect(times({ closures: [span(`${MONDAY} 12:00`, `${MONDAY} 14:00`)] })).toEqual(['09:00', '10:00', '11:00', '14:00', '15:00', '16:00'])
    expect(slots({ closures: [span(`${MONDAY} 00:00`, `${TUESDAY} 00:00`)] })).toEqual([])
  })

  it('compares closures with the appointment, not its buffers (as with working hours)', () => {
    const closures = [span(`${MONDAY} 12:00`, `${MONDAY} 13:00`)]
    expect(times({ closures, service: { bufferBeforeMinutes: 30, bufferAfterMinutes: 30 } })).toEqual(['09:00', '10:00', '11:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('blocks both days for an event that crosses midnight', () => {
    // A night shift written as two rules: Monday 20:00–24:00 and Tuesday 00:00–04:00.
    const night = resource('alice', {
      weekly: [{ weekday: 1, start: '20:00', end: '24:00' }, { weekday: 2, start: '00:00', end: '04:00' }],
      busy: [span(`${MONDAY} 23:00`, `${TUESDAY} 01:00`)],
    })
    const result = slots({ days: `${MONDAY}..${TUESDAY}`, resources: [night] })
    expect(result.map((s) => `${s.local.date} ${s.local.time}`)).toEqual([
      '2026-05-04 20:00', '2026-05-04 21:00', '2026-05-04 22:00',
      '2026-05-05 01:00', '2026-05-05 02:00', '2026-05-05 03:00',
    ])
  })

  it('does not join a window ending 24:00 with the next day’s 00:00 window: no appointment straddles two dates', () => {
    const night = resource('alice', { weekly: [{ weekday: 1, start: '20:00', end: '24:00' }, { weekday: 2, start: '00:00', end: '04:00' }] })
    const result = slots({ days: `${MONDAY}..${TUESDAY}`, resources: [night], service: { durationMinutes: 90 } })
    expect(result.map((s) => `${s.local.date} ${s.local.time}`)).toEqual([
      '2026-05-04 20:00', '2026-05-04 21:00', '2026-05-04 22:00', // 23:00 would end 00:30 Tuesday
      '2026-05-05 00:00', '2026-05-05 01:00', '2026-05-05 02:00',
    ])
  })
})

describe('availableSlots: notice and horizon', () => {
  it('keeps the minimum notice, counting exactly', () => {
    expect(times({ now: `${MONDAY} 10:20`, service: { minNoticeMinutes: 60 } })).toEqual(['12:00', '13:00', '14:00', '15:00', '16:00'])
    expect(times({ now: `${MONDAY} 10:00`, service: { minNoticeMinutes: 60 } })[0]).toBe('11:00')
  })

  it('never offers a slot that has already started', () => {
    expect(times({ now: `${MONDAY} 09:01` })[0]).toBe('10:00')
  })

  it('stops at the booking horizon (24-hour days from now, exclusive)', () => {
    const result = slots({ now: `${MONDAY} 12:00`, days: `${MONDAY}..2026-05-06`, service: { horizonDays: 1 } })
    expect(result.map((s) => `${s.local.date} ${s.local.time}`)).toEqual([
      '2026-05-04 12:00', '2026-05-04 13:00', '2026-05-04 14:00', '2026-05-04 15:00', '2026-05-04 16:00',
      '2026-05-05 09:00', '2026-05-05 10:00', '2026-05-05 11:00',
    ])
  })
})

describe('availableSlots: choosing resources', () => {
  const team = [resource('alice'), resource('bob')]

  it('offers one slot per start, with the first free resource in group order', () => {
    const result = slots({ service: { resourceGroups: [['alice', 'bob']] }, resources: team })
    expect(result.map((s) => s.resourceIds)).toEqual(NINE_TO_FIVE.map(() => ['alice']))
  })

  it('falls back to the next resource when the first is busy', () => {
    const busyAlice = [resource('alice', { busy: [span(`${MONDAY} 10:00`, `${MONDAY} 11:00`)] }), resource('bob')]
    const result = slots({ service: { resourceGroups: [['alice', 'bob']] }, resources: busyAlice })
    expect(result.find((s) => s.local.time === '10:00')?.resourceIds).toEqual(['bob'])
    expect(result.find((s) => s.local.time === '11:00')?.resourceIds).toEqual(['alice'])
  })

  it('combines resources’ hours in one group: the customer sees any start someone can take', () => {
    const early = resource('alice', { weekly: weekdays('08:00', '12:00') })
    const late = resource('bob', { weekly: weekdays('14:00', '18:00') })
    const result = slots({ service: { resourceGroups: [['alice', 'bob']] }, resources: [early, late] })
    expect(result.map((s) => `${s.local.time} ${s.resourceIds[0]}`)).toEqual([
      '08:00 alice', '09:00 alice', '10:00 alice', '11:00 alice', '14:00 bob', '15:00 bob', '16:00 bob', '17:00 bob',
    ])
  })

  it('never offers a resource that has no calendar (a deactivated one), and still offers the others', () => {
    expect(slots({ service: { resourceGroups: [['zoe', 'alice']] } }).map((s) => s.resourceIds)).toEqual(NINE_TO_FIVE.map(() => ['alice']))
    expect(slots({ service: { resourceGroups: [['zoe']] } })).toEqual([])
  })

  it('shows only the chosen resource’s slots when the customer picked one', () => {
    const busyAlice = [resource('alice', { busy: [span(`${MONDAY} 10:00`, `${MONDAY} 11:00`)] }), resource('bob', { weekly: weekdays('09:00', '12:00') })]
    const base = { service: { resourceGroups: [['alice', 'bob']] }, resources: busyAlice }
    expect(slots({ ...base, onlyResourceId: 'alice' }).map((s) => s.local.time)).toEqual(['09:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
    const withBob = slots({ ...base, onlyResourceId: 'bob' })
    expect(withBob.map((s) => s.local.time)).toEqual(['09:00', '10:00', '11:00'])
    expect(withBob.every((s) => s.resourceIds[0] === 'bob')).toBe(true)
  })

  describe('bundles (a stylist AND a chair)', () => {
    const bundle = { resourceGroups: [['ann', 'bea'], ['chair1', 'chair2']] }
    const salon = (changes: Record<string, Partial<ResourceCalendar>> = {}) =>
      ['ann', 'bea', 'chair1', 'chair2'].map((id) => resource(id, changes[id]))

    it('takes one free resource from each group, in group order', () => {
      expect(slots({ service: bundle, resources: salon() })[0]!.resourceIds).toEqual(['ann', 'chair1'])
    })

    it('needs every part free: a busy stylist is swapped, no free chair means no slot', () => {
      const result = slots({
        service: bundle,
        resources: salon({
          ann: { busy: [span(`${MONDAY} 09:00`, `${MONDAY} 10:00`)] },
          chair1: { busy: [span(`${MONDAY} 10:00`, `${MONDAY} 12:00`)] },
          chair2: { busy: [span(`${MONDAY} 11:00`, `${MONDAY} 12:00`)] },
        }),
      })
      expect(result.slice(0, 3).map((s) => `${s.local.time} ${s.resourceIds.join('+')}`)).toEqual([
        '09:00 bea+chair1', '10:00 ann+chair2', '12:00 ann+chair1',
      ])
    })

    it('is only open while every part works', () => {
      const result = slots({ service: bundle, resources: salon({ chair1: { weekly: weekdays('12:00', '17:00') }, chair2: { weekly: weekdays('12:00', '17:00') } }) })
      expect(result.map((s) => s.local.time)).toEqual(['12:00', '13:00', '14:00', '15:00', '16:00'])
    })

    it('never uses one resource twice, even when it belongs to two groups', () => {
      // A four-hands massage: two therapists from the same team.
      const pair = { resourceGroups: [['ann', 'bea'], ['ann', 'bea']] }
      expect(slots({ service: pair, resources: salon() })[0]!.resourceIds).toEqual(['ann', 'bea'])
      expect(slots({ service: pair, resources: salon({ bea: { weekly: [] } }) })).toEqual([])
      // Greedy would give ann to the first group and get stuck; the search backs up instead.
      expect(slots({ service: { resourceGroups: [['ann', 'bea'], ['ann']] }, resources: salon() })[0]!.resourceIds).toEqual(['bea', 'ann'])
    })

    it('puts the picked resource in the bundle', () => {
      const result = slots({ service: bundle, resources: salon(), onlyResourceId: 'chair2' })
      expect(result).toHaveLength(8)
      expect(result.every((s) => s.resourceIds.join('+') === 'ann+chair2')).toBe(true)
    })
  })
})

describe('availableSlots: group sessions (seats)', () => {
  const yoga = { seats: 6, resourceGroups: [['studio']], bufferBeforeMinutes: 15, bufferAfterMinutes: 15 }
  const session = (seatsTaken: number, time = '10:00'): SeatedEvent => ({
    start: at(`${MONDAY} ${time}`), end: at(`${MONDAY} ${time}`) + HOUR, resourceIds: ['studio'], seatsTaken,
  })
  // The session's own booking is on the calendar, buffers included, as stored.
  const studio = (time = '10:00') => resource('studio', { busy: [occupiedRange(at(`${MONDAY} ${time}`), { durationMinutes: 60, ...yoga })] })

  it('offers a new session with every seat free', () => {
    expect(slots({ service: yoga, resources: [resource('studio')] }).map((s) => s.seatsLeft)).toEqual(NINE_TO_FIVE.map(() => 6))
  })

  it('lets a customer join a session that has room, although its resources are busy', () => {
    const result = slots({ service: yoga, resources: [studio()], seated: [session(4)] })
    expect(result.find((s) => s.local.time === '10:00')).toMatchObject({ resourceIds: ['studio'], seatsLeft: 2 })
    // The session's buffers still keep the neighbouring hours from starting another session.
    expect(result.map((s) => s.local.time)).toEqual(['10:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('does not offer a full session', () => {
    expect(times({ service: yoga, resources: [studio()], seated: [session(6)] })).toEqual(['12:00', '13:00', '14:00', '15:00', '16:00'])
  })

  it('does not let a session be joined when something else now overlaps it', () => {
    const clash = resource('studio', { busy: [studio().busy[0]!], blocks: [span(`${MONDAY} 10:30`, `${MONDAY} 11:00`)] })
    expect(times({ service: yoga, resources: [clash], seated: [session(1)] })).not.toContain('10:00')
  })

  it('offers a session that started off the grid, for joining', () => {
    const result = slots({ service: yoga, resources: [studio('13:15')], seated: [session(2, '13:15')] })
    expect(result.find((s) => s.local.time === '13:15')).toMatchObject({ seatsLeft: 4 })
  })

  it('offers an off-grid session start only for joining, never for a new session there', () => {
    const rooms = { ...yoga, resourceGroups: [['studio', 'hall']] }
    const scenario = { service: rooms, resources: [studio('13:15'), resource('hall')], seated: [session(6, '13:15')] }
    expect(times(scenario)).not.toContain('13:15')
    const { query, ...rest } = input(scenario)
    const book = (resourceIds: string[]) => isSlotAvailable({ ...rest, now: query.now, start: at(`${MONDAY} 13:15`), resourceIds })
    expect(book(['hall'])).toBe(false)
    expect(book(['studio'])).toBe(false) // full
  })

  it('recognises a session whatever order its resources are stored in', () => {
    const withCoach = { ...yoga, resourceGroups: [['studio'], ['coach']] }
    const busy = [occupiedRange(at(`${MONDAY} 10:00`), { durationMinutes: 60, ...yoga })]
    const stored = { ...session(1), resourceIds: ['coach', 'studio'] } // e.g. sorted by id in SQL
    const result = slots({ service: withCoach, resources: [resource('studio', { busy }), resource('coach', { busy })], seated: [stored] })
    expect(result.find((s) => s.local.time === '10:00')).toMatchObject({ resourceIds: ['studio', 'coach'], seatsLeft: 5 })
  })

  it('opens a second session on another resource when the first is full', () => {
    const rooms = { ...yoga, resourceGroups: [['studio', 'hall']] }
    const result = slots({ service: rooms, resources: [studio(), resource('hall')], seated: [session(6)] })
    expect(result.find((s) => s.local.time === '10:00')).toMatchObject({ resourceIds: ['hall'], seatsLeft: 6 })
  })

  it('prefers joining a session to opening another one', () => {
    const rooms = { ...yoga, resourceGroups: [['hall', 'studio']] }
    const result = slots({ service: rooms, resources: [studio(), resource('hall')], seated: [session(3)] })
    expect(result.find((s) => s.local.time === '10:00')).toMatchObject({ resourceIds: ['studio'], seatsLeft: 3 })
  })

  it('ignores seated events for a private service', () => {
    expect(times({ resources: [studio()], seated: [session(0)], service: { resourceGroups: [['studio']], bufferBeforeMinutes: 15, bufferAfterMinutes: 15 } }))
      .toEqual(['12:00', '13:00', '14:00', '15:00', '16:00'])
  })
})

describe('isSlotAvailable', () => {
  const team = { resourceGroups: [['alice', 'bob']] }
  const base = (changes: Partial<Scenario> = {}) => {
    const { query, ...rest } = input({ service: team, resources: [resource('alice'), resource('bob')], ...changes })
    return { ...rest, now: query.now }
  }

  it('accepts an offered slot, and the same start with another free resource', () => {
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:00`), resourceIds: ['alice'] })).toBe(true)
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:00`), resourceIds: ['bob'] })).toBe(true)
  })

  it('refuses a slot taken in the meantime, off the grid, outside hours or too soon', () => {
    const taken = base({ resources: [resource('alice', { busy: [span(`${MONDAY} 10:00`, `${MONDAY} 11:00`)] }), resource('bob')] })
    expect(isSlotAvailable({ ...taken, start: at(`${MONDAY} 10:00`), resourceIds: ['alice'] })).toBe(false)
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:30`), resourceIds: ['alice'] })).toBe(false)
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 17:00`), resourceIds: ['alice'] })).toBe(false)
    expect(isSlotAvailable({ ...base(), now: at(`${MONDAY} 10:01`), start: at(`${MONDAY} 10:00`), resourceIds: ['alice'] })).toBe(false)
  })

  it('refuses resources that do not fit the service’s groups', () => {
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:00`), resourceIds: ['carol'] })).toBe(false)
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:00`), resourceIds: ['alice', 'bob'] })).toBe(false)
    expect(isSlotAvailable({ ...base(), start: at(`${MONDAY} 10:00`), resourceIds: [] })).toBe(false)
  })

  it('accepts joining a session with room and refuses a full one', () => {
    const yoga = { seats: 3, resourceGroups: [['studio']] }
    const room = resource('studio', { busy: [span(`${MONDAY} 10:00`, `${MONDAY} 11:00`)] })
    const seated = (seatsTaken: number): SeatedEvent[] => [{ ...span(`${MONDAY} 10:00`, `${MONDAY} 11:00`), resourceIds: ['studio'], seatsTaken }]
    const check = (seatsTaken: number) => {
      const { query, ...rest } = input({ service: yoga, resources: [room], seated: seated(seatsTaken) })
      return isSlotAvailable({ ...rest, now: query.now, start: at(`${MONDAY} 10:00`), resourceIds: ['studio'] })
    }
    expect(check(2)).toBe(true)
    expect(check(3)).toBe(false)
  })
})

describe('occupiedRange and intervalsOverlap', () => {
  it('adds the buffers around the appointment', () => {
    const start = at(`${MONDAY} 10:00`)
    expect(occupiedRange(start, { durationMinutes: 45, bufferBeforeMinutes: 10, bufferAfterMinutes: 5 })).toEqual({
      start: start - 10 * MINUTE,
      end: start + 50 * MINUTE,
    })
  })

  it('treats intervals as half-open: back-to-back does not overlap', () => {
    expect(intervalsOverlap({ start: 0, end: 10 }, { start: 10, end: 20 })).toBe(false)
    expect(intervalsOverlap({ start: 0, end: 11 }, { start: 10, end: 20 })).toBe(true)
    expect(intervalsOverlap({ start: 0, end: 30 }, { start: 10, end: 20 })).toBe(true)
    expect(intervalsOverlap({ start: 12, end: 13 }, { start: 10, end: 20 })).toBe(true)
  })
})

describe('bad input', () => {
  const cases: Array<[string, (i: AvailabilityInput) => void, RegExp]> = [
    ['an unknown resource time zone', (i) => { i.resources[0]!.timeZone = 'Europe/Atlantis' }, /Resource "alice" timeZone "Europe\/Atlantis" is not a known IANA time zone/],
    ['an unknown viewer time zone', (i) => { i.query.viewerTimeZone = 'CEST' }, /query.viewerTimeZone "CEST" is not a known IANA time zone/],
    ['a range that ends before it starts', (i) => { i.resources[0]!.weekly = [{ weekday: 1, start: '22:00', end: '02:00' }] }, /ends \(02:00\) at or before it starts \(22:00\).*overnight shift as two ranges/],
    ['an empty range', (i) => { i.resources[0]!.weekly = [{ weekday: 1, start: '09:00', end: '09:00' }] }, /at or before it starts/],
    ['a malformed time', (i) => { i.resources[0]!.weekly = [{ weekday: 1, start: '9:00', end: '17:00' }] }, /weekly\[0\].start must be a 24-hour time 'HH:MM', got "9:00"/],
    ['24:00 as a start', (i) => { i.resources[0]!.overrides = [{ date: MONDAY, ranges: [{ start: '24:00', end: '24:00' }] }] }, /overrides\[0\].ranges\[0\].start must be a 24-hour time/],
    ['a time past midnight', (i) => { i.resources[0]!.weekly = [{ weekday: 1, start: '09:00', end: '24:30' }] }, /end must be a 24-hour time 'HH:MM' \(or '24:00'\)/],
    ['a weekday out of range', (i) => { i.resources[0]!.weekly = [{ weekday: 0 as 1, start: '09:00', end: '17:00' }] }, /weekday must be an ISO weekday 1 \(Monday\) to 7 \(Sunday\)/],
    ['a malformed override date', (i) => { i.resources[0]!.overrides = [{ date: '2026-02-30', ranges: [] }] }, /overrides\[0\].date must be a calendar date 'YYYY-MM-DD'/],
    ['two overrides for one date', (i) => { i.resources[0]!.overrides = [{ date: MONDAY, ranges: [] }, { date: MONDAY, ranges: [] }] }, /already an override for 2026-05-04/],
    ['from after to', (i) => { i.query.from = i.query.to }, /query.from must be before query.to/],
    ['a range longer than 62 days', (i) => { i.query.to = i.query.from + 63 * 24 * HOUR }, /longer than 62 days/],
    ['a zero duration', (i) => { i.service.durationMinutes = 0 }, /service.durationMinutes must be a whole number > 0, got 0/],
    ['a negative slot interval', (i) => { i.service.slotIntervalMinutes = -15 }, /service.slotIntervalMinutes must be a whole number > 0/],
    ['a negative buffer', (i) => { i.service.bufferAfterMinutes = -5 }, /service.bufferAfterMinutes must be a whole number >= 0/],
    ['no seats', (i) => { i.service.seats = 0 }, /service.seats must be a whole number > 0/],
    ['no resource groups', (i) => { i.service.resourceGroups = [] }, /resourceGroups must hold at least one group/],
    ['a group without resources', (i) => { i.service.resourceGroups = [['alice'], []] }, /every group at least one resource id/],
    ['a resource given twice', (i) => { i.resources.push(resource('alice')) }, /Resource "alice" is given twice/],
    ['a busy interval that ends before it starts', (i) => { i.resources[0]!.busy = [{ start: 10, end: 5 }] }, /Resource "alice" busy\[0\] ends at or before it starts/],
    ['a closure that ends before it starts', (i) => { i.closures = [{ start: 10, end: 10 }] }, /closures\[0\] ends at or before it starts/],
    ['a hold with a bad instant', (i) => { i.holds = [{ start: Number.NaN, end: 5, resourceIds: ['alice'] }] }, /holds\[0\].start must be an instant in epoch milliseconds/],
    ['an unknown picked resource', (i) => { i.query.onlyResourceId = 'zoe' }, /onlyResourceId "zoe" is not in any of the service's resource groups/],
  ]

  it.each(cases)('rejects %s with a message saying what to fix', (_, spoil, message) => {
    const bad = input()
    spoil(bad)
    expect(() => availableSlots(bad)).toThrow(AvailabilityInputError)
    expect(() => availableSlots(bad)).toThrow(message)
  })

  it('is an AppError (400) so the API answers with a JSON error, not a 500', () => {
    const bad = input()
    bad.service.durationMinutes = 0
    try {
      availableSlots(bad)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(AppError)
      expect(error).toMatchObject({ status: 400, code: 'invalid_availability_input', name: 'AvailabilityInputError' })
    }
  })

  it('checks the booking path’s input the same way', () => {
    const { query, ...rest } = input()
    expect(() => isSlotAvailable({ ...rest, now: query.now, start: Number.NaN, resourceIds: ['alice'] })).toThrow(/start must be an instant/)
    expect(() => isSlotAvailable({ ...rest, service: service({ slotIntervalMinutes: 0 }), now: query.now, start: at(`${MONDAY} 10:00`), resourceIds: ['alice'] }))
      .toThrow(AvailabilityInputError)
  })
})

describe('a busy month: 30 days × 20 resources × 2,000 busy events', () => {
  // Brute force beside the engine's sorted lookups: same answer, and a printed timing (not asserted;
  // timing belongs to benchmarks, correctness to tests).
  const zone = 'Europe/London' // the range crosses the 29 March clock change
  const from = DateTime.fromISO('2026-03-02', { zone }).toMillis()
  const to = DateTime.fromISO('2026-04-01', { zone }).toMillis()
  const ids = Array.from({ length: 20 }, (_, i) => `r${i}`)
  let seed = 7
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647
  const resources = ids.map((id) => resource(id, {
    timeZone: zone,
    weekly: weekdays('08:00', '20:00', [1, 2, 3, 4, 5, 6]),
    busy: Array.from({ length: 100 }, () => {
      const start = from + Math.floor(random() * ((to - from) / (5 * MINUTE))) * 5 * MINUTE
      return { start, end: start + (20 + Math.floor(random() * 100)) * MINUTE }
    }),
  }))
  const big: AvailabilityInput = {
    service: service({ durationMinutes: 45, bufferBeforeMinutes: 10, bufferAfterMinutes: 5, minNoticeMinutes: 60, horizonDays: 90, slotIntervalMinutes: 15, resourceGroups: [ids] }),
    resources,
    closures: [],
    holds: [],
    query: { from, to, now: from - 24 * HOUR, viewerTimeZone: 'America/New_York' },
  }

  it('finds exactly the slots a scan of every busy event finds', () => {
    const expected: Array<{ start: number; resourceIds: string[] }> = []
    for (let date = DateTime.fromMillis(from, { zone }); date.toMillis() < to; date = date.plus({ days: 1 })) {
      if (date.weekday === 7) continue
      for (let minute = 8 * 60; minute + 45 <= 20 * 60; minute += 15) {
        const start = date.set({ hour: Math.floor(minute / 60), minute: minute % 60 }).toMillis()
        const occupied = occupiedRange(start, big.service)
        const free = resources.find((r) => r.busy.every((b) => !intervalsOverlap(b, occupied)))
        if (free) expected.push({ start, resourceIds: [free.resourceId] })
      }
    }
    const actual = availableSlots(big).map(({ start, resourceIds }) => ({ start, resourceIds }))
    expect(actual).toEqual(expected)
    expect(actual.length).toBeGreaterThan(1000)

    const times: number[] = []
    for (let run = 0; run < 25; run++) {
      const began = performance.now()
      availableSlots(big)
      if (run >= 5) times.push(performance.now() - began) // first runs warm the JIT
    }
    times.sort((a, b) => a - b)
    console.log(`availableSlots, 30 days × 20 resources × 2,000 busy: median ${times[10]!.toFixed(1)} ms of 20 runs (min ${times[0]!.toFixed(1)}, max ${times[19]!.toFixed(1)})`)
  })
})

// ---------------------------------------------------------------------------------------------
// Properties over random calendars, services and busy time.

const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata', 'Pacific/Chatham', 'Australia/Lord_Howe']
// Start dates near every clock change of 2026 in those zones, and an ordinary one.
const START_DATES = ['2026-03-06', '2026-03-27', '2026-04-03', '2026-06-10', '2026-10-02', '2026-10-23', '2026-10-30']
const IDS = ['r0', 'r1', 'r2', 'r3']

const wallTime = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`
const localRange = fc
  .tuple(fc.integer({ min: 0, max: 95 }), fc.integer({ min: 1, max: 48 }))
  .map(([start, length]): LocalRange => ({ start: wallTime(start * 15), end: wallTime(Math.min(96, start + length) * 15) }))
  .filter((r) => r.start !== r.end)

interface World { input: AvailabilityInput; days: number }

const world: fc.Arbitrary<World> = fc
  .record({
    startDate: fc.constantFrom(...START_DATES),
    days: fc.integer({ min: 1, max: 4 }),
    service: fc.record({
      durationMinutes: fc.constantFrom(15, 30, 45, 60, 90, 120),
      bufferBeforeMinutes: fc.constantFrom(0, 5, 15, 30),
      bufferAfterMinutes: fc.constantFrom(0, 10, 15),
      minNoticeMinutes: fc.constantFrom(0, 30, 240, 1440),
      horizonDays: fc.integer({ min: 2, max: 8 }),
      slotIntervalMinutes: fc.constantFrom(15, 20, 30, 45, 60),
      seats: fc.constant(1),
      resourceGroups: fc.array(fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
    }),
    calendars: fc.tuple(...IDS.map(() => fc.record({
      timeZone: fc.constantFrom(...ZONES),
      weekly: fc.array(fc.tuple(fc.integer({ min: 1, max: 7 }), localRange), { minLength: 2, maxLength: 14 }),
      overrides: fc.array(fc.tuple(fc.integer({ min: -1, max: 5 }), fc.array(localRange, { maxLength: 2 })), { maxLength: 2 }),
      busy: fc.array(fc.tuple(fc.integer({ min: -300, max: 1500 }), fc.integer({ min: 1, max: 60 })), { maxLength: 12 }),
      blocks: fc.array(fc.tuple(fc.integer({ min: -300, max: 1500 }), fc.integer({ min: 1, max: 200 })), { maxLength: 2 }),
    }))),
    closures: fc.array(fc.tuple(fc.integer({ min: -300, max: 1500 }), fc.integer({ min: 1, max: 150 })), { maxLength: 2 }),
    holds: fc.array(fc.tuple(fc.integer({ min: -300, max: 1500 }), fc.integer({ min: 1, max: 24 }), fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 2 })), { maxLength: 4 }),
    nowOffsetMinutes: fc.integer({ min: -1500, max: 600 }),
  })
  .map(({ startDate, days, service, calendars, closures, holds, nowOffsetMinutes }) => {
    const from = DateTime.fromISO(startDate, { zone: 'UTC' }).toMillis()
    // Random intervals are (start, length) in 5-minute units from `from`.
    const interval = ([start, length]: [number, number]): Interval => ({ start: from + start * 5 * MINUTE, end: from + (start + length) * 5 * MINUTE })
    const resources: ResourceCalendar[] = calendars.map((c, i) => ({
      resourceId: IDS[i]!,
      timeZone: c.timeZone,
      weekly: c.weekly.map(([weekday, range]) => ({ weekday: weekday as WeeklyRule['weekday'], ...range })),
      overrides: dedupeBy(c.overrides.map(([day, ranges]) => ({ date: DateTime.fromISO(startDate).plus({ days: day }).toISODate()!, ranges })), (o) => o.date),
      busy: c.busy.map(interval),
      blocks: c.blocks.map(interval),
    }))
    return {
      days,
      input: {
        service,
        resources,
        closures: closures.map(interval),
        holds: holds.map(([start, length, ids]) => ({ ...interval([start, length]), resourceIds: ids })),
        query: { from, to: from + days * 24 * HOUR, now: from + nowOffsetMinutes * MINUTE, viewerTimeZone: 'UTC' },
      },
    }
  })

function dedupeBy<T>(list: T[], key: (t: T) => string): T[] {
  const seen = new Set<string>()
  return list.filter((t) => !seen.has(key(t)) && !!seen.add(key(t)))
}

/** Test oracle for a window edge: the first instant the clock shows this wall time, or when it jumps past it. */
function clockFirstShows(zone: string, date: string, hhmm: string): number {
  if (hhmm === '24:00') return clockFirstShows(zone, DateTime.fromISO(date).plus({ days: 1 }).toISODate()!, '00:00')
  const dt = DateTime.fromISO(`${date}T${hhmm}`, { zone })
  if (dt.toISODate() === date && dt.toFormat('HH:mm') === hhmm) return Math.min(...dt.getPossibleOffsets().map((d) => d.toMillis()))
  // Skipped by a jump: binary-search the instant the new offset begins (the jump is within the last few hours).
  let lo = dt.toMillis() - 3 * HOUR
  let hi = dt.toMillis()
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2)
    if (DateTime.fromMillis(mid, { zone }).offset === dt.offset) hi = mid
    else lo = mid
  }
  return hi
}

/** The resource's working stretches on the local date of `instant`, as instants, by the oracle above. */
function workingStretches(calendar: ResourceCalendar, date: string): Interval[] {
  const weekday = DateTime.fromISO(date).weekday
  const override = calendar.overrides.find((o) => o.date === date)
  const ranges = (override ? override.ranges : calendar.weekly.filter((w) => w.weekday === weekday))
    .map((r) => [r.start, r.end] as const)
    .sort((a, b) => a[0].localeCompare(b[0]))
  const merged: Array<[string, string]> = []
  for (const [start, end] of ranges) {
    const last = merged[merged.length - 1]
    if (last && start <= last[1]) last[1] = end > last[1] ? end : last[1]
    else merged.push([start, end])
  }
  return merged.map(([start, end]) => ({ start: clockFirstShows(calendar.timeZone, date, start), end: clockFirstShows(calendar.timeZone, date, end) }))
}

function withoutLabels(list: Slot[]) {
  return list.map(({ local: _, ...rest }) => rest)
}

function checkInput(i: AvailabilityInput) {
  return { service: i.service, resources: i.resources, closures: i.closures, holds: i.holds, seated: i.seated, now: i.query.now }
}

function assignments(groups: string[][]): string[][] {
  return groups.reduce<string[][]>((acc, group) => acc.flatMap((partial) => group.filter((id) => !partial.includes(id)).map((id) => [...partial, id])), [[]])
}

describe('availableSlots: properties over random calendars', () => {
  it('never books over busy time, blocks, holds or closures, and keeps notice, horizon, range and groups', () => {
    fc.assert(
      fc.property(world, ({ input: i }) => {
        const result = availableSlots(i)
        const { service: s, query: q } = i
        for (const slot of result) {
          expect(slot.end - slot.start).toBe(s.durationMinutes * MINUTE)
          expect(slot.start >= q.from && slot.start < q.to).toBe(true)
          expect(slot.start >= q.now + s.minNoticeMinutes * MINUTE).toBe(true)
          expect(slot.start < q.now + s.horizonDays * 24 * HOUR).toBe(true)
          expect(slot.resourceIds).toHaveLength(s.resourceGroups.length)
          expect(new Set(slot.resourceIds).size).toBe(slot.resourceIds.length)
          slot.resourceIds.forEach((id, g) => expect(s.resourceGroups[g]).toContain(id))
          const occupied = occupiedRange(slot.start, s)
          for (const id of slot.resourceIds) {
            const calendar = i.resources.find((r) => r.resourceId === id)!
            const taken = [...calendar.busy, ...calendar.blocks, ...i.holds.filter((h) => h.resourceIds.includes(id))]
            expect(taken.filter((t) => intervalsOverlap(t, occupied))).toEqual([])
          }
          expect(i.closures.filter((c) => intervalsOverlap(c, slot))).toEqual([])
        }
        const starts = result.map((slot) => slot.start)
        expect(new Set(starts).size).toBe(starts.length)
        expect(starts).toEqual([...starts].sort((a, b) => a - b))
      }),
      { numRuns: 300 },
    )
  })

  it('keeps every appointment inside its resources’ working hours, read back in each resource’s zone', () => {
    fc.assert(
      fc.property(world, ({ input: i }) => {
        for (const slot of availableSlots(i)) {
          for (const id of slot.resourceIds) {
            const calendar = i.resources.find((r) => r.resourceId === id)!
            const date = DateTime.fromMillis(slot.start, { zone: calendar.timeZone }).toISODate()!
            expect(DateTime.fromMillis(slot.end - 1, { zone: calendar.timeZone }).toISODate()).toBe(date)
            const inside = workingStretches(calendar, date).some((w) => w.start <= slot.start && slot.end <= w.end)
            expect(inside, `${id} at ${DateTime.fromMillis(slot.start, { zone: calendar.timeZone }).toISO()}`).toBe(true)
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('gives the same slots whatever the viewer’s zone', () => {
    fc.assert(
      fc.property(world, ({ input: i }) => {
        const inZone = (viewerTimeZone: string) => availableSlots({ ...i, query: { ...i.query, viewerTimeZone } })
        const utc = inZone('UTC')
        for (const zone of ['America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
          const other = inZone(zone)
          expect(withoutLabels(other)).toEqual(withoutLabels(utc))
          other.forEach((slot) => expect(DateTime.fromISO(`${slot.local.date}T${slot.local.time}${slot.local.offset}`).toMillis()).toBe(slot.start))
        }
      }),
      { numRuns: 150 },
    )
  })

  it('agrees with isSlotAvailable: offered slots are bookable, starts not offered are not bookable with any resources', () => {
    fc.assert(
      fc.property(world, fc.array(fc.integer({ min: 0, max: 4 * 24 * 12 - 1 }), { minLength: 5, maxLength: 15 }), ({ input: i, days }, probes) => {
        const result = availableSlots(i)
        const offered = new Map(result.map((slot) => [slot.start, slot]))
        const check = checkInput(i)
        const step = i.service.slotIntervalMinutes * MINUTE
        for (const slot of result) {
          expect(isSlotAvailable({ ...check, start: slot.start, resourceIds: slot.resourceIds })).toBe(true)
        }
        // Neighbours on the grid, and random 5-minute instants, that were not offered.
        const others = [
          ...result.flatMap((slot) => [slot.start - step, slot.start + step]),
          ...probes.map((n) => i.query.from + (n % (days * 24 * 12)) * 5 * MINUTE),
        ].filter((start) => start >= i.query.from && start < i.query.to && !offered.has(start))
        const everyChoice = assignments(i.service.resourceGroups)
        for (const start of others) {
          for (const resourceIds of everyChoice) expect(isSlotAvailable({ ...check, start, resourceIds })).toBe(false)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('with a picked resource, offers a subset of the starts, always with that resource, all bookable', () => {
    fc.assert(
      fc.property(world, fc.constantFrom(...IDS), ({ input: i }, picked) => {
        fc.pre(i.service.resourceGroups.some((g) => g.includes(picked)))
        const all = new Set(availableSlots(i).map((slot) => slot.start))
        for (const slot of availableSlots({ ...i, query: { ...i.query, onlyResourceId: picked } })) {
          expect(slot.resourceIds).toContain(picked)
          expect(all.has(slot.start)).toBe(true)
          expect(isSlotAvailable({ ...checkInput(i), start: slot.start, resourceIds: slot.resourceIds })).toBe(true)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('for group sessions, only a session with room is joined, and nothing else it overlaps is ignored', () => {
    const sessions = world.chain((w) => fc.record({
      w: fc.constant(w),
      seats: fc.integer({ min: 2, max: 5 }),
      picks: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 5 })), { maxLength: 4 }),
    }))
    fc.assert(
      fc.property(sessions, ({ w, seats, picks }) => {
        const service = { ...w.input.service, seats }
        // Sessions placed on offered slots, their bookings added to busy as stored.
        const plain = availableSlots({ ...w.input, service })
        fc.pre(plain.length > 0)
        const seated = dedupeBy(picks.map(([n, taken]) => {
          const slot = plain[n % plain.length]!
          return { start: slot.start, end: slot.end, resourceIds: slot.resourceIds, seatsTaken: taken }
        }), (s) => String(s.start))
        const resources = w.input.resources.map((r) => ({
          ...r,
          busy: [...r.busy, ...seated.filter((s) => s.resourceIds.includes(r.resourceId)).map((s) => occupiedRange(s.start, service))],
        }))
        const result = availableSlots({ ...w.input, service, resources, seated })
        for (const slot of result) {
          const session = seated.find((s) => s.start === slot.start && s.resourceIds.join() === slot.resourceIds.join())
          if (session) expect(slot.seatsLeft).toBe(seats - session.seatsTaken)
          else expect(slot.seatsLeft).toBe(seats)
          const own = session ? occupiedRange(session.start, service) : undefined
          for (const id of slot.resourceIds) {
            const busy = resources.find((r) => r.resourceId === id)!.busy
            const clashes = busy.filter((b) => intervalsOverlap(b, occupiedRange(slot.start, service)) && !(own && b.start === own.start && b.end === own.end))
            expect(clashes).toEqual([])
          }
        }
        for (const session of seated) {
          const offered = result.find((slot) => slot.start === session.start)
          const own = occupiedRange(session.start, service)
          const crowded = seated.some((other) => other !== session && other.resourceIds.some((id) => session.resourceIds.includes(id))
            && intervalsOverlap(occupiedRange(other.start, service), own))
          if (session.seatsTaken < seats && !crowded) expect(offered).toMatchObject({ resourceIds: session.resourceIds, seatsLeft: seats - session.seatsTaken })
          else if (offered) expect(offered.resourceIds).not.toEqual(session.resourceIds)
        }
      }),
      { numRuns: 150 },
    )
  })
})
