// One database's benchmark against a running platform: set-up through the API, booking storms,
// booking throughput against a plain-SQL baseline, and slot computation (engine and API).
import { createHash, randomUUID } from 'node:crypto'
import type { AvailabilityInput, Interval, ResourceCalendar, ServiceSpec, Slot } from '../../worker/scheduling/availability'
import { countOverlaps, openDatabase, quoteSchema, type Database } from './db'
import { Endpoint, expectStatus, parseJson, Session, type Reply } from './http'
import type { Platform, PlatformEvent } from './platform'
import { countBy, pooled, round, seededRandom, summarize, type Summary } from './stats'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const ROOT = 'lvh.me'
const PASSWORD = 'bench-password-Long-2026!'
const VIEWER_TZ = 'America/New_York'

export interface BenchConfig {
  storms: number[]
  m: number
  concurrency: number
  resources: number
  slotDays: number
  busyIntervals: number
  engineRuns: number
  apiRuns: number
  warmups: number
  seed: number
  /** a booking request without an answer after this long counts as a failure ('network') */
  requestTimeoutMs: number
  /** the API throughput phase starts no new request after this long */
  phaseTimeoutMs: number
}

export interface StormResult {
  n: number
  slot: string
  resourceId: string
  successes: number
  clean409: number
  /** of the clean 409s: refused by the re-check in the booking transaction (carry nextSlots) */
  clean409ByRecheck: number
  /** of the clean 409s: refused by the exclusion constraint (details.reason = 'overlap') */
  clean409ByConstraint: number
  other: number
  otherStatuses: Record<string, number>
  otherSamples: string[]
  wallMs: number
  latencyMs: Summary
  liveOccupationsAtSlot: number
  eventsAtSlot: number
  bookingsAtSlot: number
  overlapsAfter: number
  invariantHolds: boolean
  allExpectationsHold: boolean
  platform: PhaseEvents
}

export interface ThroughputResult {
  m: number
  concurrency: number
  api: {
    /** requests never sent because the phase deadline passed (the platform had stopped answering) */
    notSent: number
    timeoutsByResource: Record<string, number>
    statuses: Record<string, number>
    failureSamples: string[]
    successes: number
    wallMs: number
    bookingsPerSecond: number
    latencyMs: Summary
    overlapsAfter: number
    platform: PhaseEvents
  }
  plainSql: {
    schema: string
    committed: number
    failures: number
    failureSamples: string[]
    wallMs: number
    rowsPerSecond: number
    latencyMs: Summary
    overlapsAfter: number
    note: string
  }
  plainSqlConnectionPerRow: {
    committed: number
    failures: number
    failureSamples: string[]
    wallMs: number
    rowsPerSecond: number
    latencyMs: Summary
    note: string
  }
  ratioApiToPlain: number
  ratioApiToPlainConnectionPerRow: number
}

export interface SlotsResult {
  days: number
  resources: number
  busyIntervals: number
  slotIntervalMinutes: number
  durationMinutes: number
  viewerTimeZone: string
  from: string
  to: string
  engine: EngineTiming
  api: { runs: number; statuses: Record<string, number>; failureSamples: string[]; slots: number; responseBytes: number; ms: Summary; samplesMs: number[]; platform: PhaseEvents }
  /** the API's slot list (start, resources) is exactly the engine's for the same calendars */
  slotListsIdentical: boolean
  slotListDifference?: string
}

export interface ScenarioResult {
  tenant: { slug: string; schema: string; host: string }
  setupSeconds: number
  storms: StormResult[]
  throughput?: ThroughputResult
  slots?: SlotsResult
  /** Worker reloads and unhandled errors over the whole scenario */
  platform: PhaseEvents
}

type Log = (message: string) => void
export type Engine = (input: AvailabilityInput) => Slot[]

/** What the platform printed while a phase ran: Worker reloads (source edits) and unhandled errors. */
export interface PhaseEvents {
  reloads: number
  errors: number
  errorSamples: string[]
}

function eventsBetween(events: PlatformEvent[], from: number, to: number): PhaseEvents {
  const inside = events.filter((e) => e.at >= from && e.at <= to)
  const errors = inside.filter((e) => e.kind === 'error')
  return {
    reloads: inside.filter((e) => e.kind === 'reload').length,
    errors: errors.length,
    errorSamples: [...new Set(errors.map((e) => e.text))].slice(0, 5),
  }
}

