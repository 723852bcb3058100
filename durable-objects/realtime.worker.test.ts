// Realtime rooms end to end inside the Workers runtime: who may open /ws and follow which topic,
// what each socket hears after a booking, cancel or hours change (and what it must not hear),
// sequence numbers, state that survives the hub being rebuilt, and bad frames.
import { env, runInDurableObject } from 'cloudflare:test'
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_SIGNING_KEYS } from '../test/constants'
import { Browser, createTenant, makeUser, request, type CreatedTenant } from '../test/helpers'
import { openSocket, type LiveSocket } from '../test/live-socket'
import { CLOSE_RECHECK, CLOSE_SIGNED_OUT, RATE_HARD_LIMIT, RATE_SOFT_LIMIT, type SocketState } from './rooms'
import { TenantHub } from './tenant-hub'
import { hubClient } from '../worker/scheduling/hub-client'

const HOUR = 3600_000
const DAY = 24 * HOUR

/** 10:00 UTC in a few days, plus `hours` (within the 08:00–20:00 opening hours set below). */
function at(hours: number, days = 3): string {
  const d = new Date()
  d.setUTCHours(10, 0, 0, 0)
  return new Date(d.getTime() + days * DAY + hours * HOUR).toISOString()
}

interface Shop {
  tenant: CreatedTenant
  owner: Browser
  staff: Browser
  otherStaff: Browser
  customer: Browser
  customerUser: { id: string; email: string }
  chairOfStaff: string
  chairOfOther: string
  cut: string
}

async function post(browser: Browser, path: string, json: unknown, method = 'POST') {
  const res = await browser.fetch(path, { method, json })
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json() as Promise<Record<string, any>>
}

async function makeShop(prefix: string): Promise<Shop> {
  const tenant = await createTenant(prefix)
  const [ownerUser, staffUser, otherUser, customerUser] = [
    await makeUser('TENANT_OWNER', tenant.id),
    await makeUser('TENANT_STAFF', tenant.id),
    await makeUser('TENANT_STAFF', tenant.id),
    await makeUser('CUSTOMER', tenant.id),
  ]
  const signIn = async (email: string) => {
    const b = new Browser(tenant.primaryHost)
    expect((await b.login(email)).status).toBe(200)
    return b
  }
  const owner = await signIn(ownerUser.email)
  const everyDay = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) }
  const chairOfStaff = (await post(owner, '/api/tenant/resources', { kind: 'staff', name: 'Sam', userId: staffUser.id, timeZone: 'UTC' })).resource.id
  const chairOfOther = (await post(owner, '/api/tenant/resources', { kind: 'staff', name: 'Kim', userId: otherUser.id, timeZone: 'UTC' })).resource.id
  for (const id of [chairOfStaff, chairOfOther]) await post(owner, `/api/tenant/resources/${id}/hours`, everyDay, 'PUT')
  const cut = (await post(owner, '/api/tenant/services', { name: 'Cut', durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, resourceGroups: [[chairOfStaff, chairOfOther]] })).service.id
  return {
    tenant,
    owner,
    staff: await signIn(staffUser.email),
    otherStaff: await signIn(otherUser.email),
    customer: await signIn(customerUser.email),
    customerUser,
    chairOfStaff,
    chairOfOther,
    cut,
  }
}

