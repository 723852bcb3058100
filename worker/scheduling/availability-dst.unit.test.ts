// Clock changes: the slots a person expects on the days the clocks go forward or back.
// The rule (see availability.ts): slots follow the wall clock; a time the clock skips has no slot,
// a time it shows twice has two; appointments last real minutes.
import { DateTime } from 'luxon'
import { describe, expect, it } from 'vitest'
import { availableSlots, type LocalRange, type ServiceSpec, type Slot } from './availability'

const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7] as const
const HOUR = 3_600_000

function day(zone: string, date: string, options: { ranges?: LocalRange[]; service?: Partial<ServiceSpec>; now?: number; viewer?: string } = {}): Slot[] {
  const ranges = options.ranges ?? [{ start: '00:00', end: '06:00' }, { start: '09:00', end: '17:00' }]
  const from = DateTime.fromISO(date, { zone }).toMillis()
  return availableSlots({
    service: {
      durationMinutes: 60, bufferBeforeMinutes: 0, bufferAfterMinutes: 0, minNoticeMinutes: 0, horizonDays: 365,
      slotIntervalMinutes: 60, seats: 1, resourceGroups: [['r']], ...options.service,
    },
    resources: [{
      resourceId: 'r', timeZone: zone, overrides: [], blocks: [], busy: [],
      weekly: EVERY_DAY.flatMap((weekday) => ranges.map((range) => ({ weekday, ...range }))),
    }],
    closures: [],
    holds: [],
    query: {
      from,
      to: DateTime.fromISO(date, { zone }).plus({ days: 1 }).toMillis(),
      now: options.now ?? from - 24 * HOUR,
      viewerTimeZone: options.viewer ?? zone,
    },
  })
}