/**
 * Waits until the platform has printed nothing for `quietMs` (at most `maxMs`): wrangler's log of a
 * phase's requests and errors trails the answers, most of all after a burst.
 */
async function settle(platform: Platform, quietMs = 1500, maxMs = 20_000): Promise<void> {
  const deadline = Date.now() + maxMs
  while (Date.now() < deadline && Date.now() - platform.lastOutputAt() < quietMs) {
    await new Promise((r) => setTimeout(r, 250))
  }
}

function body(reply: Reply): string {
  return reply.networkError ? `network error: ${reply.networkError}` : `${reply.status} ${reply.text.slice(0, 300)}`
}

function samplesOf(replies: Reply[], limit = 3): string[] {
  const seen = new Set<string>()
  for (const r of replies) {
    if (seen.size >= limit) break
    seen.add(body(r))
  }
  return [...seen]
}

/** Random busy time, non-overlapping per resource: `perResource` intervals, one per equal bucket of [from, to). */
export function busyIntervals(resourceIds: string[], total: number, from: number, to: number, seed: number): Map<string, Interval[]> {
  const random = seededRandom(seed)
  const out = new Map<string, Interval[]>()
  const quarter = 15 * MINUTE
  resourceIds.forEach((id, r) => {
    const count = Math.floor(total / resourceIds.length) + (r < total % resourceIds.length ? 1 : 0)
    const bucket = Math.floor((to - from) / count / quarter) * quarter
    const list: Interval[] = []
    for (let k = 0; k < count; k++) {
      const duration = [30, 45, 60, 90, 120][Math.floor(random() * 5)]! * MINUTE
      const room = Math.max(0, Math.floor((bucket - duration) / quarter))
      const start = from + k * bucket + Math.floor(random() * (room + 1)) * quarter
      list.push({ start, end: start + Math.min(duration, bucket) })
    }
    out.set(id, list)
  })
  return out
}

