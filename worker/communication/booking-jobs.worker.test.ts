// The demo path of background jobs: a customer books on a demo business; the confirmation lands
// in the business's outbox (email with ICS, and SMS), reminders are scheduled at the service's
// offsets and move and vanish with the appointment, and a registered webhook receives deliveries
// that a receiver written from docs/webhooks.md verifies, a failed one retried on the cron.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../index'
import { Browser, makeUser, platformPost, request, withDatabase } from '../../test/helpers'
import { listDueJobs } from '../jobs/due'
import { jobHandlers } from '../jobs/handlers'
import { consumeJobs } from '../jobs/consumer'
import type { JobMessage } from '../jobs/messages'

const RECEIVER = env.WEBHOOK_RECEIVER_URL
const HOUR = 3600_000

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, tries = 150): Promise<T> {
  let value = await read()
  for (let i = 0; i < tries && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  if (!done(value)) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value).slice(0, 500)}`)
  return value
}

async function cronAt(time: number) {
  const ctx = createExecutionContext()
  await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: time }), env, ctx)
  await waitOnExecutionContext(ctx)
}

interface Received {
  verified: boolean
  reason: string | null
  status: number
  headers: Record<string, string>
  body: string
}

const received = async (name: string): Promise<Received[]> => (await fetch(`${RECEIVER}/received/${name}`)).json()

let demo: { tenant: { id: string; primaryHost: string; schemaName: string } }
let owner: Browser
let serviceId: string
const hook = `demo-${crypto.randomUUID().slice(0, 8)}`

beforeAll(async () => {
  const res = await platformPost('/api/platform/demos', { name: 'Jobs Demo Spa' })
  expect(res.status).toBe(201)
  demo = await res.json()
  const user = await makeUser('TENANT_OWNER', demo.tenant.id)
  owner = new Browser(demo.tenant.primaryHost)
  expect((await owner.login(user.email)).status).toBe(200)
  const services = (await (await request(demo.tenant.primaryHost, '/api/public/services')).json()) as { services: { id: string; name: string }[] }
  serviceId = services.services.find((s) => s.name.startsWith('Massage'))!.id
}, 60_000)

async function freeStart(fromMs: number): Promise<string> {
  const from = new Date(fromMs).toISOString()
  const to = new Date(fromMs + 7 * 24 * HOUR).toISOString()
  const body = (await (await request(demo.tenant.primaryHost, `/api/public/services/${serviceId}/slots?from=${from}&to=${to}`)).json()) as { slots: { start: string }[] }
  expect(body.slots.length).toBeGreaterThan(0)
  return body.slots[0]!.start
}

const outbox = async (eventId: string) =>
  ((await (await owner.fetch(`/api/tenant/notifications?eventId=${eventId}`)).json()) as { notifications: { id: string; kind: string; channel: string; subject: string; body: string; hasIcs: boolean; status: string; to: string }[] }).notifications

describe('a booking on the demo business', () => {
  it('confirms in the outbox, schedules, moves and cancels reminders, and signs webhook deliveries', async () => {
    // A webhook endpoint whose first attempt at each delivery fails.
    const created = await owner.fetch('/api/tenant/webhooks', {
      json: { url: `${RECEIVER}/hooks/${hook}?fail=1`, events: ['booking.created', 'booking.rescheduled', 'booking.cancelled', 'customer.created'] },
    })
    expect(created.status).toBe(201)
    const { endpoint, secret } = (await created.json()) as { endpoint: { id: string }; secret: string }
    expect(secret).toMatch(/^whsec_/)
    await fetch(`${RECEIVER}/secrets/${hook}`, { method: 'PUT', body: secret })

    const start = await freeStart(Date.now() + 3 * 24 * HOUR)
    const email = `jobs-${crypto.randomUUID().slice(0, 8)}@customers.example.com`
    const booked = await request(demo.tenant.primaryHost, '/api/public/bookings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId, start, customer: { name: 'Greta Kunde', email, phone: '+49 30 1234567', timeZone: 'Europe/Berlin', locale: 'de-DE' } }),
    })
    expect(booked.status).toBe(201)
    const { event, manageToken } = (await booked.json()) as { event: { id: string; start: string }; manageToken: string }

    // The confirmation: email with the manage link, the time in Berlin in German, and an ICS; and an SMS.
    const confirmation = await eventually(() => outbox(event.id), (list) => list.filter((n) => n.kind === 'confirmation' && n.status === 'sent').length === 2, 'the confirmation')
    const mail = confirmation.find((n) => n.channel === 'email')!
    expect(mail.to).toBe(email)
    expect(mail.subject).toContain('Confirmed: Massage')
    expect(mail.body).toContain('Hello Greta Kunde')
    expect(mail.body).toContain(`/manage/${manageToken}`)
    const berlin = new Intl.DateTimeFormat('de-DE', { timeZone: 'Europe/Berlin', hour: 'numeric', minute: '2-digit' }).format(new Date(event.start))
    expect(mail.body).toContain(berlin)
    expect(mail.body).toMatch(/Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag/)
    const ics = await (await owner.fetch(`/api/tenant/notifications/${mail.id}/ics`)).text()
    expect(ics).toContain('BEGIN:VEVENT')
    expect(ics).toContain(`DTSTART:${event.start.replace(/[-:]/g, '').replace('.000', '')}`)
    expect(confirmation.find((n) => n.channel === 'sms')!.to).toBe('+49 30 1234567')

    // Reminders at 24 h and 2 h before the start.
    const startMs = Date.parse(event.start)
    const pendingReminders = async () =>
      (await withDatabase(({ pool }) => listDueJobs(pool, demo.tenant.id, event.id))).filter((j) => j.kind.startsWith('reminder:') && j.status === 'pending')
    expect((await pendingReminders()).map((r) => Date.parse(r.dueAt)).sort()).toEqual([startMs - 24 * HOUR, startMs - 2 * HOUR])

    // Webhooks: customer.created and booking.created; each first attempt got a 503.
    await eventually(() => received(hook), (list) => list.filter((r) => r.status === 503).length >= 2, 'the first attempts')
    // The retry is a due job a minute later: the cron relays it when it is due.
    await cronAt(Date.now() + 61_000)
    const deliveries = await eventually(() => received(hook), (list) => list.filter((r) => r.status === 200).length >= 2, 'the retried deliveries')
    const ok = deliveries.filter((r) => r.status === 200)
    expect(ok.every((r) => r.verified)).toBe(true)
    expect(ok.map((r) => JSON.parse(r.body).type).sort()).toEqual(['booking.created', 'customer.created'])
    const createdHook = JSON.parse(ok.find((r) => JSON.parse(r.body).type === 'booking.created')!.body)
    expect(createdHook.data.appointment).toMatchObject({ id: event.id, start: event.start })
    expect(createdHook.data.booking.customer.email).toBe(email)
    const records = (await (await owner.fetch(`/api/tenant/webhooks/${endpoint.id}/deliveries`)).json()) as { deliveries: { eventType: string; status: string; attempts: number; responseCode: number }[] }
    expect(records.deliveries.find((d) => d.eventType === 'booking.created')).toMatchObject({ status: 'delivered', attempts: 2, responseCode: 200 })

    // Move the appointment a day later: old reminders cancelled, new ones at the new times, a notice.
    const later = await freeStart(startMs + 24 * HOUR)
    const moved = await owner.fetch(`/api/tenant/events/${event.id}`, { method: 'PATCH', json: { start: later } })
    expect(moved.status).toBe(200)
    const laterMs = Date.parse(later)
    expect((await pendingReminders()).map((r) => Date.parse(r.dueAt)).sort()).toEqual([laterMs - 24 * HOUR, laterMs - 2 * HOUR])
    await eventually(() => outbox(event.id), (list) => list.some((n) => n.kind === 'reschedule' && n.channel === 'email' && n.status === 'sent'), 'the reschedule notice')

    // The 24-hour reminder goes out when the cron reaches its time, in the outbox.
    await cronAt(laterMs - 24 * HOUR + 1000)
    const reminder = await eventually(() => outbox(event.id), (list) => list.some((n) => n.kind === 'reminder' && n.channel === 'email' && n.status === 'sent'), 'the reminder')
    expect(reminder.find((n) => n.kind === 'reminder' && n.channel === 'email')!.subject).toContain('Reminder: Massage')
    expect((await pendingReminders()).map((r) => Date.parse(r.dueAt))).toEqual([laterMs - 2 * HOUR])

    // Cancel: the last reminder is cancelled, the customer told, the webhook signed.
    expect((await owner.fetch(`/api/tenant/events/${event.id}/cancel`, { json: { reason: 'closed' } })).status).toBe(200)
    expect(await pendingReminders()).toEqual([])
    await eventually(() => outbox(event.id), (list) => list.some((n) => n.kind === 'cancellation' && n.channel === 'email' && n.status === 'sent'), 'the cancellation notice')
    // the move's and the cancellation's first attempts (503) schedule their retries; then the cron sends them
    await eventually(() => received(hook), (list) => list.filter((r) => r.status === 503).length >= 4, 'the first attempts of the move and cancel webhooks')
    await cronAt(Date.now() + 61_000)
    const all = await eventually(() => received(hook), (list) => list.filter((r) => r.status === 200).length >= 4, 'the move and cancel webhooks')
    expect(all.filter((r) => r.status === 200).map((r) => JSON.parse(r.body).type).sort()).toEqual(['booking.cancelled', 'booking.created', 'booking.rescheduled', 'customer.created'])
    expect(all.filter((r) => r.status === 200).every((r) => r.verified)).toBe(true)

    // The owner reads the same outbox and deliveries in the portal, and can send a delivery again.
    const page = await (await owner.fetch('/portal/notifications')).text()
    expect(page).toContain('Confirmed: Massage')
    expect(page).toContain('Reminder: Massage')
    expect(page).toContain(`${RECEIVER}/hooks/${hook}`)
    expect(page).toContain('Send again')
  })

  it('sends a redelivered notification once, and retries a failing email provider with backoff until it takes it', async () => {
    const start = await freeStart(Date.now() + 5 * 24 * HOUR)
    const booked = await request(demo.tenant.primaryHost, '/api/public/bookings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId, start, customer: { name: 'Twice Customer', email: `twice-${crypto.randomUUID().slice(0, 8)}@customers.example.com` } }),
    })
    expect(booked.status).toBe(201)
    const { event } = (await booked.json()) as { event: { id: string } }
    await eventually(() => outbox(event.id), (list) => list.some((n) => n.kind === 'confirmation' && n.status === 'sent'), 'the confirmation')
    const job = (await withDatabase(({ pool }) => listDueJobs(pool, demo.tenant.id, event.id))).find((j) => j.kind === 'notify:confirmation')!.message

    // The queue delivers the same message again: nothing more is sent.
    const again = createMessageBatch('jobs', [{ id: 'again', timestamp: new Date(), attempts: 1, body: job }])
    const ctx = createExecutionContext()
    await worker.queue(again, env, ctx)
    await waitOnExecutionContext(ctx)
    expect((await outbox(event.id)).filter((n) => n.kind === 'confirmation')).toHaveLength(1)

    // The same kind of message through an HTTP email API that fails twice: retried at 5 s, 10 s; sent once.
    const fresh: JobMessage = { ...job, id: `retry-${crypto.randomUUID()}` }
    const provider = `mail-${crypto.randomUUID().slice(0, 8)}`
    const handlers = jobHandlers({ ...env, EMAIL_API_URL: `${RECEIVER}/provider/${provider}?fail=2`, EMAIL_API_KEY: 'test-key' })
    const retries: number[] = []
    for (let attempt = 1; attempt <= 3; attempt++) {
      const batch = createMessageBatch('jobs', [{ id: `m-${attempt}`, timestamp: new Date(), attempts: attempt, body: fresh }])
      const bctx = createExecutionContext()
      // getQueueResult does not report the delay asked for; record it on the way through.
      const message = batch.messages[0]!
      const observed = {
        ...batch,
        messages: [{ id: message.id, timestamp: message.timestamp, body: message.body, attempts: message.attempts, ack: () => message.ack(), retry: (o?: QueueRetryOptions) => (retries.push(o?.delaySeconds ?? 0), message.retry(o)) }],
      } as unknown as MessageBatch<unknown>
      await withDatabase(({ pool }) => consumeJobs(observed, { pool, enqueue: async () => {} }, handlers))
      const result = await getQueueResult(batch, bctx)
      expect(result.explicitAcks).toEqual(attempt === 3 ? ['m-3'] : [])
    }
    expect(retries).toEqual([5, 10])
    const calls = await received(provider)
    expect(calls.map((c) => c.status)).toEqual([503, 503, 200])
    expect(new Set(calls.map((c) => c.headers['idempotency-key']))).toEqual(new Set([`${fresh.id}:email`]))
    expect(JSON.parse(calls[2]!.body)).toMatchObject({ subject: expect.stringContaining('Confirmed'), attachments: [{ filename: 'appointment.ics' }] })
    const row = (await outbox(event.id)).filter((n) => n.kind === 'confirmation' && n.channel === 'email')
    expect(row.map((r) => r.status).sort()).toEqual(['sent', 'sent']) // the outbox copy and the provider's, one each
  })
})