function book(shop: Shop, start: string, resourceId: string, customer: Browser | null = null) {
  const body = { serviceId: shop.cut, start, resourceIds: [resourceId], customer: { name: 'Robin Customer', email: `robin-${crypto.randomUUID().slice(0, 6)}@example.test` } }
  if (customer) return customer.fetch('/api/public/bookings', { json: body })
  return request(shop.tenant.primaryHost, '/api/public/bookings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

async function booked(res: Response): Promise<{ event: { id: string }; manageToken: string }> {
  if (res.status !== 201) throw new Error(`booking failed: ${res.status} ${await res.text()}`)
  return res.json() as Promise<{ event: { id: string }; manageToken: string }>
}

async function ticketFor(browser: Browser): Promise<string> {
  const res = await browser.fetch('/api/realtime/tickets', { method: 'POST', json: {} })
  expect(res.status).toBe(201)
  return ((await res.json()) as { token: string }).token
}

const open: LiveSocket[] = []
async function connect(host: string, options: Parameters<typeof openSocket>[1] = {}) {
  const opened = await openSocket(host, options)
  open.push(opened.socket)
  return opened
}

let a: Shop
let b: Shop

beforeAll(async () => {
  a = await makeShop('rt-alpha')
  b = await makeShop('rt-beta')
})

afterAll(() => {
  for (const socket of open) socket.close()
})

describe('opening /ws', () => {
  it('knows a signed-in user by the session cookie', async () => {
    const { welcome } = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    expect(welcome).toMatchObject({ type: 'welcome', v: 1, tenantId: a.tenant.id, identity: 'user', topics: { calendar: expect.any(Number) } })
  })

  it('knows a signed-in user by a ?token= ticket', async () => {
    const { welcome } = await connect(a.tenant.primaryHost, { token: await ticketFor(a.staff), topics: ['calendar'] })
    // staff follow their own calendar: the topic of the resource linked to them
    expect(welcome).toMatchObject({ identity: 'user', topics: { [`resource:${a.chairOfStaff}`]: expect.any(Number) } })
    expect(Object.keys(welcome.topics)).toEqual([`resource:${a.chairOfStaff}`])
  })

  it('refuses a bad, expired or other business ticket before upgrading', async () => {
    const host = a.tenant.primaryHost
    const refusals: Response[] = []
    refusals.push(await request(host, '/ws?token=not-a-ticket-at-all-xxxxxxxx', { headers: { upgrade: 'websocket' } }))
    refusals.push(await request(host, `/ws?token=${await ticketFor(b.owner)}`, { headers: { upgrade: 'websocket' } }))
    // signed with the right key for the right business, but an hour old
    const [kid, secret] = TEST_SIGNING_KEYS.split(',')[0]!.split(/:(.*)/s)
    const expired = await new SignJWT({ pur: 'realtime', sid: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'HS256', kid: kid!, typ: 'JWT' })
      .setIssuer('smoothschedule')
      .setAudience(`tenant:${a.tenant.id}`)
      .setSubject(crypto.randomUUID())
      .setJti(crypto.randomUUID())
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3540)
      .sign(new TextEncoder().encode(secret))
    refusals.push(await request(host, `/ws?token=${expired}`, { headers: { upgrade: 'websocket' } }))
    for (const res of refusals) {
      expect(res.status).toBe(401)
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_token' } })
    }
    // an access token is not a realtime ticket either
    const access = a.owner.jar.get('ss_access')!
    expect((await request(host, `/ws?token=${access}`, { headers: { upgrade: 'websocket' } })).status).toBe(401)
  })

  it("ignores another business's session cookie: the socket is anonymous", async () => {
    const { socket, welcome } = await connect(a.tenant.primaryHost, { cookie: b.owner.jar.header(), topics: ['calendar'] })
    expect(welcome).toMatchObject({ identity: 'anonymous', topics: {} })
    expect(await socket.next((f) => f.type === 'subscribed')).toMatchObject({ refused: [{ topic: 'calendar', code: 'forbidden' }] })
  })

  it('refuses a ticket whose session has ended', async () => {
    const user = await makeUser('TENANT_MANAGER', a.tenant.id)
    const manager = new Browser(a.tenant.primaryHost)
    await manager.login(user.email)
    const ticket = await ticketFor(manager)
    expect((await manager.fetch('/api/auth/logout', { method: 'POST', json: {} })).status).toBeLessThan(300)
    const res = await request(a.tenant.primaryHost, `/ws?token=${ticket}`, { headers: { upgrade: 'websocket' } })
    expect(res.status).toBe(401)
  })
})

describe('topic authorisation', () => {
  it('lets each kind of visitor follow only what is theirs', async () => {
    const ownerSocket = (await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header() })).socket
    const staffSocket = (await connect(a.tenant.primaryHost, { cookie: a.staff.jar.header() })).socket
    const customerSocket = (await connect(a.tenant.primaryHost, { cookie: a.customer.jar.header() })).socket
    const anonymous = (await connect(a.tenant.primaryHost)).socket
    const mine = await booked(await book(a, at(1), a.chairOfStaff, a.customer))
    const theirs = await booked(await book(a, at(2), a.chairOfOther))

    const ask = async (socket: LiveSocket, topics: string[]) => {
      const mark = socket.frames.length
      socket.send({ type: 'subscribe', topics })
      const answer = await socket.next((f) => f.type === 'subscribed', mark)
      return { allowed: Object.keys(answer.topics).sort(), refused: answer.refused.map((r: { topic: string; code: string }) => `${r.topic} ${r.code}`).sort() }
    }
    const service = `service:${a.cut}`
    expect(await ask(ownerSocket, ['calendar', `resource:${a.chairOfOther}`, `event:${theirs.event.id}`, service])).toEqual({
      allowed: ['calendar', `event:${theirs.event.id}`, `resource:${a.chairOfOther}`, service].sort(),
      refused: [],
    })
    expect(await ask(staffSocket, ['calendar', `resource:${a.chairOfOther}`, `event:${mine.event.id}`, `event:${theirs.event.id}`])).toEqual({
      allowed: [`event:${mine.event.id}`, `resource:${a.chairOfStaff}`].sort(),
      refused: [`event:${theirs.event.id} forbidden`, `resource:${a.chairOfOther} forbidden`].sort(),
    })
    expect(await ask(customerSocket, ['calendar', `event:${mine.event.id}`, `event:${theirs.event.id}`, service])).toEqual({
      allowed: [`event:${mine.event.id}`, service].sort(),
      refused: ['calendar forbidden', `event:${theirs.event.id} forbidden`].sort(),
    })
    const ticket = `ticket:${crypto.randomUUID()}`
    expect(await ask(anonymous, ['calendar', `event:${mine.event.id}`, service, `service:${b.cut}`, 'everything', ticket])).toEqual({
      allowed: [service],
      // another business's service does not exist here
      refused: ['calendar forbidden', 'everything unknown_topic', `event:${mine.event.id} forbidden`, `service:${b.cut} forbidden`, `${ticket} forbidden`].sort(),
    })
  })

  it('lets the holder of a manage link follow that booking only', async () => {
    const mine = await booked(await book(a, at(3), a.chairOfOther))
    const other = await booked(await book(a, at(4), a.chairOfOther))
    const res = await request(a.tenant.primaryHost, '/api/realtime/booking-tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ manageToken: mine.manageToken }) })
    expect(res.status).toBe(201)
    const { token, topic } = (await res.json()) as { token: string; topic: string }
    expect(topic).toBe(`event:${mine.event.id}`)
    const { socket, welcome } = await connect(a.tenant.primaryHost, { token, topics: [topic, `event:${other.event.id}`, 'calendar'] })
    expect(welcome).toMatchObject({ identity: 'booking', topics: { [topic]: expect.any(Number) } })
    const refused = await socket.next((f) => f.type === 'subscribed')
    expect(refused.refused.map((r: { topic: string }) => r.topic).sort()).toEqual([`event:${other.event.id}`, 'calendar'].sort())
    // a made-up manage token gets no ticket; the ticket does not work on another business's host
    const bad = await request(a.tenant.primaryHost, '/api/realtime/booking-tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ manageToken: 'x'.repeat(32) }) })
    expect(bad.status).toBe(404)
    expect((await request(b.tenant.primaryHost, `/ws?token=${token}`, { headers: { upgrade: 'websocket' } })).status).toBe(401)
  })
})

describe('delivery', () => {
  it('tells each socket what it may know of a new booking, and nothing to the others', async () => {
    const ownerSocket = (await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })).socket
    const staffSocket = (await connect(a.tenant.primaryHost, { cookie: a.staff.jar.header(), topics: ['calendar'] })).socket
    const otherStaffSocket = (await connect(a.tenant.primaryHost, { cookie: a.otherStaff.jar.header(), topics: ['calendar'] })).socket
    const publicSocket = (await connect(a.tenant.primaryHost, { topics: [`service:${a.cut}`] })).socket
    const otherBusiness = (await connect(b.tenant.primaryHost, { cookie: b.owner.jar.header(), topics: ['calendar', `service:${b.cut}`] })).socket

    const start = at(5)
    const { event } = await booked(await book(a, start, a.chairOfStaff))

    const forOwner = await ownerSocket.next((f) => f.type === 'event.created')
    expect(forOwner).toMatchObject({ v: 1, topic: 'calendar', seq: expect.any(Number), event: { id: event.id, start, resourceIds: [a.chairOfStaff], customers: [{ name: 'Robin Customer' }] } })
    const forStaff = await staffSocket.next((f) => f.type === 'event.created')
    expect(forStaff).toMatchObject({ topic: `resource:${a.chairOfStaff}`, event: { id: event.id } })
    const forPublic = await publicSocket.next((f) => f.type === 'availability.changed')
    expect(forPublic).toMatchObject({ topic: `service:${a.cut}`, reason: 'booked', taken: [{ start, resourceIds: [a.chairOfStaff] }] })
    // the public topic carries no one's name or email
    expect(JSON.stringify(forPublic)).not.toMatch(/Robin|example\.test|customers/)

    expect((await otherStaffSocket.settle()).filter((f) => JSON.stringify(f).includes(event.id))).toEqual([])
    expect(await otherBusiness.settle()).toEqual([])
  })

  it('tells calendars and booking pages about cancellations, confirmations and hours', async () => {
    const ownerSocket = (await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })).socket
    const publicSocket = (await connect(a.tenant.primaryHost, { topics: [`service:${a.cut}`] })).socket
    const start = at(6)
    const { event } = await booked(await book(a, start, a.chairOfOther))
    await ownerSocket.next((f) => f.type === 'event.created' && f.event.id === event.id)

    expect((await a.owner.fetch(`/api/tenant/events/${event.id}/cancel`, { json: { reason: 'ill' } })).status).toBe(200)
    expect(await ownerSocket.next((f) => f.type === 'event.cancelled')).toMatchObject({ event: { id: event.id, status: 'cancelled' } })
    expect(await publicSocket.next((f) => f.type === 'availability.changed' && f.reason === 'cancelled')).toMatchObject({ freed: [{ start, resourceIds: [a.chairOfOther] }] })

    const hours = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '07:00', end: '20:00' })) }
    expect((await a.owner.fetch(`/api/tenant/resources/${a.chairOfOther}/hours`, { method: 'PUT', json: hours })).status).toBe(200)
    expect(await publicSocket.next((f) => f.reason === 'weekly hours')).toMatchObject({ type: 'availability.changed', resourceIds: [a.chairOfOther] })
    expect(await ownerSocket.next((f) => f.reason === 'weekly hours')).toMatchObject({ topic: 'calendar', resourceIds: [a.chairOfOther] })
  })

  it('tells the customer about their own booking being moved, without other people in it', async () => {
    const { event, manageToken } = await booked(await book(a, at(7), a.chairOfOther))
    const ticket = await request(a.tenant.primaryHost, '/api/realtime/booking-tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ manageToken }) })
    const { token } = (await ticket.json()) as { token: string }
    const { socket } = await connect(a.tenant.primaryHost, { token, topics: [`event:${event.id}`] })
    const moved = await request(a.tenant.primaryHost, `/api/public/bookings/${manageToken}/reschedule`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ start: at(8) }) })
    expect(moved.status).toBe(200)
    const message = await socket.next((f) => f.type === 'event.moved')
    expect(message).toMatchObject({ topic: `event:${event.id}`, event: { id: event.id, start: at(8), customers: [] }, previous: { start: at(7) } })
  })
})