/** The slot query of step 5: `resourceIds` working 00:00–24:00 UTC every day, seeded busy time, 30 days. */
export function engineInput(resourceIds: string[], from: number, to: number, config: BenchConfig) {
  const busy = busyIntervals(resourceIds, config.busyIntervals, from, to, config.seed)
  const spec: ServiceSpec = {
    durationMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 120,
    slotIntervalMinutes: 30,
    seats: 1,
    resourceGroups: [[...resourceIds].sort()], // the order getService() returns them in (ORDER BY resource_id)
  }
  const calendars: ResourceCalendar[] = resourceIds.map((resourceId) => ({
    resourceId,
    timeZone: 'UTC',
    weekly: ([1, 2, 3, 4, 5, 6, 7] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' })),
    overrides: [],
    blocks: [],
    busy: busy.get(resourceId)!,
  }))
  const input: AvailabilityInput = {
    service: spec,
    resources: calendars,
    closures: [],
    holds: [],
    seated: [],
    query: { from, to, now: Date.now(), viewerTimeZone: VIEWER_TZ },
  }
  return { input, busy, spec }
}

export interface EngineTiming {
  runs: number
  slots: number
  busyIntervals: number
  ms: Summary
  samplesMs: number[]
  note: string
}

/**
 * 5(a): one availableSlots call over `slotDays` days × `resources` resources with the seeded busy
 * time, `engineRuns` times after `warmups`. Run while no platform is up, so the machine is quiet.
 */
export function measureEngine(availableSlots: Engine, config: BenchConfig): EngineTiming {
  const ids = Array.from({ length: config.resources }, (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`)
  const from = Math.floor(Date.now() / DAY) * DAY + 10 * DAY
  const { input } = engineInput(ids, from, from + config.slotDays * DAY, config)
  let slots = 0
  for (let i = 0; i < config.warmups; i++) slots = availableSlots(input).length
  const samples: number[] = []
  for (let i = 0; i < config.engineRuns; i++) {
    const t = performance.now()
    slots = availableSlots(input).length
    samples.push(performance.now() - t)
  }
  return {
    runs: config.engineRuns,
    slots,
    busyIntervals: input.resources.reduce((n, r) => n + r.busy.length, 0),
    ms: summarize(samples),
    samplesMs: samples.map((x) => round(x, 2)),
    note: `in-process, ${config.warmups} warm-up calls first, measured before this database's platform was started (idle machine)`,
  }
}

export async function runScenario(
  platform: Platform,
  endpoint: Endpoint,
  config: BenchConfig,
  log: Log,
  engine: Engine,
  engineTiming: EngineTiming,
): Promise<ScenarioResult> {
  const platformHost = `platform.${ROOT}`
  const bearer = { authorization: `Bearer ${platform.token}` }
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
  const setupStarted = performance.now()

  // ---- set-up through the API ----
  const slug = `bench-${tag}`
  const tenant = expectStatus(
    await endpoint.request(platformHost, 'POST', '/api/platform/tenants', { json: { slug, name: 'Bench Studio', timeZone: 'UTC', plan: 'business' }, headers: bearer }),
    201,
    'provision the tenant',
  ).tenant as { id: string; schemaName: string; primaryHost: string }
  const host = tenant.primaryHost
  const ownerEmail = `owner-${tag}@example.test`
  expectStatus(
    await endpoint.request(platformHost, 'POST', '/api/platform/users', {
      json: { email: ownerEmail, role: 'TENANT_OWNER', tenantId: tenant.id, password: PASSWORD, displayName: 'Bench Owner' },
      headers: bearer,
    }),
    201,
    'create the tenant owner',
  )
  const owner = new Session(endpoint, host)
  const login = expectStatus(await owner.send('POST', '/api/auth/login', { email: ownerEmail, password: PASSWORD }), 200, 'sign in as the owner')
  if (login?.mfaRequired || !owner.has('ss_csrf')) throw new Error(`sign-in did not open a cookie session: ${JSON.stringify(login)}`)

  const everyDay = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) }
  const resourceIds: string[] = []
  for (let i = 0; i < config.resources; i++) {
    const created = expectStatus(
      await owner.send('POST', '/api/tenant/resources', { kind: 'staff', name: `Staff ${String(i + 1).padStart(2, '0')}`, timeZone: 'UTC' }),
      201,
      `create resource ${i + 1}`,
    )
    resourceIds.push(created.resource.id)
    expectStatus(await owner.send('PUT', `/api/tenant/resources/${created.resource.id}/hours`, everyDay), 200, `set hours of resource ${i + 1}`)
  }
  const createService = async (spec: Record<string, unknown>) =>
    expectStatus(await owner.send('POST', '/api/tenant/services', spec), 201, `create service ${String(spec.name)}`).service as { id: string }
  // The storm service: one resource, so every storm booking wants the very same occupation.
  const stormService = await createService({ name: 'Storm session', durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, resourceGroups: [[resourceIds[0]]] })
  const appointment = await createService({ name: 'Appointment', durationMinutes: 30, slotIntervalMinutes: 30, minNoticeMinutes: 0, resourceGroups: [resourceIds] })
  const consultation = await createService({
    name: 'Consultation',
    durationMinutes: 60,
    slotIntervalMinutes: 30,
    minNoticeMinutes: 0,
    horizonDays: 120,
    resourceGroups: [resourceIds],
  })
  const setupSeconds = round((performance.now() - setupStarted) / 1000)
  log(`set-up: tenant ${slug} (${tenant.schemaName}), ${resourceIds.length} resources, 3 services in ${setupSeconds}s`)

  // A small pool for checks and seeding; the plain-SQL baseline opens its own.
  const database = openDatabase(platform.databaseUrl, platform.wsProxy, 2)
  const scenarioStarted = Date.now()
  const result: ScenarioResult = { tenant: { slug, schema: tenant.schemaName, host }, setupSeconds, storms: [], platform: { reloads: 0, errors: 0, errorSamples: [] } }
  try {
    // Time layout (all UTC, all resources work 00:00–24:00 every day):
    //   storms:      day base, 10:00, 11:00, … on resource 1
    //   throughput:  from day base+1, 30-minute slots, spread over the resources
    //   slots:       the `slotDays` days after the throughput days, with the seeded busy time
    const base = Math.floor(Date.now() / DAY) * DAY + 2 * DAY
    const tpBase = base + DAY
    const perResource = Math.ceil(config.m / config.resources)
    const tpDays = Math.ceil((perResource * 30 * MINUTE) / DAY)
    const slotFrom = tpBase + (tpDays + 1) * DAY
    const slotTo = slotFrom + config.slotDays * DAY

    // ---- 3. booking storms ----
    for (const [index, n] of config.storms.entries()) {
      const start = new Date(base + (index % 12) * HOUR + 10 * HOUR + Math.floor(index / 12) * DAY).toISOString()
      const bodies = Array.from({ length: n }, (_, i) => ({
        serviceId: stormService.id,
        start,
        customer: { name: `Storm ${n} customer ${i}`, email: `storm-${n}-${i}-${tag}@example.test` },
      }))
      log(`storm: ${n} simultaneous bookings of ${start}`)
      const phaseStart = Date.now()
      const t0 = performance.now()
      const replies = await Promise.all(bodies.map((json) => endpoint.request(host, 'POST', '/api/public/bookings', { json, timeoutMs: config.requestTimeoutMs })))
      const wallMs = performance.now() - t0
      const parsed = replies.map((reply) => ({ reply, json: parseJson(reply) }))
      const wins = parsed.filter((p) => p.reply.status === 201)
      const clean = parsed.filter((p) => p.reply.status === 409 && p.json?.error?.code === 'slot_unavailable')
      const byConstraint = clean.filter((p) => p.json?.error?.details?.reason === 'overlap').length
      const others = parsed.filter((p) => p.reply.status !== 201 && !clean.includes(p))
      const s = quoteSchema(tenant.schemaName)
      const live = await database.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${s}.event_resources WHERE live AND resource_id = $1 AND occupied_start = $2`,
        [resourceIds[0], start],
      )
      const events = await database.pool.query<{ events: number; bookings: number }>(
        `SELECT count(DISTINCT e.id)::int AS events, count(b.id)::int AS bookings
           FROM ${s}.events e LEFT JOIN ${s}.bookings b ON b.event_id = e.id AND b.status = 'booked'
          WHERE e.service_id = $1 AND e.starts_at = $2 AND e.status <> 'cancelled'`,
        [stormService.id, start],
      )
      const overlapsAfter = await countOverlaps(database.pool, tenant.schemaName)
      await settle(platform)
      const storm: StormResult = {
        n,
        slot: start,
        resourceId: resourceIds[0]!,
        successes: wins.length,
        clean409: clean.length,
        clean409ByRecheck: clean.length - byConstraint,
        clean409ByConstraint: byConstraint,
        other: others.length,
        otherStatuses: countBy(others, (p) =>
          p.reply.networkError ? (/no answer/.test(p.reply.networkError) ? 'timeout' : 'network') : p.reply.status === 409 ? `409:${p.json?.error?.code}` : p.reply.status,
        ),
        otherSamples: samplesOf(others.map((p) => p.reply)),
        wallMs: round(wallMs),
        latencyMs: summarize(replies.map((r) => r.ms)),
        liveOccupationsAtSlot: live.rows[0]!.n,
        eventsAtSlot: events.rows[0]!.events,
        bookingsAtSlot: events.rows[0]!.bookings,
        overlapsAfter,
        invariantHolds: wins.length === 1 && overlapsAfter === 0,
        allExpectationsHold:
          wins.length === 1 && clean.length === n - 1 && others.length === 0 && overlapsAfter === 0 &&
          live.rows[0]!.n === 1 && events.rows[0]!.events === 1 && events.rows[0]!.bookings === 1,
        platform: eventsBetween(platform.events, phaseStart, Date.now()),
      }
      result.storms.push(storm)
      log(`storm ${n}: ${storm.successes} × 201, ${storm.clean409} × clean 409, ${storm.other} other, ${storm.wallMs} ms, overlaps ${overlapsAfter}`)
    }

    // ---- 4. throughput: the API, then plain SQL into a fresh tenant schema ----
    result.throughput = await throughput(endpoint, platform, database, config, {
      host,
      bearer,
      tag,
      schema: tenant.schemaName,
      serviceId: appointment.id,
      resourceIds,
      tpBase,
      log,
    })

    // ---- 5. slot computation ----
    result.slots = await slots(endpoint, platform, database, config, engine, engineTiming, { host, schema: tenant.schemaName, serviceId: consultation.id, resourceIds, slotFrom, slotTo, log })
  } finally {
    await database.close()
    result.platform = eventsBetween(platform.events, scenarioStarted, Date.now())
  }
  return result
}

async function throughput(
  endpoint: Endpoint,
  platform: Platform,
  database: Database,
  config: BenchConfig,
  ctx: { host: string; bearer: Record<string, string>; tag: string; schema: string; serviceId: string; resourceIds: string[]; tpBase: number; log: Log },
): Promise<ThroughputResult> {
  const { m, concurrency } = config
  const R = ctx.resourceIds.length
  const slotOf = (i: number) => ({ resourceId: ctx.resourceIds[i % R]!, start: ctx.tpBase + Math.floor(i / R) * 30 * MINUTE })

  ctx.log(`throughput: ${m} bookings through the API, ${concurrency} at a time`)
  const phaseStart = Date.now()
  const t0 = performance.now()
  const sent = await pooled(
    m,
    concurrency,
    (i) => {
      const { resourceId, start } = slotOf(i)
      return endpoint.request(ctx.host, 'POST', '/api/public/bookings', {
        timeoutMs: config.requestTimeoutMs,
        json: {
          serviceId: ctx.serviceId,
          start: new Date(start).toISOString(),
          resourceIds: [resourceId],
          customer: { name: `Throughput customer ${i}`, email: `tp-${i}-${ctx.tag}@example.test` },
        },
      })
    },
    Date.now() + config.phaseTimeoutMs,
  )
  const apiMs = performance.now() - t0
  const replies = sent.filter((r): r is Reply => r !== undefined)
  const notSent = m - replies.length
  // Which resources' bookings went unanswered: a wedged per-resource queue in the hub shows up here.
  const timeoutsByResource = countBy(
    sent.flatMap((r, i) => (r?.networkError && /no answer/.test(r.networkError) ? [i] : [])),
    (i) => `Staff ${String((i % R) + 1).padStart(2, '0')}`,
  )
  const apiOk = replies.filter((r) => r.status === 201).length
  const api = {
    notSent,
    timeoutsByResource,
    statuses: { ...countBy(replies, (r) => (r.networkError ? (/no answer/.test(r.networkError) ? 'timeout' : 'network') : r.status)), ...(notSent ? { 'not sent (phase deadline)': notSent } : {}) },
    failureSamples: samplesOf(replies.filter((r) => r.status !== 201)),
    successes: apiOk,
    wallMs: round(apiMs),
    bookingsPerSecond: round(apiOk / (apiMs / 1000)),
    latencyMs: summarize(replies.map((r) => r.ms)),
    overlapsAfter: await countOverlaps(database.pool, ctx.schema),
    platform: { reloads: 0, errors: 0, errorSamples: [] } as PhaseEvents,
  }
  await settle(platform)
  api.platform = eventsBetween(platform.events, phaseStart, Date.now())
  ctx.log(`throughput API: ${apiOk}/${m} booked in ${api.wallMs} ms = ${api.bookingsPerSecond}/s`)

  // A second fresh tenant schema (same migrations, so the same columns and exclusion constraint).
  const plain = expectStatus(
    await endpoint.request(`platform.${ROOT}`, 'POST', '/api/platform/tenants', {
      json: { slug: `bench-${ctx.tag}-sql`, name: 'Bench plain SQL', timeZone: 'UTC' },
      headers: ctx.bearer,
    }),
    201,
    'provision the plain-SQL tenant',
  ).tenant as { schemaName: string }
  const s = quoteSchema(plain.schemaName)
  const resources = await database.pool.query<{ id: string }>(
    `INSERT INTO ${s}.resources (kind, name, time_zone) SELECT 'staff', 'Staff ' || g, 'UTC' FROM generate_series(1, $1) g RETURNING id`,
    [R],
  )
  const plainResourceIds = resources.rows.map((r) => r.id)
  const service = await database.pool.query<{ id: string }>(
    `INSERT INTO ${s}.services (name, duration_minutes, slot_interval_minutes, min_notice_minutes) VALUES ('Appointment', 30, 30, 0) RETURNING id`,
  )
  const plainServiceId = service.rows[0]!.id

  const insertPair = async (client: { query: Database['pool']['query'] }, i: number, dayShift: number) => {
    const start = ctx.tpBase + dayShift * DAY + Math.floor(i / R) * 30 * MINUTE
    const [startsAt, endsAt] = [new Date(start).toISOString(), new Date(start + 30 * MINUTE).toISOString()]
    await client.query('BEGIN')
    try {
      const event = await client.query<{ id: string }>(
        `INSERT INTO ${s}.events (service_id, starts_at, ends_at, status, seats, notes, created_by, updated_by)
         VALUES ($1, $2, $3, 'confirmed', 1, '', NULL, NULL) RETURNING id`,
        [plainServiceId, startsAt, endsAt],
      )
      await client.query(`INSERT INTO ${s}.event_resources (event_id, resource_id, occupied_start, occupied_end) VALUES ($1, $2, $3, $4)`, [
        event.rows[0]!.id,
        plainResourceIds[i % R],
        startsAt,
        endsAt,
      ])
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw error
    }
  }
  const timedRun = async (run: (i: number) => Promise<void>) => {
    const latencies: number[] = []
    const failures: string[] = []
    const started = performance.now()
    await pooled(m, concurrency, async (i) => {
      const t = performance.now()
      try {
        await run(i)
        latencies.push(performance.now() - t)
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error))
      }
    })
    const wallMs = performance.now() - started
    return {
      committed: latencies.length,
      failures: failures.length,
      failureSamples: [...new Set(failures)].slice(0, 3),
      wallMs: round(wallMs),
      rowsPerSecond: round(latencies.length / (wallMs / 1000)),
      latencyMs: summarize(latencies),
    }
  }

  // A pool of `concurrency` connections, all opened before the clock starts: this measures the inserts.
  const baseline = openDatabase(platform.databaseUrl, platform.wsProxy, concurrency)
  let pooledRun: Awaited<ReturnType<typeof timedRun>>
  try {
    const warm = await Promise.all(Array.from({ length: concurrency }, () => baseline.pool.connect()))
    for (const client of warm) client.release()
    ctx.log(`throughput plain SQL: ${m} × (BEGIN; INSERT events; INSERT event_resources; COMMIT), ${concurrency} at a time`)
    pooledRun = await timedRun(async (i) => {
      const client = await baseline.pool.connect()
      try {
        await insertPair(client, i, 0)
      } finally {
        client.release()
      }
    })
  } finally {
    await baseline.close()
  }
  const plainSql = {
    schema: plain.schemaName,
    ...pooledRun,
    overlapsAfter: await countOverlaps(database.pool, plain.schemaName),
    note: `one transaction per row pair over a warm pool of ${concurrency} connections (Neon driver, same WebSocket proxy)`,
  }
  ctx.log(`throughput plain SQL: ${plainSql.committed} in ${plainSql.wallMs} ms = ${plainSql.rowsPerSecond}/s`)

  // The same, opening a connection per transaction, as the Worker does per request (and again in the hub).
  const perRow = await timedRun(async (i) => {
    const own = openDatabase(platform.databaseUrl, platform.wsProxy, 1)
    try {
      const client = await own.pool.connect()
      try {
        await insertPair(client, i, 40)
      } finally {
        client.release()
      }
    } finally {
      await own.close()
    }
  })
  ctx.log(`throughput plain SQL, connection per row: ${perRow.committed} in ${perRow.wallMs} ms = ${perRow.rowsPerSecond}/s`)

  return {
    m,
    concurrency,
    api,
    plainSql,
    plainSqlConnectionPerRow: { ...perRow, note: 'as plainSql, but each transaction opens and closes its own connection (into the same schema, 40 days later)' },
    ratioApiToPlain: round(api.bookingsPerSecond / plainSql.rowsPerSecond, 4),
    ratioApiToPlainConnectionPerRow: round(api.bookingsPerSecond / perRow.rowsPerSecond, 4),
  }
}

async function slots(
  endpoint: Endpoint,
  platform: Platform,
  database: Database,
  config: BenchConfig,
  availableSlots: Engine,
  engineTiming: EngineTiming,
  ctx: { host: string; schema: string; serviceId: string; resourceIds: string[]; slotFrom: number; slotTo: number; log: Log },
): Promise<SlotsResult> {
  const { input, busy, spec } = engineInput(ctx.resourceIds, ctx.slotFrom, ctx.slotTo, config)
  // The engine's answer for exactly these calendars, to compare with the API's (timings: measureEngine).
  const engineList = availableSlots(input)

  // (b) the API end to end, after seeding the same busy time as events (plain SQL)
  const s = quoteSchema(ctx.schema)
  const eventIds: string[] = []
  const eventResources: string[] = []
  const starts: string[] = []
  const ends: string[] = []
  for (const [resourceId, list] of busy) {
    for (const interval of list) {
      eventIds.push(randomUUID())
      eventResources.push(resourceId)
      starts.push(new Date(interval.start).toISOString())
      ends.push(new Date(interval.end).toISOString())
    }
  }
  const client = await database.pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(
      `INSERT INTO ${s}.events (id, service_id, starts_at, ends_at, status)
       SELECT id, $1, st, en, 'confirmed' FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[]) AS x(id, st, en)`,
      [ctx.serviceId, eventIds, starts, ends],
    )
    await client.query(
      `INSERT INTO ${s}.event_resources (event_id, resource_id, occupied_start, occupied_end)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::timestamptz[])`,
      [eventIds, eventResources, starts, ends],
    )
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
  ctx.log(`slots: seeded ${eventIds.length} events; API end to end, ${config.apiRuns} requests`)
  const path = `/api/public/services/${ctx.serviceId}/slots?from=${encodeURIComponent(new Date(ctx.slotFrom).toISOString())}&to=${encodeURIComponent(new Date(ctx.slotTo).toISOString())}&tz=${encodeURIComponent(VIEWER_TZ)}`
  const phaseStart = Date.now()
  for (let i = 0; i < config.warmups; i++) await endpoint.request(ctx.host, 'GET', path)
  const replies: Reply[] = []
  for (let i = 0; i < config.apiRuns; i++) replies.push(await endpoint.request(ctx.host, 'GET', path))
  await settle(platform)
  const ok = replies.filter((r) => r.status === 200)
  const last = ok.length ? parseJson(ok[ok.length - 1]!) : undefined
  const apiList: { start: string; resourceIds: string[] }[] = Array.isArray(last?.slots) ? last.slots : []
  const apiSlots = apiList.length
  // Same calendars, same rules: the lists must be identical (start and chosen resources).
  const key = (start: string, ids: string[]) => `${start}|${ids.join(',')}`
  const engineKeys = engineList.map((slot) => key(new Date(slot.start).toISOString(), slot.resourceIds))
  const apiKeys = apiList.map((slot) => key(slot.start, slot.resourceIds))
  const digest = (keys: string[]) => createHash('sha256').update(keys.join('\n')).digest('hex')
  const identical = digest(engineKeys) === digest(apiKeys)
  let difference: string | undefined
  if (!identical) {
    const inApi = new Set(apiKeys)
    const inEngine = new Set(engineKeys)
    const onlyEngine = engineKeys.filter((k) => !inApi.has(k))
    const onlyApi = apiKeys.filter((k) => !inEngine.has(k))
    difference = `engine ${engineKeys.length} slots, API ${apiKeys.length}; only in engine: ${onlyEngine.length} (e.g. ${onlyEngine.slice(0, 2).join('; ')}); only in API: ${onlyApi.length} (e.g. ${onlyApi.slice(0, 2).join('; ')})`
  }
  return {
    days: config.slotDays,
    resources: ctx.resourceIds.length,
    busyIntervals: eventIds.length,
    slotIntervalMinutes: spec.slotIntervalMinutes,
    durationMinutes: spec.durationMinutes,
    viewerTimeZone: VIEWER_TZ,
    from: new Date(ctx.slotFrom).toISOString(),
    to: new Date(ctx.slotTo).toISOString(),
    engine: engineTiming,
    api: {
      runs: config.apiRuns,
      statuses: countBy(replies, (r) => (r.networkError ? 'network' : r.status)),
      failureSamples: samplesOf(replies.filter((r) => r.status !== 200)),
      slots: apiSlots,
      responseBytes: ok.length ? Buffer.byteLength(ok[ok.length - 1]!.text) : 0,
      ms: summarize(ok.map((r) => r.ms)),
      samplesMs: replies.map((r) => round(r.ms, 1)),
      platform: eventsBetween(platform.events, phaseStart, Date.now()),
    },
    slotListsIdentical: identical,
    ...(difference ? { slotListDifference: difference } : {}),
  }
}
