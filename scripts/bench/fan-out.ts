// Realtime fan-out against a running platform: many WebSockets follow one business's calendar;
// one booking; how long until each socket (and the last one) has the message. Then the same with
// several businesses at once, to show that one business's hub does not slow another's. The hub's
// memory is read as the growth of the workerd process while the sockets are open.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { WebSocket } from 'ws'
import { expectStatus, Session, type Endpoint } from './http'
import type { Platform } from './platform'
import { pooled, round, summarize, type Summary } from './stats'

const ROOT = 'lvh.me'
const PASSWORD = 'bench-password-Long-2026!'
const HOUR = 3600_000
const DAY = 24 * HOUR

export interface FanOutConfig {
  /** sockets on the one business */
  sockets: number
  /** businesses × sockets each, all booking at the same moment */
  tenants: number
  socketsPerTenant: number
  /** bookings measured per phase */
  rounds: number
}

export interface Delivery {
  /** from sending the booking to each socket's receipt of its event.created */
  fromRequestMs: Summary & { p99: number }
  /** from the booking's 201 arriving to each socket's receipt */
  fromResponseMs: Summary & { p99: number }
  /** the last socket of each round, from sending the booking */
  lastSocketMs: number[]
  missing: number
}

export interface FanOutResult {
  single: { sockets: number; connectSeconds: number; rounds: number; bookingMs: Summary; delivery: Delivery; memory: MemoryReading }
  multi: {
    tenants: number
    socketsPerTenant: number
    connectSeconds: number
    alone: Delivery
    together: Delivery
    perTenantLastMs: { alone: number[]; together: number[] }
  }
}

/**
 * Resident memory of the platform's workerd processes. `wrangler dev` runs two: its proxy in front
 * and the Worker with its Durable Objects; both hold every open socket. There is no per-object
 * memory figure in workerd, so the hub's share is inside the Worker process's growth.
 */
export interface MemoryReading {
  processes: { pid: number; beforeMiB: number; withSocketsMiB: number; perSocketKiB: number }[]
  totalPerSocketKiB: number | null
}

type Log = (message: string) => void

interface Business {
  host: string
  serviceId: string
  resourceId: string
  cookie: string
}

/** Resident memory (KiB) of each workerd process whose working folder is `cwd` (this platform's). */
function workerdRssKiB(cwd: string): Map<number, number> {
  const found = new Map<number, number>()
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (!cmd.includes('workerd')) continue
      if (readlinkSync(`/proc/${pid}/cwd`) !== cwd) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (rss) found.set(Number(pid), Number(rss[1]))
    } catch {
      // the process ended while we looked
    }
  }
  return found
}

function memoryReading(before: Map<number, number>, after: Map<number, number>, sockets: number): MemoryReading {
  const processes = [...after].filter(([pid]) => before.has(pid)).map(([pid, kib]) => ({
    pid,
    beforeMiB: round(before.get(pid)! / 1024, 1),
    withSocketsMiB: round(kib / 1024, 1),
    perSocketKiB: round((kib - before.get(pid)!) / sockets, 1),
  }))
  return { processes, totalPerSocketKiB: processes.length ? round(processes.reduce((n, p) => n + p.perSocketKiB, 0), 1) : null }
}

async function makeBusiness(endpoint: Endpoint, platform: Platform, tag: string, i: number): Promise<Business> {
  const bearer = { authorization: `Bearer ${platform.token}` }
  const platformHost = `platform.${ROOT}`
  const tenant = expectStatus(
    await endpoint.request(platformHost, 'POST', '/api/platform/tenants', { json: { slug: `fan-${tag}-${i}`, name: `Fan-out ${i}`, timeZone: 'UTC' }, headers: bearer }),
    201,
    'provision a fan-out tenant',
  ).tenant as { id: string; primaryHost: string }
  const email = `fan-owner-${tag}-${i}@example.test`
  expectStatus(
    await endpoint.request(platformHost, 'POST', '/api/platform/users', { json: { email, role: 'TENANT_OWNER', tenantId: tenant.id, password: PASSWORD, displayName: 'Owner' }, headers: bearer }),
    201,
    'create the owner',
  )
  const owner = new Session(endpoint, tenant.primaryHost)
  expectStatus(await owner.send('POST', '/api/auth/login', { email, password: PASSWORD }), 200, 'sign in')
  const resource = expectStatus(await owner.send('POST', '/api/tenant/resources', { kind: 'staff', name: 'Staff', timeZone: 'UTC' }), 201, 'resource').resource as { id: string }
  const everyDay = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) }
  expectStatus(await owner.send('PUT', `/api/tenant/resources/${resource.id}/hours`, everyDay), 200, 'hours')
  const service = expectStatus(
    await owner.send('POST', '/api/tenant/services', { name: 'Session', durationMinutes: 30, slotIntervalMinutes: 30, minNoticeMinutes: 0, resourceGroups: [[resource.id]] }),
    201,
    'service',
  ).service as { id: string }
  return { host: tenant.primaryHost, serviceId: service.id, resourceId: resource.id, cookie: owner.cookieHeader() }
}