describe('holds', () => {
  it('tell the calendar and the booking pages when a time is held, released, or the hold expires', async () => {
    const calendar = (await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })).socket
    const page = (await connect(a.tenant.primaryHost, { topics: [`service:${a.cut}`] })).socket
    const start = at(1, 7)
    const held = await request(a.tenant.primaryHost, '/api/public/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: a.cut, start, resourceIds: [a.chairOfStaff] }),
    })
    expect(held.status).toBe(201)
    const { hold } = (await held.json()) as { hold: { id: string } }
    expect(await calendar.next((f) => f.type === 'hold.placed')).toMatchObject({ hold: { id: hold.id, start, resourceIds: [a.chairOfStaff] } })
    expect(await page.next((f) => f.reason === 'held')).toMatchObject({ type: 'availability.changed', taken: [{ start }] })
    expect((await request(a.tenant.primaryHost, `/api/public/holds/${hold.id}`, { method: 'DELETE' })).status).toBe(200)
    expect(await calendar.next((f) => f.type === 'hold.released')).toMatchObject({ hold: { id: hold.id } })
    expect(await page.next((f) => f.reason === 'hold released')).toMatchObject({ freed: [{ start }] })

    // a hold past its time, dropped by the alarm
    const stub = env.TENANT_HUB.get(env.TENANT_HUB.idFromName(a.tenant.id))
    const stale = { id: `stale-${crypto.randomUUID()}`, serviceId: a.cut, resourceIds: [a.chairOfOther], start: Date.parse(at(2, 7)), end: Date.parse(at(3, 7)), expiresAt: Date.now() - 1 }
    await runInDurableObject(stub, (_hub: TenantHub, state) => state.storage.put(`hold:${stale.id}`, stale))
    await runInDurableObject(stub, (hub: TenantHub) => hub.alarm())
    expect(await calendar.next((f) => f.type === 'hold.expired')).toMatchObject({ hold: { id: stale.id } })
    expect(await page.next((f) => f.reason === 'hold expired')).toMatchObject({ freed: [{ start: at(2, 7), resourceIds: [a.chairOfOther] }] })
  })
})