/** '01:00-04:00': the local time and its UTC offset, as a clock in that zone shows it. */
const labels = (slots: Slot[]) => slots.map((s) => `${s.local.time}${s.local.offset}`)
const times = (slots: Slot[]) => slots.map((s) => s.local.time)
const hours = (from: number, to: number, offset: string) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${String(from + i).padStart(2, '0')}:00${offset}`)

describe('00:00–06:00 and 09:00–17:00 with hourly 60-minute slots on clock-change days', () => {
  it.each([
    // Spring forward: 02:00 EST → 03:00 EDT. 02:00 never shows on the clock.
    ['America/New_York', '2026-03-08', ['00:00-05:00', '01:00-05:00', '03:00-04:00', '04:00-04:00', '05:00-04:00', ...hours(9, 16, '-04:00')]],
    // Fall back: 02:00 EDT → 01:00 EST. 01:00 shows twice.
    ['America/New_York', '2026-11-01', ['00:00-04:00', '01:00-04:00', '01:00-05:00', ...hours(2, 5, '-05:00'), ...hours(9, 16, '-05:00')]],
    // 01:00 GMT → 02:00 BST: no 01:00.
    ['Europe/London', '2026-03-29', ['00:00+00:00', '02:00+01:00', '03:00+01:00', '04:00+01:00', '05:00+01:00', ...hours(9, 16, '+01:00')]],
    // 02:00 BST → 01:00 GMT: 01:00 twice.
    ['Europe/London', '2026-10-25', ['00:00+01:00', '01:00+01:00', '01:00+00:00', ...hours(2, 5, '+00:00'), ...hours(9, 16, '+00:00')]],
    // Clocks go back: 03:00 AEDT → 02:00 AEST. 02:00 twice.
    ['Australia/Sydney', '2026-04-05', ['00:00+11:00', '01:00+11:00', '02:00+11:00', '02:00+10:00', ...hours(3, 5, '+10:00'), ...hours(9, 16, '+10:00')]],
    // Clocks go forward: 02:00 AEST → 03:00 AEDT. No 02:00.
    ['Australia/Sydney', '2026-10-04', ['00:00+10:00', '01:00+10:00', ...hours(3, 5, '+11:00'), ...hours(9, 16, '+11:00')]],
  ])('%s on %s shows exactly the hours the clock shows', (zone, date, expected) => {
    const slots = day(zone, date)
    expect(labels(slots)).toEqual(expected)
    // Every appointment lasts a real hour, even the one across the jump.
    expect(slots.every((s) => s.end - s.start === HOUR)).toBe(true)
    expect(slots.every((s) => s.local.date === date)).toBe(true)
  })

  it('the appointment across the jump ends when a real hour has passed', () => {
    const [, one] = day('America/New_York', '2026-03-08')
    expect(DateTime.fromMillis(one!.end, { zone: 'America/New_York' }).toFormat('HH:mm ZZ')).toBe('03:00 -04:00')
    const [, firstOne, secondOne] = day('America/New_York', '2026-11-01')
    expect(firstOne!.end).toBe(secondOne!.start) // 01:00 EDT ends as the clock shows 01:00 again
  })

  it('is the same instants for a viewer elsewhere (here UTC)', () => {
    const inUtc = day('America/New_York', '2026-11-01', { viewer: 'UTC' })
    expect(labels(inUtc).slice(0, 7)).toEqual(hours(4, 10, '+00:00'))
    expect(inUtc.map((s) => s.start)).toEqual(day('America/New_York', '2026-11-01').map((s) => s.start))
  })
})

describe('ordinary days', () => {
  it.each([
    ['America/New_York'], ['Europe/London'], ['Australia/Sydney'], ['UTC'], ['Asia/Kolkata'],
    ['Asia/Kathmandu'], ['Pacific/Chatham'], ['Australia/Lord_Howe'],
  ])('09:00–17:00 gives 8 hourly 60-minute slots in %s, winter and summer', (zone) => {
    for (const date of ['2026-01-14', '2026-07-15']) {
      const slots = day(zone, date, { ranges: [{ start: '09:00', end: '17:00' }] })
      expect(times(slots)).toEqual(['09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00', '16:00'])
      expect(slots.every((s) => s.end - s.start === HOUR)).toBe(true)
    }
  })
})

describe('edge cases of the rule', () => {
  const NY = 'America/New_York'

  it('gives both occurrences of a repeated half hour on a 30-minute grid', () => {
    const slots = day(NY, '2026-11-01', { ranges: [{ start: '00:00', end: '03:00' }], service: { durationMinutes: 30, slotIntervalMinutes: 30 } })
    expect(labels(slots)).toEqual([
      '00:00-04:00', '00:30-04:00', '01:00-04:00', '01:30-04:00', '01:00-05:00', '01:30-05:00', '02:00-05:00', '02:30-05:00',
    ])
  })

  it('ends a window at the first time the clock shows its end', () => {
    // 00:00–01:30 on fall-back night: she leaves at the first 01:30, not the second.
    const slots = day(NY, '2026-11-01', { ranges: [{ start: '00:00', end: '01:30' }], service: { durationMinutes: 30, slotIntervalMinutes: 30 } })
    expect(labels(slots)).toEqual(['00:00-04:00', '00:30-04:00', '01:00-04:00'])
  })

  it('starts a window that begins in the skipped hour at the moment of the jump', () => {
    const slots = day(NY, '2026-03-08', { ranges: [{ start: '02:30', end: '05:00' }], service: { slotIntervalMinutes: 30 } })
    expect(labels(slots)).toEqual(['03:00-04:00', '03:30-04:00', '04:00-04:00'])
  })

  it('drops a shift that lies wholly in the skipped hour', () => {
    expect(day(NY, '2026-03-08', { ranges: [{ start: '02:00', end: '03:00' }], service: { durationMinutes: 15, slotIntervalMinutes: 15 } })).toEqual([])
  })

  it('keeps a round-hour grid in a zone whose clocks move by half an hour (Lord Howe Island)', () => {
    // 5 April: 02:00 (+11) → 01:30 (+10:30); 4 October: 02:00 (+10:30) → 02:30 (+11).
    expect(labels(day('Australia/Lord_Howe', '2026-04-05'))).toEqual(['00:00+11:00', '01:00+11:00', ...hours(2, 5, '+10:30'), ...hours(9, 16, '+10:30')])
    expect(labels(day('Australia/Lord_Howe', '2026-10-04'))).toEqual(['00:00+10:30', '01:00+10:30', ...hours(3, 5, '+11:00'), ...hours(9, 16, '+11:00')])
  })

  it('counts notice in real minutes across the jump', () => {
    // At 01:30 EST with an hour's notice, the earliest start is 03:30 EDT: the first slot is 04:00.
    const now = DateTime.fromISO('2026-03-08T01:30', { zone: NY }).toMillis()
    expect(times(day(NY, '2026-03-08', { now, service: { minNoticeMinutes: 60 } }))[0]).toBe('04:00')
  })
})
