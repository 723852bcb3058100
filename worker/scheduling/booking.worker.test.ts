// The booking path end to end on a real database: slots, holds, conflict-free booking under races,
// idempotency, the manage link, staff calendars and the rules of the permission matrix.
import { beforeAll, describe, expect, it } from 'vitest'
import { Browser, createTenant, makeUser, request, withDatabase, type CreatedTenant } from '../../test/helpers'

let shop: CreatedTenant
let owner: Browser
let staffBrowser: Browser
let stylist: { id: string }
let colleague: { id: string }
let chair: { id: string }
let haircut: { id: string }
let colour: { id: string }
let yoga: { id: string }
let room: { id: string }

const HOUR = 3600_000
const DAY = 24 * HOUR

/** 10:00 UTC on the day after tomorrow (always within hours 08:00–20:00, beyond any notice). */
function at(hourOffset = 0, dayOffset = 2): string {
  const d = new Date()
  d.setUTCHours(10, 0, 0, 0)
  return new Date(d.getTime() + dayOffset * DAY + hourOffset * HOUR).toISOString()
}

async function post(browser: Browser, path: string, json: unknown, status = 201) {
  const res = await browser.fetch(path, { json })
  if (res.status !== status) throw new Error(`${path}: expected ${status}, got ${res.status} ${await res.text()}`)
  return res.json() as Promise<Record<string, any>>
}

function customer(n: number | string) {
  return { name: `Customer ${n}`, email: `customer-${n}-${crypto.randomUUID().slice(0, 6)}@example.test` }
}

function book(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return request(shop.primaryHost, '/api/public/bookings', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

async function slots(serviceId: string, from = at(-2), to = at(10), extra = '') {
  const res = await request(shop.primaryHost, `/api/public/services/${serviceId}/slots?from=${from}&to=${to}${extra}`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { slots: { start: string; resourceIds: string[]; seatsLeft: number; local: { time: string } }[] }).slots
}

async function liveOccupations(resourceId: string) {
  return withDatabase(async ({ pool }) => {
    const { rows } = await pool.query(`SELECT occupied_start, occupied_end FROM ${shop.schemaName}.event_resources WHERE resource_id = $1 AND live ORDER BY occupied_start`, [resourceId])
    return rows
  })
}

beforeAll(async () => {
  shop = await createTenant('salon', 'Salon Booking')
  const ownerUser = await makeUser('TENANT_OWNER', shop.id)
  const staffUser = await makeUser('TENANT_STAFF', shop.id)
  owner = new Browser(shop.primaryHost)
  await owner.login(ownerUser.email)
  staffBrowser = new Browser(shop.primaryHost)
  await staffBrowser.login(staffUser.email)

  const everyDay = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) }
  stylist = (await post(owner, '/api/tenant/resources', { kind: 'staff', name: 'Sam', userId: staffUser.id, timeZone: 'UTC' })).resource
  colleague = (await post(owner, '/api/tenant/resources', { kind: 'staff', name: 'Kim', timeZone: 'UTC' })).resource
  chair = (await post(owner, '/api/tenant/resources', { kind: 'equipment', name: 'Chair 1', timeZone: 'UTC' })).resource
  room = (await post(owner, '/api/tenant/resources', { kind: 'room', name: 'Room', capacity: 3, timeZone: 'UTC' })).resource
  for (const r of [stylist, colleague, chair, room]) {
    const res = await owner.fetch(`/api/tenant/resources/${r.id}/hours`, { method: 'PUT', json: everyDay })
    expect(res.status).toBe(200)
  }
  haircut = (await post(owner, '/api/tenant/services', { name: 'Haircut', durationMinutes: 60, bufferAfterMinutes: 15, slotIntervalMinutes: 60, minNoticeMinutes: 0, cancellationCutoffMinutes: 60, resourceGroups: [[stylist.id]] })).service
  colour = (await post(owner, '/api/tenant/services', { name: 'Colour', durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, requiresConfirmation: true, resourceGroups: [[colleague.id], [chair.id]] })).service
  yoga = (await post(owner, '/api/tenant/services', { name: 'Yoga', durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, seats: 3, resourceGroups: [[room.id]] })).service
})