describe('sequence numbers', () => {
  it('count each topic up by one, and tell a reconnecting client where the topic is', async () => {
    const first = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    const before = first.welcome.topics.calendar as number
    const one = await booked(await book(a, at(1, 5), a.chairOfOther))
    const two = await booked(await book(a, at(2, 5), a.chairOfOther))
    const m1 = await first.socket.next((f) => f.type === 'event.created' && f.event.id === one.event.id)
    const m2 = await first.socket.next((f) => f.type === 'event.created' && f.event.id === two.event.id)
    expect(m1.seq).toBe(before + 1)
    expect(m2.seq).toBe(before + 2)
    first.socket.close()
    // while nobody listens, the topic moves on; the next welcome says so, and the client refetches
    await booked(await book(a, at(3, 5), a.chairOfOther))
    const again = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    await again.socket.settle() // the publish after the booking runs in the background
    const later = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    expect(later.welcome.topics.calendar).toBe(before + 3)
  })
  it("give a page the sequences its data was loaded at, so a change before its socket opens is noticed", async () => {
    const hub = hubClient(env.TENANT_HUB, { tenantId: a.tenant.id, schemaName: a.tenant.schemaName })
    const loadedAt = await hub.topicSequences(['calendar', `service:${a.cut}`, 'not-a-topic' as never])
    expect(Object.keys(loadedAt).sort()).toEqual(['calendar', `service:${a.cut}`])
    // a booking made after the page's query: the welcome is ahead of what the page was loaded at
    await booked(await book(a, at(6, 5), a.chairOfOther))
    const listener = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    await listener.socket.settle()
    const now = await hub.topicSequences(['calendar', `service:${a.cut}`])
    expect(now.calendar).toBe(loadedAt.calendar! + 1)
    expect(now[`service:${a.cut}`]).toBeGreaterThan(loadedAt[`service:${a.cut}`]!)
    // another business's hub knows nothing of it
    const other = await hubClient(env.TENANT_HUB, { tenantId: b.tenant.id, schemaName: b.tenant.schemaName }).topicSequences(['calendar'])
    expect(other.calendar).toBe((await connect(b.tenant.primaryHost, { cookie: b.owner.jar.header(), topics: ['calendar'] })).welcome.topics.calendar)
  })
})