/** A socket following the business's calendar; resolves once the hub has welcomed it. */
function follow(port: number, business: Business, onEvent: (eventId: string, at: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?topics=calendar`, { headers: { host: `${business.host}:${port}`, cookie: business.cookie } })
    const timer = setTimeout(() => reject(new Error('no welcome within 30 s')), 30_000)
    ws.on('message', (data) => {
      const at = performance.now()
      const frame = JSON.parse(String(data)) as { type: string; topics?: Record<string, number>; messages?: { type: string; event?: { id: string } }[]; event?: { id: string } }
      if (frame.type === 'welcome') {
        clearTimeout(timer)
        if (!frame.topics || !('calendar' in frame.topics)) reject(new Error(`the calendar was refused: ${JSON.stringify(frame)}`))
        else resolve(ws)
        return
      }
      for (const m of frame.type === 'batch' ? frame.messages! : [frame]) if (m.type === 'event.created' && m.event) onEvent(m.event.id, at)
    })
    ws.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

class Listeners {
  /** eventId → receipt times */
  readonly receipts = new Map<string, number[]>()
  record = (eventId: string, at: number) => {
    const list = this.receipts.get(eventId)
    if (list) list.push(at)
    else this.receipts.set(eventId, [at])
  }
  /** Waits until `count` sockets have the event (or 15 s pass). */
  async waitFor(eventId: string, count: number): Promise<number[]> {
    const deadline = Date.now() + 15_000
    while ((this.receipts.get(eventId)?.length ?? 0) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    return this.receipts.get(eventId) ?? []
  }
}

function withP99(values: number[]): Summary & { p99: number } {
  const sorted = [...values].sort((a, b) => a - b)
  const p99 = sorted.length ? sorted[Math.min(sorted.length, Math.max(1, Math.ceil(0.99 * sorted.length))) - 1]! : NaN
  return { ...summarize(values), p99: round(p99) }
}

async function bookAndMeasure(endpoint: Endpoint, business: Business, listeners: Listeners, sockets: number, start: number) {
  const body = { serviceId: business.serviceId, start: new Date(start).toISOString(), customer: { name: 'Fan-out customer', email: `fan-${start}@example.test` } }
  const sent = performance.now()
  const reply = await endpoint.request(business.host, 'POST', '/api/public/bookings', { json: body })
  const answered = performance.now()
  const created = expectStatus(reply, 201, 'fan-out booking') as { event: { id: string } }
  const receipts = await listeners.waitFor(created.event.id, sockets)
  return { bookingMs: answered - sent, fromRequest: receipts.map((t) => t - sent), fromResponse: receipts.map((t) => t - answered), missing: sockets - receipts.length }
}

function delivery(rounds: { fromRequest: number[]; fromResponse: number[]; missing: number }[]): Delivery {
  return {
    fromRequestMs: withP99(rounds.flatMap((r) => r.fromRequest)),
    fromResponseMs: withP99(rounds.flatMap((r) => r.fromResponse)),
    lastSocketMs: rounds.map((r) => round(Math.max(...r.fromRequest))),
    missing: rounds.reduce((n, r) => n + r.missing, 0),
  }
}

export async function runFanOut(platform: Platform, endpoint: Endpoint, cwd: string, config: FanOutConfig, log: Log): Promise<FanOutResult> {
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
  const opened: WebSocket[] = []
  const base = Math.floor(Date.now() / DAY) * DAY + 3 * DAY
  let slot = 0
  const nextStart = () => base + 30 * 60_000 * slot++
  try {
    // ---- one business, many sockets ----
    const one = await makeBusiness(endpoint, platform, tag, 0)
    const listeners = new Listeners()
    const rssBefore = workerdRssKiB(cwd)
    const connectStarted = performance.now()
    await pooled(config.sockets, 50, async () => opened.push(await follow(endpoint.port, one, listeners.record)))
    const connectSeconds = round((performance.now() - connectStarted) / 1000)
    await new Promise((r) => setTimeout(r, 500))
    const rssWith = workerdRssKiB(cwd)
    const memory = memoryReading(rssBefore, rssWith, config.sockets)
    log(`fan-out: ${config.sockets} sockets on ${one.host} in ${connectSeconds}s; workerd ${memory.totalPerSocketKiB} KiB per socket`)
    const singleRounds = []
    for (let r = 0; r < config.rounds; r++) singleRounds.push(await bookAndMeasure(endpoint, one, listeners, config.sockets, nextStart()))
    const single = {
      sockets: config.sockets,
      connectSeconds,
      rounds: config.rounds,
      bookingMs: summarize(singleRounds.map((r) => r.bookingMs)),
      delivery: delivery(singleRounds),
      memory,
    }
    log(`fan-out: 1 × ${config.sockets}: last socket ${single.delivery.lastSocketMs.join(', ')} ms after the booking was sent`)
    for (const ws of opened.splice(0)) ws.terminate()

    // ---- several businesses at once ----
    const businesses: Business[] = []
    for (let i = 1; i <= config.tenants; i++) businesses.push(await makeBusiness(endpoint, platform, tag, i))
    const perBusiness = businesses.map(() => new Listeners())
    const multiStarted = performance.now()
    await pooled(config.tenants * config.socketsPerTenant, 50, async (i) => {
      const b = i % config.tenants
      opened.push(await follow(endpoint.port, businesses[b]!, perBusiness[b]!.record))
    })
    const multiConnect = round((performance.now() - multiStarted) / 1000)
    // Alone: each business books while the others are quiet.
    const alone = []
    for (let r = 0; r < config.rounds; r++) {
      const start = nextStart()
      for (const [i, b] of businesses.entries()) alone.push({ tenant: i, ...(await bookAndMeasure(endpoint, b, perBusiness[i]!, config.socketsPerTenant, start)) })
    }
    // Together: every business books at the same moment.
    const together = []
    for (let r = 0; r < config.rounds; r++) {
      const start = nextStart()
      const results = await Promise.all(businesses.map((b, i) => bookAndMeasure(endpoint, b, perBusiness[i]!, config.socketsPerTenant, start)))
      together.push(...results.map((x, i) => ({ tenant: i, ...x })))
    }
    const lastByTenant = (rows: { tenant: number; fromRequest: number[] }[]) =>
      businesses.map((_, i) => round(Math.max(...rows.filter((r) => r.tenant === i).flatMap((r) => r.fromRequest))))
    const multi = {
      tenants: config.tenants,
      socketsPerTenant: config.socketsPerTenant,
      connectSeconds: multiConnect,
      alone: delivery(alone),
      together: delivery(together),
      perTenantLastMs: { alone: lastByTenant(alone), together: lastByTenant(together) },
    }
    log(`fan-out: ${config.tenants} × ${config.socketsPerTenant}: p99 alone ${multi.alone.fromRequestMs.p99} ms, together ${multi.together.fromRequestMs.p99} ms`)
    return { single, multi }
  } finally {
    for (const ws of opened) ws.terminate()
  }
}

export function formatFanOut(r: FanOutResult): string {
  const d = (x: Delivery) => `median ${x.fromRequestMs.median} ms, p99 ${x.fromRequestMs.p99} ms, max ${x.fromRequestMs.max} ms (after the 201: median ${x.fromResponseMs.median}, p99 ${x.fromResponseMs.p99}); missing ${x.missing}`
  const m = r.single.memory
  return [
    `\nRealtime fan-out: sockets following one calendar; one booking; time until each socket has event.created (from sending the booking)`,
    `  1 business × ${r.single.sockets} sockets (${r.single.rounds} bookings): ${d(r.single.delivery)}`,
    `    last socket per booking: ${r.single.delivery.lastSocketMs.join(', ')} ms; booking answered in median ${r.single.bookingMs.median} ms; ${r.single.sockets} sockets connected in ${r.single.connectSeconds} s`,
    `    workerd memory with the sockets open: ${m.processes.map((p) => `pid ${p.pid} ${p.beforeMiB} → ${p.withSocketsMiB} MiB (${p.perSocketKiB} KiB/socket)`).join('; ') || 'not found'}; ${m.totalPerSocketKiB ?? '?'} KiB per socket in all (wrangler dev's proxy and the Worker with its hubs)`,
    `  ${r.multi.tenants} businesses × ${r.multi.socketsPerTenant} sockets, each booking alone: ${d(r.multi.alone)}`,
    `  ${r.multi.tenants} businesses × ${r.multi.socketsPerTenant} sockets, all booking at once: ${d(r.multi.together)}`,
    `    last socket per business, alone: ${r.multi.perTenantLastMs.alone.join(', ')} ms; together: ${r.multi.perTenantLastMs.together.join(', ')} ms`,
  ].join('\n')
}