describe('booking a slot', () => {
  it('lists free slots, books one, and the slot disappears for everyone else', async () => {
    const before = await slots(haircut.id)
    const target = before.find((s) => s.start === at(0))!
    expect(target).toBeTruthy()
    expect(target.resourceIds).toEqual([stylist.id])

    const res = await book({ serviceId: haircut.id, start: at(0), customer: customer('a') })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { event: { id: string; status: string; start: string; end: string }; manageToken: string }
    expect(body.event).toMatchObject({ status: 'confirmed', start: at(0) })
    expect(body.manageToken).toMatch(/^[A-Za-z0-9_-]{20,}$/)

    const after = await slots(haircut.id)
    expect(after.map((s) => s.start)).not.toContain(at(0))
    // the 15-minute buffer after 11:00 also takes the 11:00 slot? No: 10:00–11:00 + 15 min overlaps an 11:00 start.
    expect(after.map((s) => s.start)).not.toContain(at(1))

    const calendar = await owner.fetch(`/api/tenant/events?from=${at(-2)}&to=${at(10)}`)
    const events = ((await calendar.json()) as { events: { id: string }[] }).events
    expect(events.map((e) => e.id)).toContain(body.event.id)
  })

  it('gives a contested slot to exactly one of many simultaneous customers', async () => {
    const start = at(3)
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => book({ serviceId: haircut.id, start, customer: customer(`race-${i}`) })))
    const statuses = results.map((r) => r.status)
    const odd = results.filter((r) => r.status !== 201 && r.status !== 409)
    for (const r of odd) console.log('ODD', r.status, await r.text())
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(11)
    const loser = results.find((r) => r.status === 409)!
    expect(await loser.json()).toMatchObject({ error: { code: 'slot_unavailable', details: { nextSlots: expect.any(Array) } } })
    const occupations = await liveOccupations(stylist.id)
    const inRange = occupations.filter((o) => new Date(o.occupied_start).toISOString() === start)
    expect(inRange).toHaveLength(1)
  })

  it('replays the first answer for a repeated Idempotency-Key and refuses the key with another body', async () => {
    const key = `key-${crypto.randomUUID()}`
    const body = { serviceId: haircut.id, start: at(5), customer: customer('idem') }
    const first = await book(body, { 'idempotency-key': key })
    const second = await book(body, { 'idempotency-key': key })
    expect(first.status).toBe(201)
    expect(second.status).toBe(201)
    const [a, b] = [(await first.json()) as { event: { id: string } }, (await second.json()) as { event: { id: string } }]
    expect(b.event.id).toBe(a.event.id)
    const other = await book({ ...body, notes: 'different' }, { 'idempotency-key': key })
    expect(other.status).toBe(422)
    expect(await other.json()).toMatchObject({ error: { code: 'idempotency_key_reused' } })
  })

  it('holds a slot for the customer who picked it', async () => {
    const start = at(-2)
    const held = await request(shop.primaryHost, '/api/public/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: haircut.id, start, resourceIds: [stylist.id] }),
    })
    expect(held.status).toBe(201)
    const { hold } = (await held.json()) as { hold: { id: string; expiresAt: string } }
    expect(new Date(hold.expiresAt).getTime() - Date.now()).toBeGreaterThan(4 * 60_000)
    expect((await slots(haircut.id)).map((s) => s.start)).not.toContain(start)
    expect((await book({ serviceId: haircut.id, start, customer: customer('sneaky') })).status).toBe(409)
    const mine = await book({ serviceId: haircut.id, start, resourceIds: [stylist.id], holdId: hold.id, customer: customer('holder') })
    expect(mine.status).toBe(201)
  })

  it('needs every resource of a bundle, and keeps pending events on the calendar', async () => {
    // the chair is blocked at 10:00: "Colour" needs Kim AND the chair
    const block = await owner.fetch(`/api/tenant/resources/${chair.id}/blocks`, { json: { startsAt: at(0), endsAt: at(1), reason: 'repair' } })
    expect(block.status).toBe(201)
    const colourSlots = (await slots(colour.id)).map((s) => s.start)
    expect(colourSlots).not.toContain(at(0))
    expect(colourSlots).toContain(at(1))
    const res = await book({ serviceId: colour.id, start: at(1), customer: customer('colour') })
    expect(res.status).toBe(201)
    const { event } = (await res.json()) as { event: { id: string; status: string; resourceIds: string[] } }
    expect(event.status).toBe('pending')
    expect(event.resourceIds.sort()).toEqual([colleague.id, chair.id].sort())
    expect((await slots(colour.id)).map((s) => s.start)).not.toContain(at(1))
    const confirmed = await owner.fetch(`/api/tenant/events/${event.id}/confirm`, { json: {} })
    expect(await confirmed.json()).toMatchObject({ event: { status: 'confirmed' } })
  })

  it('fills a group session seat by seat', async () => {
    const start = at(2)
    for (let i = 0; i < 3; i++) {
      const res = await book({ serviceId: yoga.id, start, customer: customer(`yogi-${i}`) })
      expect(res.status).toBe(201)
      const left = (await slots(yoga.id)).find((s) => s.start === start)
      if (i < 2) expect(left?.seatsLeft).toBe(2 - i)
      else expect(left).toBeUndefined()
    }
    expect((await book({ serviceId: yoga.id, start, customer: customer('yogi-late') })).status).toBe(409)
  })
})