describe('under a race', () => {
  it('announces exactly one booking for a slot ten customers want, and every seq once, in order', async () => {
    const { socket, welcome } = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    const start = at(4, 5)
    const results = await Promise.all(Array.from({ length: 10 }, () => book(a, start, a.chairOfStaff)))
    expect(results.filter((r) => r.status === 201)).toHaveLength(1)
    const winner = await booked(results.find((r) => r.status === 201)!)
    await socket.next((f) => f.type === 'event.created' && f.event.id === winner.event.id)
    const created = (await socket.settle(), socket.frames).filter((f) => f.type === 'event.created' && f.event.start === start)
    expect(created).toHaveLength(1)
    const seqs = socket.frames.filter((f) => f.topic === 'calendar').map((f) => f.seq)
    expect(seqs).toEqual(seqs.map((_, i) => welcome.topics.calendar + 1 + i))
  })
})

describe('ended identities', () => {
  it("close the sockets of a session that signs out, and only those", async () => {
    const owner = await makeUser('TENANT_OWNER', a.tenant.id)
    const [laptop, phone] = [new Browser(a.tenant.primaryHost), new Browser(a.tenant.primaryHost)]
    for (const device of [laptop, phone]) expect((await device.login(owner.email)).status).toBe(200)
    const onLaptop = await connect(a.tenant.primaryHost, { cookie: laptop.jar.header(), topics: ['calendar'] })
    const onPhone = await connect(a.tenant.primaryHost, { cookie: phone.jar.header(), topics: ['calendar'] })
    expect((await laptop.fetch('/api/auth/logout', { method: 'POST', json: {} })).status).toBe(200)
    expect(await onLaptop.socket.closing()).toEqual({ code: CLOSE_SIGNED_OUT, reason: 'signed out' })
    // the same person's other session still hears the calendar
    const next = await booked(await book(a, at(7, 6), a.chairOfOther))
    await onPhone.socket.next((f) => f.type === 'event.created' && f.event.id === next.event.id)
    expect(onPhone.socket.closed).toBeNull()
    // and the signed-out browser's next socket is anonymous: the calendar is refused
    const after = await connect(a.tenant.primaryHost, { cookie: laptop.jar.header(), topics: ['calendar'] })
    expect(after.welcome.identity).toBe('anonymous')
    expect(after.welcome.topics).toEqual({})
    expect(await after.socket.next((f) => f.type === 'subscribed')).toMatchObject({ refused: [expect.objectContaining({ topic: 'calendar' })] })
  })

  it('stop delivering to an identity past its recheck time: that socket closes to reconnect, the others hear the change', async () => {
    const marker = `resource:${a.chairOfStaff}`
    const stale = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar', marker] })
    const fresh = await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })
    expect(stale.welcome.identity).toBe('user')
    stale.socket.send({ type: 'ping' })
    const { connectedAt } = await stale.socket.next((f) => f.type === 'pong')
    // Ten minutes on, after a hibernation, as far as this one socket is concerned: its stored
    // identity says when it must be decided again, and that time has passed.
    const stub = env.TENANT_HUB.get(env.TENANT_HUB.idFromName(a.tenant.id))
    const event = { id: crypto.randomUUID(), serviceId: a.cut, serviceName: 'Cut', start: at(8, 6), end: at(9, 6), status: 'confirmed', seats: 1, notes: '', resourceIds: [a.chairOfOther], customers: [] }
    const marked = await runInDurableObject(stub, async (_hub: TenantHub, state) => {
      const candidates = state.getWebSockets(`t:${marker}`).filter((ws) => {
        const s = ws.deserializeAttachment() as SocketState
        return s.principal.kind === 'user' && s.principal.calendar === 'all' && s.connectedAt === connectedAt
      })
      for (const ws of candidates) {
        const s = ws.deserializeAttachment() as SocketState
        if (s.principal.kind === 'user') ws.serializeAttachment({ ...s, principal: { ...s.principal, recheckAt: new Date(Date.now() - 1000).toISOString() } })
      }
      const woken = new TenantHub(state, env)
      await woken.announce({ tenantId: a.tenant.id, schemaName: a.tenant.schemaName }, { kind: 'event', type: 'event.confirmed', event })
      return candidates.length
    })
    expect(marked).toBe(1)
    await fresh.socket.next((f) => f.type === 'event.confirmed' && f.event.id === event.id)
    expect(await stale.socket.closing()).toEqual({ code: CLOSE_RECHECK, reason: 'identity check due; reconnect' })
    expect(stale.socket.frames.some((f) => f.type === 'event.confirmed' && f.event?.id === event.id)).toBe(false)
  })
})

