// Which topics hear about a change, and what the public ones are told.
import { describe, expect, it } from 'vitest'
import { fanOut } from './fan-out'
import { sequenceVerdict } from './protocol'

const r1 = '11111111-1111-4111-8111-111111111111'
const r2 = '22222222-2222-4222-8222-222222222222'
const s1 = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa'
const s2 = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb'
const services = [
  { id: s1, resourceIds: [r1, r2] },
  { id: s2, resourceIds: [r2] },
]
const event = {
  id: 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee',
  serviceId: s1,
  serviceName: 'Cut',
  start: '2027-01-04T10:00:00.000Z',
  end: '2027-01-04T11:00:00.000Z',
  status: 'confirmed',
  seats: 1,
  notes: 'allergic to lavender',
  resourceIds: [r1],
  customers: [{ bookingId: 'b', customerId: 'c', name: 'Robin', email: 'robin@example.test' }],
}

describe('fanOut', () => {
  it('sends a new booking to the calendar, its resources, its event and the services that use its resources', () => {
    const entries = fanOut({ kind: 'event', type: 'event.created', event }, services)
    expect(entries.map((e) => e.topic)).toEqual(['calendar', `resource:${r1}`, `event:${event.id}`, `service:${s1}`])
    expect(entries[0]!.message).toMatchObject({ type: 'event.created', event: { notes: 'allergic to lavender', customers: [{ name: 'Robin' }] } })
    expect(entries[2]!.message).toMatchObject({ event: { notes: '', customers: [] } })
    expect(entries[3]!.message).toEqual({ type: 'availability.changed', resourceIds: [r1], taken: [{ start: event.start, end: event.end, resourceIds: [r1] }], freed: [], reason: 'booked' })
  })

  it('frees the old time and takes the new one when an event moves', () => {
    const moved = { ...event, start: '2027-01-04T12:00:00.000Z', end: '2027-01-04T13:00:00.000Z' }
    const entries = fanOut({ kind: 'event', type: 'event.moved', event: moved, previous: { start: event.start, end: event.end } }, services)
    expect(entries.find((e) => e.topic === `service:${s1}`)!.message).toMatchObject({ taken: [{ start: moved.start }], freed: [{ start: event.start }], reason: 'moved' })
  })

  it('tells booking pages nothing when a pending event is confirmed (its time was already taken)', () => {
    const topics = fanOut({ kind: 'event', type: 'event.confirmed', event }, services).map((e) => e.topic)
    expect(topics.some((t) => t.startsWith('service:'))).toBe(false)
  })

  it('clips what each service hears to its own resources, and reaches every service on a closure', () => {
    const hold = { id: 'h', serviceId: s1, resourceIds: [r1, r2], start: 0, end: 3_600_000, expiresAt: 300_000 }
    const entries = fanOut({ kind: 'hold', type: 'hold.placed', hold }, services)
    expect(entries.find((e) => e.topic === `service:${s2}`)!.message).toMatchObject({ resourceIds: [r2], taken: [{ resourceIds: [r2] }] })
    const closure = fanOut({ kind: 'availability', resourceIds: 'all', reason: 'closure' }, services).map((e) => e.topic)
    expect(closure).toEqual(['calendar', `resource:${r1}`, `resource:${r2}`, `service:${s1}`, `service:${s2}`])
  })
})

describe('sequenceVerdict', () => {
  it('applies the next message, ignores old ones and reports a gap', () => {
    expect(sequenceVerdict(undefined, 7)).toBe('apply')
    expect(sequenceVerdict(6, 7)).toBe('apply')
    expect(sequenceVerdict(7, 7)).toBe('stale')
    expect(sequenceVerdict(6, 9)).toBe('gap')
  })
})