describe('the manage link', () => {
  it('lets the customer see, reschedule and cancel their booking', async () => {
    const res = await book({ serviceId: haircut.id, start: at(8), customer: customer('manage') })
    const { manageToken, event } = (await res.json()) as { manageToken: string; event: { id: string } }
    const view = await request(shop.primaryHost, `/api/public/bookings/${manageToken}`)
    expect(await view.json()).toMatchObject({ booking: { status: 'booked' }, event: { id: event.id, start: at(8) } })

    const moved = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/reschedule`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start: at(9) }),
    })
    expect(moved.status).toBe(200)
    expect(await moved.json()).toMatchObject({ event: { id: event.id, start: at(9) } })
    // 19:00 is taken now; 18:00 stays closed too, because its 15-minute buffer would run into 19:00
    expect((await slots(haircut.id)).map((s) => s.start)).not.toContain(at(9))

    const cancelled = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/cancel`, { method: 'POST' })
    expect(cancelled.status).toBe(200)
    expect((await slots(haircut.id)).map((s) => s.start)).toEqual(expect.arrayContaining([at(8), at(9)]))
    expect((await request(shop.primaryHost, `/api/public/bookings/${manageToken}/cancel`, { method: 'POST' })).status).toBe(409)
    expect((await request(shop.primaryHost, `/api/public/bookings/not-a-real-token-1234567890`)).status).toBe(404)
  })

  it('refuses changes after the cancellation cut-off', async () => {
    // a 24-hour cut-off: any slot in the next 24 hours is already past it
    const trim = (await post(owner, '/api/tenant/services', {
      name: 'Trim', durationMinutes: 30, slotIntervalMinutes: 30, minNoticeMinutes: 0, cancellationCutoffMinutes: 1440, resourceGroups: [[colleague.id]],
    })).service
    const now = Date.now()
    const [first] = await slots(trim.id, new Date(now).toISOString(), new Date(now + 23 * HOUR).toISOString())
    expect(first).toBeTruthy()
    const res = await book({ serviceId: trim.id, start: first!.start, customer: customer('late') })
    expect(res.status).toBe(201)
    const { manageToken } = (await res.json()) as { manageToken: string }
    const cancel = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(409)
    expect(await cancel.json()).toMatchObject({ error: { code: 'too_late_to_change' } })
    const move = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/reschedule`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ start: at(0, 5) }),
    })
    expect(move.status).toBe(409)
  })
})

describe('bad input writes nothing', () => {
  async function eventCount() {
    return withDatabase(async ({ pool }) => Number((await pool.query(`SELECT count(*) FROM ${shop.schemaName}.events`)).rows[0].count))
  }

  it.each([
    ['an unknown service', () => ({ serviceId: crypto.randomUUID(), start: at(4), customer: customer('x') }), 404],
    ['a slot outside working hours', () => ({ serviceId: haircut.id, start: at(12), customer: customer('x') }), 409],
    ['a past slot', () => ({ serviceId: haircut.id, start: at(0, -1), customer: customer('x') }), 409],
    ['a start off the slot grid', () => ({ serviceId: haircut.id, start: at(4.25), customer: customer('x') }), 409],
    ['a malformed date', () => ({ serviceId: haircut.id, start: 'tomorrow at ten', customer: customer('x') }), 400],
    ['a missing customer', () => ({ serviceId: haircut.id, start: at(4) }), 400],
    ['a bad email', () => ({ serviceId: haircut.id, start: at(4), customer: { name: 'x', email: 'not-an-email' } }), 400],
    ['a resource that does not deliver the service', () => ({ serviceId: haircut.id, start: at(4), resourceIds: [chair.id], customer: customer('x') }), 400],
  ])('%s', async (_, body, status) => {
    const before = await eventCount()
    const res = await book(body())
    expect(res.status).toBe(status)
    expect(((await res.json()) as { error: { code: string; message: string } }).error.message).toBeTruthy()
    expect(await eventCount()).toBe(before)
  })

  it("does not let one tenant's ids reach another tenant", async () => {
    const other = await createTenant('other-salon')
    const res = await request(other.primaryHost, `/api/public/services/${haircut.id}/slots?from=${at(-2)}&to=${at(10)}`)
    expect(res.status).toBe(404)
    const booking = await request(other.primaryHost, '/api/public/bookings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: haircut.id, start: at(4), customer: customer('x') }),
    })
    expect(booking.status).toBe(404)
  })

  it('answers malformed slot queries with 400', async () => {
    for (const q of [`from=${at(5)}&to=${at(1)}`, `from=yesterday&to=${at(1)}`, `from=${at(0)}&to=${at(1)}&tz=Mars/Base`, `from=${at(0)}&to=${at(0, 90)}`]) {
      const res = await request(shop.primaryHost, `/api/public/services/${haircut.id}/slots?${q}`)
      expect(res.status).toBe(400)
    }
    expect((await request(shop.primaryHost, `/api/public/services/not-a-uuid/slots?from=${at(0)}&to=${at(1)}`)).status).toBe(400)
    const badBlock = await owner.fetch(`/api/tenant/resources/${chair.id}/blocks`, { json: { startsAt: at(2), endsAt: at(1) } })
    expect(badBlock.status).toBe(400)
    const badHours = await owner.fetch(`/api/tenant/resources/${chair.id}/hours`, { method: 'PUT', json: { rules: [{ weekday: 8, start: '25:00', end: '09:00' }] } })
    expect(badHours.status).toBe(400)
  })
})

describe('calendars and roles', () => {
  it('shows staff their own calendar only and lets them change only their own events', async () => {
    const mine = await staffBrowser.fetch(`/api/tenant/events?from=${at(-2)}&to=${at(10)}`)
    const events = ((await mine.json()) as { events: { resourceIds: string[] }[] }).events
    expect(events.length).toBeGreaterThan(0)
    expect(events.every((e) => e.resourceIds.includes(stylist.id))).toBe(true)
    expect((await staffBrowser.fetch(`/api/tenant/events?from=${at(-2)}&to=${at(10)}&resourceId=${colleague.id}`)).status).toBe(403)

    const colourRes = await book({ serviceId: colour.id, start: at(4), customer: customer('kim') })
    const { event } = (await colourRes.json()) as { event: { id: string } }
    expect((await staffBrowser.fetch(`/api/tenant/events/${event.id}/cancel`, { json: {} })).status).toBe(403)
    expect((await owner.fetch(`/api/tenant/events/${event.id}/cancel`, { json: { reason: 'sick' } })).status).toBe(200)
    expect((await staffBrowser.fetch('/api/tenant/services', { json: { name: 'x', durationMinutes: 30, resourceGroups: [[stylist.id]] } })).status).toBe(403)
  })

  it('lets the owner move an event, never onto a taken time', async () => {
    const a = (await (await book({ serviceId: haircut.id, start: at(0, 3), customer: customer('mv-a') })).json()) as { event: { id: string } }
    expect((await book({ serviceId: haircut.id, start: at(2, 3), customer: customer('mv-b') })).status).toBe(201)
    const clash = await owner.fetch(`/api/tenant/events/${a.event.id}`, { method: 'PATCH', json: { start: at(2, 3) } })
    expect(clash.status).toBe(409)
    const free = await owner.fetch(`/api/tenant/events/${a.event.id}`, { method: 'PATCH', json: { start: at(4, 3) } })
    expect(free.status).toBe(200)
    expect(await free.json()).toMatchObject({ event: { start: at(4, 3) } })
  })

  it('moves an event whose service needs several resources at once', async () => {
    const res = await book({ serviceId: colour.id, start: at(6, 3), customer: customer('bundle-move') })
    expect(res.status).toBe(201)
    const { event } = (await res.json()) as { event: { id: string } }
    const moved = await owner.fetch(`/api/tenant/events/${event.id}`, { method: 'PATCH', json: { start: at(7, 3) } })
    expect(moved.status).toBe(200)
    expect(await moved.json()).toMatchObject({ event: { start: at(7, 3) } })
  })

  it('shows a signed-in customer only their own bookings', async () => {
    const user = await makeUser('CUSTOMER', shop.id)
    const browser = new Browser(shop.primaryHost)
    await browser.login(user.email)
    const res = await browser.fetch('/api/public/bookings', { json: { serviceId: haircut.id, start: at(7), customer: { name: 'Me', email: user.email } } })
    expect(res.status).toBe(201)
    const mine = (await (await browser.fetch('/api/tenant/my-bookings')).json()) as { bookings: { start: string }[] }
    expect(mine.bookings.map((b) => b.start)).toEqual([at(7)])
    expect((await browser.fetch(`/api/tenant/events?from=${at(-2)}&to=${at(10)}`)).status).toBe(403)
    expect((await browser.fetch('/api/tenant/customers')).status).toBe(403)
  })
})

describe('the database', () => {
  it('refuses two live overlapping occupations of one resource, whatever the code path', async () => {
    await withDatabase(async ({ pool }) => {
      const t = shop.schemaName
      const insert = async (start: string, end: string) => {
        const { rows } = await pool.query(`INSERT INTO ${t}.events (service_id, starts_at, ends_at, status) VALUES ($1, $2, $3, 'confirmed') RETURNING id`, [haircut.id, start, end])
        await pool.query(`INSERT INTO ${t}.event_resources (event_id, resource_id, occupied_start, occupied_end) VALUES ($1, $2, $3, $4)`, [rows[0].id, colleague.id, start, end])
      }
      await insert(at(0, 20), at(1, 20))
      await expect(insert(at(0.5, 20), at(1.5, 20))).rejects.toMatchObject({ code: '23P01' })
      await insert(at(1, 20), at(2, 20)) // touching is fine: ranges are half-open
    })
  })
})