describe('hibernation', () => {
  it("keeps each socket's identity and topics in its attachment, so a rebuilt hub still delivers", async () => {
    const { socket } = await connect(a.tenant.primaryHost, { cookie: a.staff.jar.header() })
    socket.send({ type: 'subscribe', topics: ['calendar'] }) // after connecting: not a tag, only the attachment
    await socket.next((f) => f.type === 'subscribed')
    const stub = env.TENANT_HUB.get(env.TENANT_HUB.idFromName(a.tenant.id))
    const attachments = await runInDurableObject(stub, (_hub: TenantHub, state) => state.getWebSockets().map((ws) => ws.deserializeAttachment()))
    expect(attachments).toContainEqual(
      expect.objectContaining({ v: 1, principal: expect.objectContaining({ kind: 'user', calendar: 'own', ownResourceIds: [a.chairOfStaff] }), topics: [`resource:${a.chairOfStaff}`], tagged: [] }),
    )
    // A new TenantHub over the same state is what the runtime builds after hibernation: it has
    // none of the old one's memory, only storage and the sockets' attachments.
    const event = { id: crypto.randomUUID(), serviceId: a.cut, serviceName: 'Cut', start: at(9), end: at(10), status: 'confirmed', seats: 1, notes: '', resourceIds: [a.chairOfStaff], customers: [] }
    await runInDurableObject(stub, async (_hub: TenantHub, state) => {
      const woken = new TenantHub(state, env)
      await woken.announce({ tenantId: a.tenant.id, schemaName: a.tenant.schemaName }, { kind: 'event', type: 'event.confirmed', event })
    })
    expect(await socket.next((f) => f.type === 'event.confirmed')).toMatchObject({ topic: `resource:${a.chairOfStaff}`, event: { id: event.id } })
  })
})

describe('bad frames', () => {
  it('answer with an error frame or a close with a reason, and leave other sockets alone', async () => {
    const bystander = (await connect(a.tenant.primaryHost, { cookie: a.owner.jar.header(), topics: ['calendar'] })).socket
    const { socket } = await connect(a.tenant.primaryHost)
    const errorAfter = async (frame: unknown) => {
      const mark = socket.frames.length
      socket.send(frame)
      return socket.next((f) => f.type === 'error', mark)
    }
    expect(await errorAfter('{"type":')).toMatchObject({ code: 'bad_frame' })
    expect(await errorAfter({ type: 'teleport' })).toMatchObject({ code: 'unknown_type' })
    expect(await errorAfter({ type: 'subscribe', topics: 'calendar' })).toMatchObject({ code: 'invalid_frame', details: [{ path: 'topics' }] })
    expect(await errorAfter({ type: 'subscribe', topics: Array.from({ length: 50 }, () => 'calendar') })).toMatchObject({ code: 'invalid_frame' })
    expect(await errorAfter('null')).toMatchObject({ code: 'unknown_type' })

    // a flood: past the soft limit frames are refused, past the hard limit the socket is closed
    const flood = (await connect(a.tenant.primaryHost)).socket
    for (let i = 0; i < RATE_HARD_LIMIT + 5; i++) flood.send({ type: 'subscribe', topics: [`service:${a.cut}`] })
    expect(await flood.next((f) => f.code === 'rate_limited')).toMatchObject({ type: 'error' })
    expect(await flood.closing()).toEqual({ code: 1008, reason: expect.stringContaining(`${RATE_HARD_LIMIT} frames`) })
    expect(flood.frames.filter((f) => f.type === 'subscribed').length).toBeLessThanOrEqual(RATE_SOFT_LIMIT)

    // oversized
    const big = (await connect(a.tenant.primaryHost)).socket
    big.send({ type: 'subscribe', topics: ['calendar'], padding: 'x'.repeat(5000) })
    expect(await big.closing()).toEqual({ code: 1009, reason: expect.stringContaining('4096 bytes') })

    // the first socket is still open and answering, and the bystander still hears bookings
    socket.send({ type: 'ping' })
    expect(await socket.next((f) => f.type === 'pong')).toMatchObject({ tenantId: a.tenant.id })
    const { event } = await booked(await book(a, at(9, 6), a.chairOfOther))
    expect(await bystander.next((f) => f.type === 'event.created' && f.event.id === event.id)).toBeTruthy()
  })
})
