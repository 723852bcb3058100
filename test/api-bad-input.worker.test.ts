// Bad-input sweep of the whole /api surface, driven by GET /api/openapi.json: for every operation,
// as a user allowed to call it on the right host, it sends bodies that are not JSON, JSON of the
// wrong shape, each field with a wrong type (or null, or missing), strings past every limit (a body
// over 64 KiB must be a 413), path params that are not ids and ids that do not exist, and malformed
// query params. Every answer must be a 4xx with `{ error: { code, message } }` (never a 5xx, never a
// hang; the few odd-but-valid inputs, marked no5xx, may also succeed), and a refused write must leave
// every table as it was (audit_log excepted). A second sweep uses tenant A's ids on tenant B's host:
// 404/403, and never a byte of A's data. The summary (request counts) is printed at the end.
//
// Bugs found by the sweep are listed in KNOWN_BUGS: the sweep leaves those probes out and each bug
// has a failing test of its own, named `regression (was a bug): ...`, with the exact request.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import worker from '../worker/index'
import { TEST_PLATFORM_TOKEN } from './constants'
import { Browser, createTenant, makeUser, request, ROOT, withDatabase, type CreatedTenant } from './helpers'

const PLATFORM = `platform.${ROOT}`
const HOUR = 3600_000
const DAY = 24 * HOUR
const KIB = 1024
/** A request that has not answered after this long counts as a hang. */
const HANG_MS = 8_000

// ---------------------------------------------------------------------------------------------
// Sending. The probes go to the Worker's own fetch handler (the same Hono app, bindings and Durable
// Object) rather than through SELF: @cloudflare/vitest-pool-workers 0.15.1 wraps the entrypoint's
// prototype in one more Proxy on every SELF.fetch (createProxyPrototypeClass), so each SELF.fetch
// is slower than the one before and a few thousand of them overflow the stack. Fixtures use SELF.

interface Init {
  method: string
  headers?: Record<string, string>
  body?: string
}

async function direct(host: string, path: string, init: Init): Promise<Response> {
  const ctx = createExecutionContext()
  const req = new Request(`http://${host}${path}`, { method: init.method, headers: init.headers, body: init.body, redirect: 'manual' })
  const res = await worker.fetch!(req as Parameters<NonNullable<typeof worker.fetch>>[0], env, ctx)
  const text = await res.text()
  await waitOnExecutionContext(ctx) // the request's database pool is closed in waitUntil
  return new Response(text, { status: res.status, headers: res.headers })
}

// Actors: who sends a probe, on which host.

interface Actor {
  label: string
  host: string
  fetch(path: string, init: Init): Promise<Response>
}

/** A signed-in browser: its cookies, and the CSRF header on writes (the jar itself is left as it is). */
function browserActor(label: string, browser: Browser): Actor {
  return {
    label,
    host: browser.host,
    fetch: (path, init) => {
      const headers: Record<string, string> = { ...init.headers, cookie: browser.jar.header() }
      const csrf = browser.jar.get('ss_csrf')
      if (init.method !== 'GET' && csrf) headers['x-csrf-token'] = csrf
      return direct(browser.host, path, { ...init, headers })
    },
  }
}

function bearerActor(label: string, host: string, token: string): Actor {
  return { label, host, fetch: (path, init) => direct(host, path, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }) }
}

function anonymous(label: string, host: string): Actor {
  return { label, host, fetch: (path, init) => direct(host, path, init) }
}

// ---------------------------------------------------------------------------------------------
// Probes and their verdicts.

/** reject: a 4xx; no5xx: anything but a 5xx (an odd but valid request); 413: exactly that. */
type Expectation = 'reject' | 'no5xx' | 413

type Category =
  | 'a:not-json'
  | 'b:wrong-shape'
  | 'c:wrong-type'
  | 'c:bad-value'
  | 'd:oversize'
  | 'e:path-not-id'
  | 'e:path-unknown-id'
  | 'f:query'
  | 'x:cross-tenant'

interface Probe {
  op: string
  category: Category
  variant: string
  method: string
  path: string
  headers?: Record<string, string>
  body?: string
  expect: Expectation
}

interface Outcome {
  probe: Probe
  actor: string
  status: number | 'hang' | 'network-error'
  text: string
  problem: string | null
}

const stats = { requests: 0, byCategory: new Map<string, number>(), byActor: new Map<string, number>(), ops: new Set<string>() }
const knownBugHits: string[] = []

function bump(map: Map<string, number>, key: string) {
  map.set(key, (map.get(key) ?? 0) + 1)
}

function verdict(probe: Probe, status: number, text: string, contentType: string): string | null {
  if (status >= 500) return `answered ${status}`
  if (probe.expect === 413 && status !== 413) return `expected 413, got ${status}`
  if (probe.expect === 'reject' && (status < 400 || status > 499)) return `expected a 4xx, got ${status}`
  if (status >= 400) {
    if (!contentType.includes('application/json')) return `a ${status} that is not JSON (${contentType || 'no content-type'})`
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      return `a ${status} whose body does not parse`
    }
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error
    if (!error || typeof error.code !== 'string' || error.code === '') return `a ${status} without error.code`
    if (typeof error.message !== 'string' || error.message.trim() === '') return `a ${status} without error.message`
  }
  return null
}

async function send(actor: Actor, probe: Probe): Promise<Outcome> {
  stats.requests++
  bump(stats.byCategory, probe.category)
  bump(stats.byActor, actor.label)
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), HANG_MS)))
  try {
    const headers = { ...probe.headers }
    const res = await Promise.race([actor.fetch(probe.path, { method: probe.method, headers, body: probe.body }), hang])
    if (res === 'hang') return { probe, actor: actor.label, status: 'hang', text: '', problem: `no answer within ${HANG_MS} ms` }
    const text = await res.text()
    return { probe, actor: actor.label, status: res.status, text, problem: verdict(probe, res.status, text, res.headers.get('content-type') ?? '') }
  } catch (error) {
    return { probe, actor: actor.label, status: 'network-error', text: String(error), problem: `request failed: ${String(error)}` }
  } finally {
    clearTimeout(timer)
  }
}

function short(value: unknown, max = 60): string {
  const s = typeof value === 'string' ? JSON.stringify(value.length > max ? `${value.slice(0, 12)}…(${value.length} chars)` : value) : JSON.stringify(value)
  return s === undefined ? String(value) : s.length > max + 10 ? `${s.slice(0, max)}…` : s
}

function describeOutcome(o: Outcome): string {
  const body = o.probe.body === undefined ? '' : ` body=${o.probe.body.length > 300 ? `${o.probe.body.slice(0, 200)}…(${o.probe.body.length} bytes)` : o.probe.body}`
  const path = o.probe.path.length > 300 ? `${o.probe.path.slice(0, 200)}…(${o.probe.path.length} chars)` : o.probe.path
  return `[${o.actor}] ${o.probe.method} ${path}${body} → ${o.status} ${o.text.slice(0, 300)} :: ${o.problem} (${o.probe.category} ${o.probe.variant})`
}

/** Runs probes a few at a time (PGlite serialises queries anyway). */
async function runAll(actor: Actor, probes: Probe[], concurrency = 6): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(probes.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, probes.length) }, async () => {
      while (next < probes.length) {
        const i = next++
        outcomes[i] = await send(actor, probes[i]!)
      }
    }),
  )
  return outcomes
}

// ---------------------------------------------------------------------------------------------
// Database fingerprint: row counts of every table in public and in both tenant schemas, and a hash
// of their contents (public.sessions: count only, last_seen_at moves on every request;
// public.audit_log: left out, failed logins are audited by design).

const VOLATILE_CONTENT = new Set(['public.sessions'])
const IGNORED = new Set(['public.audit_log'])
let fingerprintSql = ''

async function prepareFingerprint(schemas: string[]) {
  const tables = await withDatabase(async ({ pool }) => {
    const { rows } = await pool.query<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
        WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE' ORDER BY 1, 2`,
      [schemas],
    )
    return rows.map((r) => `${r.s}.${r.t}`)
  })
  fingerprintSql = tables
    .filter((t) => !IGNORED.has(t))
    .map((t) => {
      const [s, n] = t.split('.')
      const q = `"${s}"."${n}"`
      const hash = VOLATILE_CONTENT.has(t) ? `''` : `md5(COALESCE(string_agg(x::text, '|' ORDER BY x::text), ''))`
      return `SELECT '${t}' AS t, count(*)::int AS n, ${hash} AS h FROM ${q} x`
    })
    .join(' UNION ALL ')
}

/** Waits until every due job that is due has been sent and every sent one has finished. */
async function settleJobs() {
  for (let i = 0; i < 300; i++) {
    const open = await withDatabase(async ({ pool }) => {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM public.due_jobs WHERE status = 'pending' AND due_at <= now())::int
              + (SELECT count(*) FROM public.due_jobs d WHERE d.status = 'sent' AND NOT EXISTS (
                   SELECT 1 FROM public.job_runs r WHERE r.message_id = d.message->>'id' AND r.status IN ('done', 'dead', 'rejected')))::int AS n`,
      )
      return rows[0]!.n
    })
    if (open === 0) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('the fixtures’ background jobs did not finish within 30 s')
}

async function fingerprint(): Promise<Map<string, string>> {
  return withDatabase(async ({ pool }) => {
    const { rows } = await pool.query<{ t: string; n: number; h: string }>(fingerprintSql)
    return new Map(rows.map((r) => [r.t, `${r.n}:${r.h}`]))
  })
}

function diff(before: Map<string, string>, after: Map<string, string>, ignore: Set<string> = new Set()): string[] {
  const changed: string[] = []
  for (const [table, value] of after) {
    if (ignore.has(table)) continue
    const was = before.get(table)
    if (was !== value) changed.push(`${table}: rows ${was?.split(':')[0] ?? '?'} → ${value.split(':')[0]}${was?.split(':')[0] === value.split(':')[0] ? ' (contents changed)' : ''}`)
  }
  return changed
}

// ---------------------------------------------------------------------------------------------
// Fixtures.

let alpha: CreatedTenant
let beta: CreatedTenant
let openapi: { paths: Record<string, Record<string, OpenApiOperation>> }

interface OpenApiOperation {
  'x-access'?: string
  parameters?: { name: string; in: 'path' | 'query'; required: boolean; schema: JsonSchema }[]
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } }
}
interface JsonSchema {
  type?: string
  format?: string
  enum?: string[]
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  properties?: Record<string, JsonSchema>
  required?: string[]
  anyOf?: JsonSchema[]
  items?: JsonSchema
  default?: unknown
}

const F = {} as {
  webhookA: { id: string }
  notificationA: string
  deliveryA: string
  batch: { id: string }
  ownerA: Browser
  accountA: Browser
  customerA: Browser
  ownerB: Browser
  superP: Browser
  bootstrap: Actor
  ownerAToken: string
  ownerAEmail: string
  staffA: { id: string; email: string }
  spareA: { id: string; email: string }
  ownerBUser: { id: string; email: string }
  supportP: { id: string }
  rStaff: { id: string }
  rRoom: { id: string }
  svc: { id: string }
  svcConfirm: { id: string }
  booking: { token: string; eventId: string; bookingId: string; customerId: string; start: string }
  pendingEventId: string
  holdId: string
  customerRec: { id: string; email: string }
  grantA: { id: string }
  grantP: { id: string }
  rB: { id: string }
  svcB: { id: string }
  domainA: { id: string }
}

/** A marker in every name and email of tenant A, to spot A's data in B's answers. */
const SECRET = `alphasecret${crypto.randomUUID().slice(0, 6)}`

/** 10:00 UTC `dayOffset` days from today, plus `hourOffset` hours. */
function at(hourOffset = 0, dayOffset = 3): string {
  const d = new Date()
  d.setUTCHours(10, 0, 0, 0)
  return new Date(d.getTime() + dayOffset * DAY + hourOffset * HOUR).toISOString()
}

async function ok<T = Record<string, any>>(res: Promise<Response>, status: number, what: string): Promise<T> {
  const r = await res
  if (r.status !== status) throw new Error(`fixture ${what}: expected ${status}, got ${r.status} ${await r.text()}`)
  return (await r.json()) as T
}

async function signIn(host: string, email: string): Promise<Browser> {
  const b = new Browser(host)
  const res = await b.login(email)
  if (res.status !== 200) throw new Error(`login ${email} on ${host}: ${res.status} ${await res.text()}`)
  return b
}

function anonJson(host: string, path: string, body: unknown, method = 'POST') {
  return request(host, path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

beforeAll(async () => {
  ;[alpha, beta] = await Promise.all([createTenant('bad-in-a', `${SECRET} Alpha`), createTenant('bad-in-b', 'Beta business')])
  const [ownerAUser, staffA, accountA, customerA, spareA, ownerBUser, superUser, supportP] = await Promise.all([
    makeUser('TENANT_OWNER', alpha.id, { prefix: `${SECRET}-owner` }),
    makeUser('TENANT_STAFF', alpha.id, { prefix: `${SECRET}-staff` }),
    makeUser('TENANT_MANAGER', alpha.id, { prefix: `${SECRET}-acct` }),
    makeUser('CUSTOMER', alpha.id, { prefix: `${SECRET}-cust` }),
    makeUser('CUSTOMER', alpha.id, { prefix: `${SECRET}-spare` }),
    makeUser('TENANT_OWNER', beta.id),
    makeUser('SUPERUSER', null),
    makeUser('PLATFORM_SUPPORT', null),
  ])
  ;[F.ownerA, F.accountA, F.customerA, F.ownerB, F.superP] = await Promise.all([
    signIn(alpha.primaryHost, ownerAUser.email),
    signIn(alpha.primaryHost, accountA.email),
    signIn(alpha.primaryHost, customerA.email),
    signIn(beta.primaryHost, ownerBUser.email),
    signIn(PLATFORM, superUser.email),
  ])
  F.ownerAToken = ((await (await new Browser(alpha.primaryHost).login(ownerAUser.email)).json()) as { accessToken: string }).accessToken
  F.ownerAEmail = ownerAUser.email
  F.bootstrap = bearerActor('bootstrap-token@platform', PLATFORM, TEST_PLATFORM_TOKEN)
  F.staffA = staffA
  F.spareA = spareA
  F.ownerBUser = ownerBUser
  F.supportP = supportP

  const post = (b: Browser, path: string, json: unknown, status = 201) => ok(b.fetch(path, { json }), status, `${b.host} ${path}`)
  const everyDay = { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' })) }
  F.rStaff = (await post(F.ownerA, '/api/tenant/resources', { kind: 'staff', name: `${SECRET} Sam`, userId: staffA.id, timeZone: 'UTC' })).resource
  F.rRoom = (await post(F.ownerA, '/api/tenant/resources', { kind: 'room', name: `${SECRET} Room`, timeZone: 'UTC' })).resource
  F.rB = (await post(F.ownerB, '/api/tenant/resources', { kind: 'room', name: 'Beta room', timeZone: 'UTC' })).resource
  for (const [b, r] of [[F.ownerA, F.rStaff], [F.ownerA, F.rRoom], [F.ownerB, F.rB]] as const) {
    await ok(b.fetch(`/api/tenant/resources/${r.id}/hours`, { method: 'PUT', json: everyDay }), 200, 'hours')
  }
  const plain = { durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, cancellationCutoffMinutes: 0 }
  F.svc = (await post(F.ownerA, '/api/tenant/services', { name: `${SECRET} Haircut`, ...plain, resourceGroups: [[F.rStaff.id]] })).service
  F.svcConfirm = (await post(F.ownerA, '/api/tenant/services', { name: `${SECRET} Consult`, ...plain, requiresConfirmation: true, resourceGroups: [[F.rRoom.id]] })).service
  F.svcB = (await post(F.ownerB, '/api/tenant/services', { name: 'Beta service', ...plain, resourceGroups: [[F.rB.id]] })).service

  // a webhook endpoint before the bookings, so they leave a delivery to replay
  F.webhookA = (await post(F.ownerA, '/api/tenant/webhooks', { url: 'https://hooks.example.com/sweep', events: ['booking.created'] })).endpoint
  const booked = await ok<{ event: { id: string; start: string }; booking: { id: string; customerId: string }; manageToken: string }>(
    anonJson(alpha.primaryHost, '/api/public/bookings', { serviceId: F.svc.id, start: at(0), customer: { name: `${SECRET} Booker`, email: `${SECRET}-booker@example.test` } }),
    201,
    'booking',
  )
  F.booking = { token: booked.manageToken, eventId: booked.event.id, bookingId: booked.booking.id, customerId: booked.booking.customerId, start: booked.event.start }
  F.pendingEventId = (
    await ok<{ event: { id: string; status: string } }>(
      anonJson(alpha.primaryHost, '/api/public/bookings', { serviceId: F.svcConfirm.id, start: at(1), customer: { name: `${SECRET} Pending`, email: `${SECRET}-pending@example.test` } }),
      201,
      'pending booking',
    )
  ).event.id
  F.holdId = (await ok<{ hold: { id: string } }>(anonJson(alpha.primaryHost, '/api/public/holds', { serviceId: F.svc.id, start: at(3), resourceIds: [F.rStaff.id] }), 201, 'hold')).hold.id
  F.customerRec = (await post(F.ownerA, '/api/tenant/customers', { name: `${SECRET} Customer`, email: `${SECRET}-customer@example.test` })).customer
  F.grantA = (await post(F.ownerA, '/api/tenant/grants', { granteeId: staffA.id, action: 'tenant.customers.manage', reason: `${SECRET} sweep` })).grant
  F.grantP = (await post(F.superP, '/api/platform/grants', { granteeId: supportP.id, action: 'platform.audit.read', reason: 'bad-input sweep' })).grant

  F.domainA = (await post(F.superP, `/api/platform/tenants/${alpha.id}/domains`, { host: `${alpha.slug}.example.com` })).domain
  F.batch = (await post(F.superP, '/api/platform/batches/migrate', {}, 202)).batch
  openapi = await ok(request(PLATFORM, '/api/openapi.json'), 200, 'openapi')
  // The fixtures' jobs (confirmations, webhook deliveries, emails, the migration batch) run on the
  // queue in the background; the sweep compares data before and after, so let them finish first.
  await settleJobs()
  const ids = await withDatabase(async ({ pool }) => ({
    notification: (await pool.query(`SELECT id FROM ${alpha.schemaName}.notification_outbox WHERE ics IS NOT NULL LIMIT 1`)).rows[0]?.id,
    delivery: (await pool.query(`SELECT id FROM ${alpha.schemaName}.webhook_deliveries LIMIT 1`)).rows[0]?.id,
  }))
  expect(ids.notification, 'the fixture booking has its confirmation in the outbox').toBeTruthy()
  expect(ids.delivery, 'the fixture booking has a webhook delivery').toBeTruthy()
  F.notificationA = ids.notification
  F.deliveryA = ids.delivery
  await prepareFingerprint(['public', alpha.schemaName, beta.schemaName])
}, 60_000)

afterAll(() => {
  const lines = [
    `bad-input sweep: ${stats.requests} requests over ${stats.ops.size} operations`,
    `  by category: ${[...stats.byCategory].sort().map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `  by actor: ${[...stats.byActor].sort().map(([k, v]) => `${k}=${v}`).join(', ')}`,
    `  known-bug probes left to their BUG tests: ${knownBugHits.length}`,
    ...knownBugHits.map((h) => `    ${h}`),
  ]
  console.log(lines.join('\n'))
})

// ---------------------------------------------------------------------------------------------
// What each operation needs: who calls it, a valid body (when it reads one), the ids in its path,
// a valid query, and the values that are well-typed yet wrong. Every operation of the OpenAPI
// document must be here (and nothing else): the first test checks it.

type Who = 'ownerA' | 'accountA' | 'customerA' | 'superP' | 'anonA' | 'anonP'

interface OpSpec {
  who: Who
  /** platform operations: also swept with the bootstrap bearer token */
  bootstrapToo?: boolean
  /** a valid body: the operation reads JSON */
  body?: () => Record<string, unknown>
  /** fields that must be present (when the OpenAPI document has no body schema) */
  required?: string[]
  /** fields for which null is a valid value (when the OpenAPI document has no body schema) */
  nullable?: string[]
  /** reads raw bytes (an upload), not JSON, with a limit of its own */
  upload?: { limitBytes: number }
  /** `{}` is a valid body here, so it is not sent */
  emptyBodyValid?: boolean
  /** existing ids for the path params */
  params?: () => Record<string, string>
  idKind?: Record<string, 'uuid' | 'token'>
  /** a well-formed id that does not exist answers 2xx by design (idempotent release) */
  unknownIdOk?: boolean
  /** a valid query for the required params */
  query?: () => Record<string, string>
  /** query params the OpenAPI document does not list */
  extraQuery?: Record<string, JsonSchema>
  /** well-typed but invalid values: field path → values (each must be refused) */
  badValues?: () => Record<string, unknown[]>
  /** whole queries that must be refused (those with instants Postgres cannot hold: anything but a 5xx) */
  badQueries?: () => Record<string, string>[]
}

const NUL = 'a\u0000b'
const YEAR_ZERO = '0000-01-01T10:00:00Z'
const FAR_OFFSET = '2030-06-01T10:00:00+23:59'
const YEAR_10000 = '9999-12-31T23:00:00-23:00'
const random = () => crypto.randomUUID()
const badStarts = () => ['tomorrow', '2030-02-30T10:00:00Z', '2030-06-01 10:00', '2030-06-01T10:00:00', '2030-06-01T25:00:00Z', YEAR_ZERO, FAR_OFFSET, YEAR_10000]
const intervalBad = () => ({
  startsAt: ['soon', YEAR_ZERO, FAR_OFFSET, YEAR_10000, NUL],
  endsAt: ['later', at(0, 1), YEAR_ZERO, FAR_OFFSET],
  reason: ['r'.repeat(301), NUL],
})
/** Ranges that are backwards, empty, too long, or well-formed yet outside what Postgres can store. */
const rangeBad = () => [
  { from: at(24), to: at(-24) },
  { from: at(0), to: at(0) },
  { from: at(0, 0), to: at(0, 63) },
  { from: YEAR_ZERO, to: '0000-01-02T10:00:00Z' },
  { from: FAR_OFFSET, to: '2030-06-02T10:00:00+23:59' },
  { from: '9999-12-31T00:00:00Z', to: YEAR_10000 },
]
const interval = () => ({ startsAt: at(0, 400), endsAt: at(1, 400), reason: 'sweep' })
const bookingBody = () => ({ serviceId: F.svc.id, start: at(5), customer: { name: 'Sweep Customer', email: 'sweep-customer@example.test' } })
const bookingBad = () => ({
  serviceId: [random(), F.svcB.id, 'not-a-uuid'],
  start: badStarts(),
  resourceIds: [[], [random()], [F.rB.id], ['nope'], Array.from({ length: 6 }, random)],
  'customer.email': ['no-at-sign', `${'x'.repeat(250)}@example.test`],
  'customer.phone': ['call me', '+1 (555) 123 4567 8901 2345'],
  'customer.name': ['   ', NUL],
  notes: [NUL, 'n'.repeat(2001)],
  holdId: ['h'.repeat(101)],
})

const SPECS: Record<string, OpSpec> = {
  'GET /api/health': { who: 'anonA' },
  'GET /api/openapi.json': { who: 'anonP' },

  // ---- identity
  'POST /api/auth/login': {
    who: 'anonA',
    body: () => ({ email: 'nobody-sweep@example.test', password: 'wrong-password' }),
    badValues: () => ({ email: ['not-an-email', `${'e'.repeat(260)}@example.test`, NUL], password: ['', 'p'.repeat(201)] }),
  },
  'POST /api/auth/login/mfa': {
    who: 'anonA',
    body: () => ({ mfaToken: 'm'.repeat(40), code: '123456' }),
    required: ['mfaToken', 'code'],
    badValues: () => ({ mfaToken: ['short', 'm'.repeat(2001), `${'m'.repeat(20)}${NUL}`], code: ['1', 'c'.repeat(21), NUL.repeat(3)] }),
  },
  'POST /api/auth/refresh': { who: 'anonA' },
  'POST /api/auth/logout': { who: 'accountA' },
  'GET /api/auth/me': { who: 'accountA' },
  'POST /api/auth/password': {
    who: 'accountA',
    body: () => ({ currentPassword: 'not-the-password', newPassword: 'a-new-long-password' }),
    required: ['currentPassword', 'newPassword'],
    badValues: () => ({ currentPassword: ['', 'p'.repeat(201)], newPassword: ['short', 'p'.repeat(201)] }),
  },
  'POST /api/auth/password-reset': { who: 'anonA', body: () => ({ email: 'nobody-sweep@example.test' }), required: ['email'], badValues: () => ({ email: ['nope', NUL] }) },
  'POST /api/auth/password-reset/confirm': {
    who: 'anonA',
    body: () => ({ token: 't'.repeat(40), newPassword: 'a-new-long-password' }),
    required: ['token', 'newPassword'],
    badValues: () => ({ token: ['short', 't'.repeat(201), `${'t'.repeat(30)}${NUL}`], newPassword: ['short'] }),
  },
  'POST /api/auth/mfa/setup': { who: 'accountA' },
  'POST /api/auth/mfa/confirm': { who: 'accountA', body: () => ({ code: '123456' }), required: ['code'], badValues: () => ({ code: ['12', 'c'.repeat(11), NUL.repeat(3)] }) },
  'POST /api/auth/mfa/disable': {
    who: 'accountA',
    body: () => ({ password: 'not-the-password', code: '123456' }),
    required: ['password', 'code'],
    badValues: () => ({ password: [''], code: ['1'] }),
  },
  'POST /api/auth/masquerade': { who: 'superP', body: () => ({ userId: F.supportP.id }), required: ['userId'], badValues: () => ({ userId: ['nope', random(), NUL] }) },
  'POST /api/auth/masquerade/stop': { who: 'superP' },

  // ---- platform
  'GET /api/platform/tenants': { who: 'superP', bootstrapToo: true, badQueries: () => [{ limit: '0' }, { limit: '101' }, { offset: '-1' }, { status: 'gone' }, { demo: 'maybe' }, { q: 'q'.repeat(101) }] as Record<string, string>[] },
  'GET /api/platform/dashboard': { who: 'superP', bootstrapToo: true },
  'POST /api/platform/demos': { who: 'superP', bootstrapToo: true, body: () => ({ name: 'Sweep demo', days: 1 }), emptyBodyValid: true, badValues: () => ({ name: ['x', NUL, 'n'.repeat(121)], days: [0, 31, 1.5] }) },
  'GET /api/platform/plans': { who: 'superP', bootstrapToo: true },
  'GET /api/platform/tenants/{id}': { who: 'superP', bootstrapToo: true, params: () => ({ id: alpha.id }) },
  'POST /api/platform/tenants/{id}/suspend': {
    who: 'superP',
    bootstrapToo: true,
    params: () => ({ id: beta.id }),
    body: () => ({ reason: 'sweep reason' }),
    badValues: () => ({ reason: ['', 'ab', 'r'.repeat(501), NUL] }),
  },
  'POST /api/platform/tenants/{id}/reactivate': { who: 'superP', bootstrapToo: true, params: () => ({ id: alpha.id }) },
  'POST /api/platform/tenants/{id}/delete': {
    who: 'superP',
    bootstrapToo: true,
    params: () => ({ id: alpha.id }),
    body: () => ({ confirm: 'not-the-slug', graceDays: 14 }),
    badValues: () => ({ confirm: ['c'.repeat(101), NUL], graceDays: [0, 91, 1.5] }),
  },
  'POST /api/platform/tenants/{id}/domains': {
    who: 'superP',
    bootstrapToo: true,
    params: () => ({ id: alpha.id }),
    body: () => ({ host: `${alpha.slug}.example.com` }),
    badValues: () => ({ host: ['not a host', `x.${ROOT}`, ROOT, '10.0.0.1', 'h'.repeat(254), NUL, `${alpha.slug}.example.com`] }),
  },
  'POST /api/platform/tenants/{id}/domains/{domainId}/verify': {
    who: 'superP',
    bootstrapToo: true,
    params: () => ({ id: alpha.id, domainId: F.domainA.id }),
    body: () => ({ method: 'dns' }),
    emptyBodyValid: true,
    badValues: () => ({ method: ['smtp', NUL] }),
  },
  'POST /api/platform/tenants/{id}/domains/{domainId}/primary': { who: 'superP', bootstrapToo: true, params: () => ({ id: alpha.id, domainId: F.domainA.id }) },
  'DELETE /api/platform/tenants/{id}/domains/{domainId}': { who: 'superP', bootstrapToo: true, params: () => ({ id: alpha.id, domainId: F.domainA.id }) },
  'POST /api/platform/tenants': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ slug: `sweep-${crypto.randomUUID().slice(0, 8)}`, name: 'Sweep' }),
    badValues: () => ({
      slug: ['ab', 'www', 'api', 'platform', '1abc', 'ab--cd', 'abc-', 'a'.repeat(41), 'Ünïcode', alpha.slug, `sweep-${NUL}x`, 'sweep_under'],
      name: ['', '   ', 'n'.repeat(121), NUL],
      timeZone: ['Mars/Olympus_Mons', '', 'UTC+99', NUL],
      plan: ['gold', 'FREE'],
    }),
  },
  'GET /api/platform/users': { who: 'superP', bootstrapToo: true },
  'POST /api/platform/users': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ email: `sweep-${crypto.randomUUID().slice(0, 8)}@example.test`, role: 'TENANT_STAFF', tenantId: alpha.id }),
    badValues: () => ({
      email: ['nope', F.staffA.email, NUL],
      role: ['GOD', 'superuser', 'SUPERUSER', 'PLATFORM_SUPPORT'],
      tenantId: [random(), 'nope', null],
      password: ['short', 'p'.repeat(201)],
      displayName: ['d'.repeat(121), NUL],
    }),
  },
  'PATCH /api/platform/users/{id}': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ isActive: true }),
    required: ['isActive'],
    params: () => ({ id: F.spareA.id }),
  },
  'GET /api/platform/grants': { who: 'superP', bootstrapToo: true, extraQuery: { grantee: { type: 'string', format: 'uuid' }, tenant: { type: 'string', format: 'uuid' } } },
  'POST /api/platform/grants': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ granteeId: F.supportP.id, action: 'platform.audit.read', reason: 'sweep reason', minutes: 5 }),
    badValues: () => ({
      granteeId: [random(), 'nope'],
      action: ['platform.everything', 'tenant.*'],
      reason: ['ab', 'r'.repeat(501), NUL],
      minutes: [0, -5, 1.5, 24 * 60 + 1, 2 ** 31],
      tenantId: [random(), 'nope'],
    }),
  },
  'POST /api/platform/grants/{id}/revoke': { who: 'superP', bootstrapToo: true, params: () => ({ id: F.grantP.id }) },
  'GET /api/platform/audit': { who: 'superP', bootstrapToo: true },
  'GET /api/platform/outbox': {
    who: 'superP',
    bootstrapToo: true,
    extraQuery: { to: { type: 'string', maxLength: 254 }, limit: { type: 'integer', minimum: 1, maximum: 200 } },
  },
  'GET /api/platform/jobs': { who: 'superP', bootstrapToo: true },
  'POST /api/platform/jobs/{id}/retry': { who: 'superP', bootstrapToo: true, params: () => ({ id: random() }), idKind: { id: 'token' }, unknownIdOk: false },

  'GET /api/platform/tenants/{id}/notifications': {
    who: 'superP',
    bootstrapToo: true,
    params: () => ({ id: alpha.id }),
    badQueries: (): Record<string, string>[] => [{ channel: 'fax' }, { kind: 'invoice' }, { eventId: 'nope' }, { limit: '0' }, { limit: '201' }],
  },
  'GET /api/platform/batches': { who: 'superP', bootstrapToo: true },
  'GET /api/platform/batches/{id}': { who: 'superP', bootstrapToo: true, params: () => ({ id: F.batch.id }) },
  'POST /api/platform/batches/provision': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ tenants: [{ name: 'Sweep Batch Co', slug: alpha.slug }] }),
    badValues: () => ({
      tenants: [[], [{ name: 'x', slug: 'Bad Slug' }], [{ name: 'A co', slug: 'dup-sweep' }, { name: 'B co', slug: 'dup-sweep' }], [{ name: 'Taken co', slug: alpha.slug }], [{ name: 'Zone co', slug: 'zone-sweep', timeZone: 'Mars/Base' }]],
    }),
  },
  'POST /api/platform/batches/migrate': {
    who: 'superP',
    bootstrapToo: true,
    body: () => ({ tenantIds: [random()] }),
    emptyBodyValid: true,
    badValues: () => ({ tenantIds: [[], ['nope'], [random()]] }),
  },

  // ---- notifications and webhooks
  'GET /api/tenant/notifications': { who: 'ownerA', badQueries: (): Record<string, string>[] => [{ channel: 'fax' }, { kind: 'invoice' }, { eventId: 'nope' }, { limit: '0' }, { to: 'x'.repeat(255) }] },
  'GET /api/tenant/notifications/{id}/ics': { who: 'ownerA', params: () => ({ id: F.notificationA }) },
  'GET /api/tenant/notification-templates': { who: 'ownerA' },
  'PUT /api/tenant/notification-templates/{kind}/{channel}': {
    who: 'ownerA',
    params: () => ({ kind: 'confirmation', channel: 'email' }),
    idKind: { kind: 'token', channel: 'token' },
    body: () => ({ subject: 'Booked {{service_name}}', body: 'Hello {{customer_name}}, see you {{start}}.' }),
    badValues: () => ({ body: ['', '{{nope}}', '{{#start}}open', 'b'.repeat(5001), '{{> partial}}'], subject: ['{{unknown}}', 's'.repeat(201)] }),
  },
  'DELETE /api/tenant/notification-templates/{kind}/{channel}': { who: 'ownerA', params: () => ({ kind: 'reminder', channel: 'sms' }), idKind: { kind: 'token', channel: 'token' } },
  'POST /api/tenant/notification-templates/preview': {
    who: 'ownerA',
    body: () => ({ kind: 'reminder', channel: 'sms', body: 'Soon: {{start}}' }),
    badValues: () => ({ kind: ['invoice'], channel: ['fax'], body: ['{{nope}}', 'b'.repeat(5001)] }),
  },
  'GET /api/tenant/webhooks': { who: 'ownerA' },
  'POST /api/tenant/webhooks': {
    who: 'ownerA',
    body: () => ({ url: 'https://hooks.example.com/new', events: ['booking.created'] }),
    badValues: () => ({
      url: ['ftp://hooks.example.com/x', 'not a url', 'https://user:pw@hooks.example.com/', 'javascript:alert(1)', 'u'.repeat(2001)],
      events: [[], ['booking.exploded']],
      description: ['d'.repeat(201)],
    }),
  },
  'GET /api/tenant/webhooks/{id}': { who: 'ownerA', params: () => ({ id: F.webhookA.id }) },
  'PATCH /api/tenant/webhooks/{id}': {
    who: 'ownerA',
    params: () => ({ id: F.webhookA.id }),
    body: () => ({ description: 'sweep' }),
    badValues: () => ({ url: ['gopher://hooks.example.com/', 'nope'], events: [[], ['customer.deleted']], active: ['yes', 1] }),
  },
  'DELETE /api/tenant/webhooks/{id}': { who: 'ownerA', params: () => ({ id: F.webhookA.id }) },
  'POST /api/tenant/webhooks/{id}/rotate-secret': { who: 'ownerA', params: () => ({ id: F.webhookA.id }) },
  'GET /api/tenant/webhooks/{id}/deliveries': { who: 'ownerA', params: () => ({ id: F.webhookA.id }), badQueries: (): Record<string, string>[] => [{ status: 'lost' }, { limit: '0' }, { limit: '201' }] },
  'POST /api/tenant/webhook-deliveries/{id}/replay': { who: 'ownerA', params: () => ({ id: F.deliveryA }) },

  // ---- tenant admin
  'GET /api/tenant': { who: 'anonA' },
  'PATCH /api/tenant/profile': {
    who: 'ownerA',
    body: () => ({ tagline: 'Sweep tagline' }),
    emptyBodyValid: true,
    badValues: () => ({ tagline: ['t'.repeat(161), NUL], about: ['a'.repeat(2001), NUL], contactEmail: ['nope', NUL] }),
  },
  'GET /api/tenant/users': { who: 'ownerA' },
  'GET /api/tenant/settings': { who: 'ownerA' },
  'PATCH /api/tenant/settings': {
    who: 'ownerA',
    body: () => ({ branding: { primaryColor: '#224466' }, cancellationPolicy: { cutoffMinutes: 600 }, bookingPage: { headline: 'Sweep', intro: 'Sweep intro' } }),
    emptyBodyValid: true,
    badValues: () => ({
      name: ['x', NUL, 'n'.repeat(121)],
      timeZone: ['Mars/Olympus', NUL],
      locale: ['xx-XX', 'en'],
      'branding.primaryColor': ['red', '#12345', NUL],
      businessHours: [[{ weekday: 1, start: '10:00', end: '09:00' }], [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '11:00', end: '13:00' }]],
      'cancellationPolicy.cutoffMinutes': [-1, 43201, 1.5],
      'bookingPage.headline': ['h'.repeat(121), NUL],
    }),
  },
  'PUT /api/tenant/settings/logo': { who: 'ownerA', upload: { limitBytes: 512 * KIB } },
  'DELETE /api/tenant/settings/logo': { who: 'ownerA' },
  'GET /api/tenant/team': { who: 'ownerA' },
  'GET /api/tenant/domains': { who: 'ownerA' },
  'POST /api/tenant/domains': { who: 'ownerA', body: () => ({ host: `${alpha.slug}.example.com` }), badValues: () => ({ host: ['not a host', `x.${ROOT}`, '10.0.0.1', NUL, `${alpha.slug}.example.com`] }) },
  'POST /api/tenant/domains/{id}/verify': { who: 'ownerA', params: () => ({ id: F.domainA.id }), body: () => ({ method: 'dns' }), emptyBodyValid: true, badValues: () => ({ method: ['smtp'] }) },
  'POST /api/tenant/domains/{id}/primary': { who: 'ownerA', params: () => ({ id: F.domainA.id }) },
  'DELETE /api/tenant/domains/{id}': { who: 'ownerA', params: () => ({ id: F.domainA.id }) },
  'POST /api/tenant/invitations': {
    who: 'ownerA',
    body: () => ({ email: 'sweep-invite@example.test', role: 'TENANT_STAFF' }),
    required: ['email', 'role'],
    badValues: () => ({ email: ['nope', NUL, `${'x'.repeat(250)}@example.test`], role: ['CUSTOMER', 'SUPERUSER'], displayName: ['d'.repeat(121), NUL] }),
  },
  'POST /api/tenant/users/{id}/invitation': { who: 'ownerA', params: () => ({ id: F.staffA.id }) },
  'PATCH /api/tenant/users/{id}': {
    who: 'ownerA',
    params: () => ({ id: F.staffA.id }),
    body: () => ({ role: 'TENANT_STAFF' }),
    badValues: () => ({ role: ['CUSTOMER', 'SUPERUSER'], isActive: ['yes', 1] }),
  },
  'GET /api/tenant/grants': { who: 'ownerA' },
  'POST /api/tenant/grants': {
    who: 'ownerA',
    body: () => ({ granteeId: F.staffA.id, action: 'tenant.customers.manage', reason: 'sweep reason' }),
    required: ['granteeId', 'action', 'reason'],
    badValues: () => ({
      granteeId: [random(), F.ownerBUser.id, F.supportP.id],
      action: ['platform.audit.read', 'nope'],
      reason: ['ab', NUL],
      minutes: [0, 100_000],
    }),
  },
  'POST /api/tenant/grants/{id}/revoke': { who: 'ownerA', params: () => ({ id: F.grantA.id }) },

  // ---- catalog
  'GET /api/tenant/resources': { who: 'ownerA' },
  'POST /api/tenant/resources': {
    who: 'ownerA',
    body: () => ({ kind: 'room', name: 'Sweep room', timeZone: 'UTC' }),
    badValues: () => ({
      kind: ['robot', 'Room'],
      name: ['', '   ', 'n'.repeat(121), NUL],
      timeZone: ['Mars/Olympus_Mons', '', NUL],
      capacity: [0, 1001, 1.5, -1, 2 ** 31],
      userId: [random(), F.ownerBUser.id, 'nope'],
    }),
  },
  'PATCH /api/tenant/resources/{id}': {
    who: 'ownerA',
    body: () => ({ name: 'Renamed by sweep' }),
    required: [],
    nullable: [],
    emptyBodyValid: true,
    params: () => ({ id: F.rRoom.id }),
    badValues: () => ({ name: ['', '   ', NUL], capacity: [0, 1001, 2 ** 31], timeZone: ['Mars/Olympus_Mons', NUL], isActive: ['yes', 0] }),
  },
  'PUT /api/tenant/resources/{id}/hours': {
    who: 'ownerA',
    body: () => ({ rules: [{ weekday: 1, start: '09:00', end: '17:00' }] }),
    params: () => ({ id: F.rRoom.id }),
    badValues: () => ({
      rules: [[{ weekday: 1, start: '17:00', end: '09:00' }], Array.from({ length: 101 }, () => ({ weekday: 1, start: '09:00', end: '10:00' }))],
      'rules.0.weekday': [0, 8, 1.5],
      'rules.0.start': ['9:00', '25:00', '09:60', '24:30', NUL],
      'rules.0.end': ['5pm', '24:01'],
    }),
  },
  'PUT /api/tenant/resources/{id}/overrides': {
    who: 'ownerA',
    body: () => ({ date: '2031-01-01', ranges: [{ start: '09:00', end: '12:00' }] }),
    params: () => ({ id: F.rRoom.id }),
    badValues: () => ({
      date: ['2031-02-30', '2031-1-1', '01/01/2031', '0000-01-01', '2031-01-01T00:00:00Z', NUL],
      ranges: [[{ start: '12:00', end: '09:00' }], Array.from({ length: 11 }, () => ({ start: '09:00', end: '10:00' }))],
      'ranges.0.start': ['9', '24:30'],
    }),
  },
  'POST /api/tenant/resources/{id}/blocks': { who: 'ownerA', body: interval, params: () => ({ id: F.rRoom.id }), badValues: intervalBad },
  'POST /api/tenant/closures': { who: 'ownerA', body: interval, badValues: intervalBad },
  'GET /api/tenant/services': { who: 'ownerA' },
  'POST /api/tenant/services': {
    who: 'ownerA',
    body: () => ({ name: 'Sweep service', durationMinutes: 30, resourceGroups: [[F.rRoom.id]] }),
    badValues: () => ({
      name: ['', NUL],
      description: ['d'.repeat(2001), NUL],
      durationMinutes: [4, 1441, 30.5, -30],
      priceCents: [-1, 2 ** 31, 1e15],
      depositCents: [1, 2 ** 31],
      currency: ['usd', 'EURO', NUL],
      seats: [0, 1001],
      slotIntervalMinutes: [0, 2 ** 31],
      horizonDays: [0, 731],
      resourceGroups: [[], [[]], [[random()]], [[F.rB.id]], [[F.rRoom.id, F.rRoom.id]], [[F.rRoom.id], [F.rRoom.id]], Array.from({ length: 6 }, () => [random()]), [['nope']]],
    }),
  },
  'GET /api/tenant/customers': {
    who: 'ownerA',
    extraQuery: { q: { type: 'string', maxLength: 100 }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
  },
  'POST /api/tenant/customers': {
    who: 'ownerA',
    body: () => ({ name: 'Sweep Customer', email: 'sweep-customer@example.test' }),
    badValues: () => ({ name: ['', '   ', 'n'.repeat(121), NUL], email: ['nope', `${'e'.repeat(250)}@example.test`, NUL], phone: ['call me', NUL], notes: ['n'.repeat(2001), NUL] }),
  },

  // ---- calendar
  'GET /api/tenant/events': {
    who: 'ownerA',
    query: () => ({ from: at(-24), to: at(24) }),
    badQueries: () => [...rangeBad(), { from: at(-24), to: at(24), includeCancelled: 'TRUE' }],
  },
  'POST /api/tenant/events': { who: 'ownerA', body: bookingBody, badValues: bookingBad },
  'PATCH /api/tenant/events/{id}': {
    who: 'ownerA',
    body: () => ({ start: at(6) }),
    required: ['start'],
    params: () => ({ id: F.booking.eventId }),
    badValues: () => ({ start: badStarts() }),
  },
  'POST /api/tenant/events/{id}/cancel': {
    who: 'ownerA',
    body: () => ({ reason: 'sweep' }),
    required: [],
    emptyBodyValid: true,
    params: () => ({ id: F.booking.eventId }),
    badValues: () => ({ reason: ['r'.repeat(301)] }),
  },
  'POST /api/tenant/events/{id}/confirm': { who: 'ownerA', params: () => ({ id: F.pendingEventId }) },
  'GET /api/tenant/my-bookings': { who: 'customerA' },

  // ---- public booking
  'GET /api/public/services': { who: 'anonA' },
  'GET /api/public/branding': { who: 'anonA' },
  'GET /api/public/branding/logo': { who: 'anonA' },
  'GET /api/public/services/{id}/slots': {
    who: 'anonA',
    params: () => ({ id: F.svc.id }),
    query: () => ({ from: at(-24), to: at(24) }),
    badQueries: () => [
      ...rangeBad(),
      { from: at(-24), to: at(24), resourceId: F.rRoom.id },
      { from: at(-24), to: at(24), resourceId: F.rB.id },
    ],
  },
  'POST /api/public/holds': {
    who: 'anonA',
    body: () => ({ serviceId: F.svc.id, start: at(7), resourceIds: [F.rStaff.id] }),
    required: ['serviceId', 'start', 'resourceIds'],
    badValues: () => ({ serviceId: [random(), F.svcB.id], start: badStarts(), resourceIds: [[], [random()], [F.rB.id], Array.from({ length: 6 }, random)] }),
  },
  'DELETE /api/public/holds/{id}': { who: 'anonA', params: () => ({ id: F.holdId }), unknownIdOk: true },
  'POST /api/public/bookings': { who: 'anonA', body: bookingBody, badValues: bookingBad },
  'GET /api/public/bookings/{token}': { who: 'anonA', params: () => ({ token: F.booking.token }), idKind: { token: 'token' } },
  'POST /api/realtime/tickets': { who: 'accountA' },
  'POST /api/realtime/booking-tickets': {
    who: 'anonA',
    body: () => ({ manageToken: F.booking.token }),
    required: ['manageToken'],
    badValues: () => ({ manageToken: ['short', 't'.repeat(65), `${'t'.repeat(30)}${NUL}`, 'has spaces in it, twenty+'] }),
  },
  'POST /api/public/bookings/{token}/cancel': { who: 'anonA', params: () => ({ token: F.booking.token }), idKind: { token: 'token' } },
  'POST /api/public/bookings/{token}/reschedule': {
    who: 'anonA',
    body: () => ({ start: at(8) }),
    required: ['start'],
    params: () => ({ token: F.booking.token }),
    idKind: { token: 'token' },
    badValues: () => ({ start: badStarts() }),
  },
}

// ---------------------------------------------------------------------------------------------
// Known bugs (found by this sweep): these probes are left out of the sweep; each has a BUG test.

interface KnownBug {
  test: string
  matches(o: Outcome): boolean
}

const BUG_NUL = 'regression (was a bug): a NUL character (U+0000) in a free-text field or a text filter answers 500 instead of 400'
const BUG_DATES = 'regression (was a bug): dates and instants that pass validation but Postgres cannot store (year 0000, offset +23:59, past 9999) answer 500 instead of 400'
const BUG_PRICE = 'regression (was a bug): POST /api/tenant/services with priceCents of 2^31 or more answers 500 (32-bit column, validation allows 2^53)'
const BUG_REFRESH_ELSEWHERE =
  'regression (was a bug): POST /api/auth/refresh on another host answers 401 yet uses up the refresh token, so the owner’s next refresh at home counts as theft and ends their session'
const BUG_BOOTSTRAP_GRANTS = 'regression (was a bug): grant endpoints called with the platform bootstrap token answer 500 (the principal id "bootstrap" is not a uuid)'

/** Substrings of the probe variants that carry a value Postgres cannot store as a date/timestamptz. */
const OUT_OF_PG_RANGE = ['0000-01-0', '+23:59', YEAR_10000]
const is500 = (o: Outcome) => o.status === 500

const KNOWN_BUGS: KnownBug[] = [
  { test: BUG_NUL, matches: (o) => is500(o) && o.probe.variant.includes('\\u0000') },
  { test: BUG_DATES, matches: (o) => is500(o) && OUT_OF_PG_RANGE.some((v) => o.probe.variant.includes(v)) },
  { test: BUG_PRICE, matches: (o) => is500(o) && o.probe.op === 'POST /api/tenant/services' && o.probe.variant.startsWith('priceCents=') },
  { test: BUG_BOOTSTRAP_GRANTS, matches: (o) => is500(o) && o.actor === 'bootstrap-token@platform' && o.probe.op.startsWith('POST /api/platform/grants') },
]

function isKnownBug(o: Outcome): KnownBug | undefined {
  return o.problem ? KNOWN_BUGS.find((b) => b.matches(o)) : undefined
}

// ---------------------------------------------------------------------------------------------
// Probe generation.

function actorFor(who: Who): Actor {
  switch (who) {
    case 'ownerA':
      return browserActor('owner@A', F.ownerA)
    case 'accountA':
      return browserActor('manager@A', F.accountA)
    case 'customerA':
      return browserActor('customer@A', F.customerA)
    case 'superP':
      return browserActor('superuser@platform', F.superP)
    case 'anonA':
      return anonymous('anonymous@A', alpha.primaryHost)
    case 'anonP':
      return anonymous('anonymous@platform', PLATFORM)
  }
}

function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (_, name: string) => params[name] ?? `MISSING-${name}`)
}

function withQuery(path: string, query: Record<string, string>): string {
  const qs = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&')
  return qs ? `${path}?${qs}` : path
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v)
}

function setAt(root: unknown, path: string[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string, unknown>
  let node: Record<string, unknown> = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>
  const last = path.at(-1)!
  if (remove) delete node[last]
  else node[last] = value
  return copy
}

function wrongTypes(v: unknown): unknown[] {
  if (typeof v === 'string') return [12345, { value: v }, [v]]
  if (typeof v === 'number') return [String(v), true]
  if (typeof v === 'boolean') return [String(v), 1]
  if (Array.isArray(v)) return ['not-a-list', { 0: v[0] }]
  if (isPlainObject(v)) return ['not-an-object', [v]]
  return [123]
}

const allowsNull = (s: JsonSchema | undefined) => !!s?.anyOf?.some((x) => x.type === 'null') || s?.type === 'null'

function bodyProbes(op: string, method: string, path: string, spec: OpSpec, schema: JsonSchema | undefined): Probe[] {
  const probes: Probe[] = []
  const json = { 'content-type': 'application/json' }
  const add = (category: Category, variant: string, body: string | undefined, expect: Expectation = 'reject', headers: Record<string, string> = json) =>
    probes.push({ op, category, variant, method, path, headers, body, expect })
  const valid = spec.body!()

  // (a) not JSON
  add('a:not-json', 'json content-type, body not JSON', '{"unterminated": ')
  add('a:not-json', 'json content-type, body is plain words', 'hello there')
  add('a:not-json', 'json content-type, empty body', '')
  add('a:not-json', 'json content-type, trailing garbage', `${JSON.stringify(valid)} trailing`)
  add('a:not-json', 'form-encoded body', 'a=1&b=2', 'reject', { 'content-type': 'application/x-www-form-urlencoded' })
  add('a:not-json', 'valid JSON sent as text/plain', JSON.stringify(valid), 'reject', { 'content-type': 'text/plain' })
  add('a:not-json', 'valid JSON with no content-type', JSON.stringify(valid), 'reject', {})

  // (b) wrong shape
  const shapes: [string, unknown][] = [
    ['array', []],
    ['array holding the valid body', [valid]],
    ['number', 42],
    ['null', null],
    ['string', 'body'],
    ['boolean', true],
  ]
  if (!spec.emptyBodyValid) shapes.push(['{}', {}])
  for (const [label, value] of shapes) add('b:wrong-shape', label, JSON.stringify(value))

  // (c) each field with a wrong type, null, or missing; nested objects and the first element of lists of objects too
  const walk = (node: Record<string, unknown>, at: string[], nodeSchema: JsonSchema | undefined, top: boolean) => {
    const required = nodeSchema ? (nodeSchema.required ?? []) : ((top ? spec.required : undefined) ?? Object.keys(node))
    for (const [key, value] of Object.entries(node)) {
      const fieldPath = [...at, key]
      const label = fieldPath.join('.')
      const fieldSchema = nodeSchema?.properties?.[key]
      for (const wrong of wrongTypes(value)) add('c:wrong-type', `${label}=${short(wrong)}`, JSON.stringify(setAt(valid, fieldPath, wrong)))
      const nullable = allowsNull(fieldSchema) || (top && spec.nullable?.includes(key))
      if (!nullable && value !== null) add('c:wrong-type', `${label}=null`, JSON.stringify(setAt(valid, fieldPath, null)))
      if (required.includes(key)) add('c:wrong-type', `${label} missing`, JSON.stringify(setAt(valid, fieldPath, undefined, true)))
      if (isPlainObject(value)) walk(value, fieldPath, fieldSchema, false)
      if (Array.isArray(value) && isPlainObject(value[0])) walk(value[0], [...fieldPath, '0'], fieldSchema?.items, false)
      if (Array.isArray(value) && typeof value[0] === 'string') {
        add('c:wrong-type', `${label}=[123]`, JSON.stringify(setAt(valid, fieldPath, [123])))
        add('c:wrong-type', `${label}=[null]`, JSON.stringify(setAt(valid, fieldPath, [null])))
      }
      if (Array.isArray(value) && Array.isArray(value[0])) {
        add('c:wrong-type', `${label}=[["x"], 1]`, JSON.stringify(setAt(valid, fieldPath, [['x'], 1])))
        add('c:wrong-type', `${label}=[[123]]`, JSON.stringify(setAt(valid, fieldPath, [[123]])))
      }
      // (d) strings: 100 KB (a body over 64 KiB: 413) and 60 KB (under the limit: each field's own limit or format refuses it)
      if (typeof value === 'string') {
        add('d:oversize', `${label}=100KB`, JSON.stringify(setAt(valid, fieldPath, 'x'.repeat(100 * KIB))), 413)
        add('d:oversize', `${label}=60KB`, JSON.stringify(setAt(valid, fieldPath, 'x'.repeat(60 * KIB))))
      }
    }
  }
  walk(valid, [], schema, true)
  add('d:oversize', 'valid body plus a 100KB unknown field', JSON.stringify({ ...valid, padding: 'p'.repeat(100 * KIB) }), 413)
  add('d:oversize', 'body of 70 KiB of whitespace around {}', `${' '.repeat(70 * KIB)}{}`, 413)

  // well-typed values that are still wrong
  for (const [field, values] of Object.entries(spec.badValues?.() ?? {})) {
    for (const value of values) add('c:bad-value', `${field}=${short(value)}`, JSON.stringify(setAt(valid, field.split('.'), value)))
  }
  return probes
}

/** Malformed values for one query param, from its JSON schema. */
function badQueryValues(schema: JsonSchema): { value: string; expect: Expectation }[] {
  const reject = (...values: string[]) => values.map((value) => ({ value, expect: 'reject' as const }))
  const lenient = (...values: string[]) => values.map((value) => ({ value, expect: 'no5xx' as const }))
  if (schema.format === 'date-time') {
    // well-formed instants Postgres cannot hold: refusing them or answering an empty page are both fine
    return [...reject('yesterday', '', '2030-13-01T00:00:00Z', '2030-02-30T00:00:00Z', '2030-06-01', '2030-06-01T10:00:00', '2030-06-01T10:00:00+14', '1717236000', NUL), ...lenient(YEAR_ZERO, FAR_OFFSET, YEAR_10000)]
  }
  if (schema.format === 'uuid') return [...reject('nope', '', '12345', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', "' OR 1=1 --", NUL), ...lenient(random())]
  if (schema.type === 'integer') {
    const over = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? [String(schema.maximum + 1)] : []
    // a param that starts at 0 (an offset) takes 0; the empty value may mean its default
    if (schema.minimum === 0) return [...reject('-1', '1.5', 'abc', '1e999', 'Infinity', 'NaN', '99999999999999999999', ...over), ...lenient('0', '')]
    return reject('-1', '0', '1.5', 'abc', '', '1e999', 'Infinity', 'NaN', '99999999999999999999', ...over)
  }
  if (schema.enum) return reject('BOGUS', schema.enum[0]!.toLowerCase() === schema.enum[0] ? schema.enum[0]!.toUpperCase() : schema.enum[0]!.toLowerCase(), '')
  if (schema.type === 'string') {
    const tooLong = schema.maxLength !== undefined ? ['s'.repeat(schema.maxLength + 1)] : []
    // a time-zone param (tz): not a zone; any other free-text filter: NUL must not reach Postgres as a 500
    const zones = schema.default === 'UTC' ? ['Mars/Olympus_Mons', '', '../../etc/passwd', 'UTC+99'] : []
    return [...reject(...tooLong, ...zones, NUL, 's'.repeat(100 * KIB))]
  }
  return reject('nope')
}

function queryProbes(op: string, path: string, spec: OpSpec, params: { name: string; required: boolean; schema: JsonSchema }[]): Probe[] {
  const probes: Probe[] = []
  const base = spec.query?.() ?? {}
  const add = (variant: string, query: Record<string, string>, expect: Expectation) =>
    probes.push({ op, category: 'f:query', variant, method: 'GET', path: withQuery(path, query), expect })
  for (const p of params) {
    if (p.required) {
      const { [p.name]: _, ...rest } = base
      add(`${p.name} missing`, rest, 'reject')
    }
    for (const { value, expect } of badQueryValues(p.schema)) {
      // a huge value may be refused by its own limit or for the URL's length: either way a 4xx
      add(`${p.name}=${short(value)}`, { ...base, [p.name]: value }, expect)
    }
  }
  for (const q of spec.badQueries?.() ?? []) add(`query ${short(q, 120)}`, q, OUT_OF_PG_RANGE.some((v) => JSON.stringify(q).includes(v)) ? 'no5xx' : 'reject')
  const join = (p: string, extra: string) => `${p}${p.includes('?') ? '&' : '?'}${extra}`
  if (params.length > 0) {
    probes.push({ op, category: 'f:query', variant: 'the same param twice, second one malformed', method: 'GET', path: join(withQuery(path, base), `${params[0]!.name}=%ZZ`), expect: 'no5xx' })
  }
  // params nobody asked for, with broken percent-encoding: ignored, or refused, never a 5xx
  probes.push({ op, category: 'f:query', variant: 'junk params, malformed percent-encoding', method: 'GET', path: join(withQuery(path, base), '%E0%A4%A=%ZZ&limit=-1&from=garbage&x[]=1'), expect: 'no5xx' })
  return probes
}

const NOT_IDS = ['not-an-id', '12345', 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', `${'1'.repeat(8)}-1111-1111-1111-1111111111111`, "1' OR '1'='1", '%00', '..%2F..%2Fetc', 'x'.repeat(4000)]
const NOT_TOKENS = ['short', 'has spaces in it, which no token has', 'x'.repeat(65), "1' OR '1'='1' -- xxxxxxx", '%00'.repeat(8)]

function pathProbes(op: string, method: string, template: string, spec: OpSpec, body: string | undefined): Probe[] {
  const probes: Probe[] = []
  const params = spec.params!()
  const headers = body === undefined ? undefined : { 'content-type': 'application/json' }
  for (const name of Object.keys(params)) {
    const kind = spec.idKind?.[name] ?? 'uuid'
    for (const bad of kind === 'uuid' ? NOT_IDS : NOT_TOKENS) {
      const value = bad.includes('%') ? bad : encodeURIComponent(bad)
      probes.push({ op, category: 'e:path-not-id', variant: `${name}=${short(bad)}`, method, path: fillPath(template, { ...params, [name]: value }), headers, body, expect: 'reject' })
    }
    const unknown = kind === 'uuid' ? random() : btoa(crypto.randomUUID()).replace(/[^A-Za-z0-9]/g, '').slice(0, 32)
    probes.push({
      op,
      category: 'e:path-unknown-id',
      variant: `${name}=<unknown ${kind}>`,
      method,
      path: fillPath(template, { ...params, [name]: unknown }),
      headers,
      body,
      expect: spec.unknownIdOk ? 'no5xx' : 'reject',
    })
  }
  return probes
}

function probesFor(key: string, spec: OpSpec, operation: OpenApiOperation): Probe[] {
  const [method, template] = key.split(' ') as [string, string]
  const path = fillPath(template, spec.params?.() ?? {})
  const probes: Probe[] = []
  const schema = operation.requestBody?.content['application/json'].schema
  if (spec.body) probes.push(...bodyProbes(key, method, path, spec, schema))
  else if (spec.upload) {
    const over = spec.upload.limitBytes + 100 * KIB
    probes.push({ op: key, category: 'd:oversize', variant: `${over / KIB} KB upload`, method, path, headers: { 'content-type': 'image/png' }, body: 'p'.repeat(over), expect: 413 })
    probes.push({ op: key, category: 'c:wrong-type', variant: 'JSON instead of an image', method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: 'nope' }), expect: 'reject' })
  } else if (method !== 'GET') {
    // no body is read: a body over 64 KiB is still refused before anything runs
    probes.push({ op: key, category: 'd:oversize', variant: '100KB body on a body-less endpoint', method, path, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ padding: 'p'.repeat(100 * KIB) }), expect: 413 })
  }
  if (spec.params) probes.push(...pathProbes(key, method, template, spec, spec.body ? JSON.stringify(spec.body()) : undefined))
  const queryParams = [
    ...(operation.parameters ?? []).filter((p) => p.in === 'query'),
    ...Object.entries(spec.extraQuery ?? {}).map(([name, s]) => ({ name, in: 'query' as const, required: false, schema: s })),
  ]
  if (method === 'GET') probes.push(...queryProbes(key, path, spec, queryParams))
  return probes
}

// ---------------------------------------------------------------------------------------------
// The sweep.

describe('the OpenAPI document and this sweep', () => {
  it('cover the same operations', () => {
    const documented = Object.entries(openapi.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    expect(documented.length).toBeGreaterThan(40)
    expect(documented.filter((op) => !SPECS[op]), 'operations without a sweep spec').toEqual([])
    expect(Object.keys(SPECS).filter((op) => !documented.includes(op)), 'specs of operations that are not documented').toEqual([])
  })
})

async function sweepOperation(key: string, actors: Actor[]) {
  const spec = SPECS[key]!
  const [method, template] = key.split(' ') as [string, string]
  const operation = openapi.paths[template]?.[method.toLowerCase()]
  expect(operation, `${key} is in the OpenAPI document`).toBeTruthy()
  const problems: string[] = []
  stats.ops.add(key)
  for (const actor of actors) {
    const probes = probesFor(key, spec, operation!)
    const write = method !== 'GET'
    const before = write ? await fingerprint() : null
    const outcomes = await runAll(actor, probes)
    for (const o of outcomes) {
      const known = isKnownBug(o)
      if (known) knownBugHits.push(`${known.test} ← ${describeOutcome(o)}`)
      else if (o.problem) problems.push(describeOutcome(o))
    }
    if (before) {
      const after = await fingerprint()
      // failed sign-ins count against the brute-force throttle, by design
      // a failed domain check is recorded on the domain (when it was checked, what was seen), by design
      const ignore = key.startsWith('POST /api/auth/')
        ? new Set(['public.auth_throttle'])
        : key.endsWith('/domains/{domainId}/verify') || key.endsWith('/domains/{id}/verify')
          ? new Set(['public.domains'])
          : new Set<string>()
      const changed = diff(before, after, ignore)
      if (changed.length) problems.push(`[${actor.label}] ${probes.length} refused requests to ${key} changed data: ${changed.join('; ')}`)
    }
  }
  expect(problems, `${key}: ${problems.length} problem(s)`).toEqual([])
}

describe('bad input on every operation: a 4xx with { error: { code, message } }, nothing written', () => {
  for (const key of Object.keys(SPECS)) {
    const spec = SPECS[key]!
    it(`${key} (${spec.who}${spec.bootstrapToo ? ' + bootstrap token' : ''})`, async () => {
      const actors = [actorFor(spec.who), ...(spec.bootstrapToo ? [F.bootstrap] : [])]
      await sweepOperation(key, actors)
    })
  }
})

// ---------------------------------------------------------------------------------------------
// Cross-tenant: tenant A's ids on tenant B's host.

interface CrossProbe {
  label: string
  actor: () => Actor
  method: string
  path: () => string
  body?: () => unknown
  /** statuses that are right; a 200 is allowed only where a list filtered by a foreign id comes back empty */
  allowed: number[]
}

/** Every id of tenant A this file knows, to spot them in B's answers. */
function alphaIds(): string[] {
  return [
    alpha.id,
    F.staffA.id,
    F.spareA.id,
    F.rStaff.id,
    F.rRoom.id,
    F.svc.id,
    F.svcConfirm.id,
    F.booking.eventId,
    F.booking.bookingId,
    F.booking.customerId,
    F.pendingEventId,
    F.holdId,
    F.customerRec.id,
    F.grantA.id,
  ]
}

const NOT_HERE = [403, 404]

function crossProbes(): CrossProbe[] {
  const ownerB = () => browserActor('owner@B', F.ownerB)
  const anonB = () => anonymous('anonymous@B', beta.primaryHost)
  const customer = { name: 'Beta Customer', email: 'beta-customer@example.test' }
  const range = `from=${encodeURIComponent(at(-48))}&to=${encodeURIComponent(at(48))}`
  return [
    { label: 'rename A’s resource', actor: ownerB, method: 'PATCH', path: () => `/api/tenant/resources/${F.rRoom.id}`, body: () => ({ name: 'hijacked' }), allowed: NOT_HERE },
    { label: 'replace A’s resource hours', actor: ownerB, method: 'PUT', path: () => `/api/tenant/resources/${F.rRoom.id}/hours`, body: () => ({ rules: [] }), allowed: NOT_HERE },
    { label: 'close A’s resource for a day', actor: ownerB, method: 'PUT', path: () => `/api/tenant/resources/${F.rRoom.id}/overrides`, body: () => ({ date: '2031-01-01', ranges: [] }), allowed: NOT_HERE },
    { label: 'block time on A’s resource', actor: ownerB, method: 'POST', path: () => `/api/tenant/resources/${F.rStaff.id}/blocks`, body: interval, allowed: NOT_HERE },
    { label: 'a service on A’s resource', actor: ownerB, method: 'POST', path: () => '/api/tenant/services', body: () => ({ name: 'Stolen', durationMinutes: 30, resourceGroups: [[F.rRoom.id]] }), allowed: NOT_HERE },
    { label: 'a staff resource for A’s user', actor: ownerB, method: 'POST', path: () => '/api/tenant/resources', body: () => ({ kind: 'staff', name: 'Stolen', userId: F.staffA.id, timeZone: 'UTC' }), allowed: NOT_HERE },
    { label: 'book A’s service', actor: ownerB, method: 'POST', path: () => '/api/tenant/events', body: () => ({ serviceId: F.svc.id, start: at(9), customer }), allowed: NOT_HERE },
    // the id is one input among several: "that resource does not deliver this service" (400) says nothing about A
    { label: 'book B’s service on A’s resource', actor: ownerB, method: 'POST', path: () => '/api/tenant/events', body: () => ({ serviceId: F.svcB.id, start: at(9), resourceIds: [F.rStaff.id], customer }), allowed: [400, ...NOT_HERE] },
    { label: 'move A’s event', actor: ownerB, method: 'PATCH', path: () => `/api/tenant/events/${F.booking.eventId}`, body: () => ({ start: at(10) }), allowed: NOT_HERE },
    { label: 'cancel A’s event', actor: ownerB, method: 'POST', path: () => `/api/tenant/events/${F.booking.eventId}/cancel`, body: () => ({}), allowed: NOT_HERE },
    { label: 'confirm A’s pending event', actor: ownerB, method: 'POST', path: () => `/api/tenant/events/${F.pendingEventId}/confirm`, allowed: NOT_HERE },
    { label: 'revoke A’s grant', actor: ownerB, method: 'POST', path: () => `/api/tenant/grants/${F.grantA.id}/revoke`, allowed: NOT_HERE },
    { label: 'grant to A’s user', actor: ownerB, method: 'POST', path: () => '/api/tenant/grants', body: () => ({ granteeId: F.staffA.id, action: 'tenant.customers.read', reason: 'cross-tenant' }), allowed: NOT_HERE },
    { label: 'masquerade as A’s user', actor: ownerB, method: 'POST', path: () => '/api/auth/masquerade', body: () => ({ userId: F.staffA.id }), allowed: NOT_HERE },
    { label: 'B’s calendar filtered by A’s resource', actor: ownerB, method: 'GET', path: () => `/api/tenant/events?${range}&resourceId=${F.rStaff.id}&includeCancelled=true`, allowed: [200, ...NOT_HERE] },
    { label: 'B’s customers searched for A’s customer', actor: ownerB, method: 'GET', path: () => `/api/tenant/customers?q=${SECRET}`, allowed: [200] },
    { label: 'B’s users', actor: ownerB, method: 'GET', path: () => '/api/tenant/users', allowed: [200] },
    { label: 'B’s grants', actor: ownerB, method: 'GET', path: () => '/api/tenant/grants', allowed: [200] },
    { label: 'B’s resources', actor: ownerB, method: 'GET', path: () => '/api/tenant/resources', allowed: [200] },
    { label: 'B’s services', actor: ownerB, method: 'GET', path: () => '/api/tenant/services', allowed: [200] },
    { label: 'slots of A’s service', actor: anonB, method: 'GET', path: () => `/api/public/services/${F.svc.id}/slots?${range}`, allowed: NOT_HERE },
    { label: 'slots of B’s service on A’s resource', actor: anonB, method: 'GET', path: () => `/api/public/services/${F.svcB.id}/slots?${range}&resourceId=${F.rStaff.id}`, allowed: NOT_HERE },
    { label: 'hold A’s service', actor: anonB, method: 'POST', path: () => '/api/public/holds', body: () => ({ serviceId: F.svc.id, start: at(11), resourceIds: [F.rStaff.id] }), allowed: NOT_HERE },
    { label: 'hold B’s service on A’s resource', actor: anonB, method: 'POST', path: () => '/api/public/holds', body: () => ({ serviceId: F.svcB.id, start: at(11), resourceIds: [F.rStaff.id] }), allowed: [400, ...NOT_HERE] },
    // releasing is idempotent ({ released: false } for a hold this tenant does not have); A's hold must survive (checked below)
    { label: 'release A’s hold', actor: anonB, method: 'DELETE', path: () => `/api/public/holds/${F.holdId}`, allowed: [200, ...NOT_HERE] },
    { label: 'book A’s service (public)', actor: anonB, method: 'POST', path: () => '/api/public/bookings', body: () => ({ serviceId: F.svc.id, start: at(12), customer }), allowed: NOT_HERE },
    { label: 'read A’s booking by its manage link', actor: anonB, method: 'GET', path: () => `/api/public/bookings/${F.booking.token}`, allowed: NOT_HERE },
    { label: 'cancel A’s booking by its manage link', actor: anonB, method: 'POST', path: () => `/api/public/bookings/${F.booking.token}/cancel`, allowed: NOT_HERE },
    { label: 'move A’s booking by its manage link', actor: anonB, method: 'POST', path: () => `/api/public/bookings/${F.booking.token}/reschedule`, body: () => ({ start: at(13) }), allowed: NOT_HERE },
    { label: 'B’s public services', actor: anonB, method: 'GET', path: () => '/api/public/services', allowed: [200] },
    { label: 'B’s profile', actor: anonB, method: 'GET', path: () => '/api/tenant', allowed: [200] },
  ]
}

describe('cross-tenant: tenant A’s ids on tenant B’s host', () => {
  it('are refused with 404/403 (empty lists for filters), never show A’s data, and change nothing', async () => {
    const problems: string[] = []
    const before = await fingerprint()
    for (const p of crossProbes()) {
      const path = p.path()
      const body = p.body ? JSON.stringify(p.body()) : undefined
      const probe: Probe = { op: `${p.method} ${path}`, category: 'x:cross-tenant', variant: p.label, method: p.method, path, body, headers: body ? { 'content-type': 'application/json' } : undefined, expect: 'no5xx' }
      const o = await send(p.actor(), probe)
      const where = `[${o.actor}] ${p.label}: ${p.method} ${path}${body ? ` ${body}` : ''} → ${o.status}`
      if (o.problem) problems.push(`${where} :: ${o.problem} ${o.text.slice(0, 200)}`)
      if (typeof o.status === 'number' && !p.allowed.includes(o.status)) problems.push(`${where} :: expected one of ${p.allowed.join('/')} ${o.text.slice(0, 200)}`)
      // what B answers must hold nothing of A's (ids the request itself carried may be echoed in an error)
      if (o.text.includes(SECRET)) problems.push(`${where} :: the answer shows tenant A's data: ${o.text.slice(0, 300)}`)
      for (const id of alphaIds()) if (o.text.includes(id) && !path.includes(id) && !body?.includes(id)) problems.push(`${where} :: the answer holds A's id ${id}`)
      if (o.status === 200 && p.method === 'GET' && /events|customers/.test(path)) {
        const list = JSON.parse(o.text) as { events?: unknown[]; customers?: unknown[] }
        if ((list.events ?? list.customers ?? []).length) problems.push(`${where} :: a filter by A's id/name returned rows: ${o.text.slice(0, 300)}`)
      }
    }
    const changed = diff(before, await fingerprint())
    if (changed.length) problems.push(`cross-tenant requests changed data: ${changed.join('; ')}`)
    expect(problems).toEqual([])

    // A is as it was: the booking, its event, the pending event, the grant, the resource, the hold
    const booking = await ok<{ booking: { status: string }; event: { start: string; status: string } }>(request(alpha.primaryHost, `/api/public/bookings/${F.booking.token}`), 200, 'A booking')
    expect(booking.booking.status).toBe('booked')
    expect(booking.event).toMatchObject({ start: F.booking.start, status: 'confirmed' })
    const events = await ok<{ events: { id: string; status: string }[] }>(F.ownerA.fetch(`/api/tenant/events?from=${encodeURIComponent(at(-48))}&to=${encodeURIComponent(at(48))}`), 200, 'A events')
    expect(events.events.find((e) => e.id === F.pendingEventId)?.status).toBe('pending')
    const grants = await ok<{ grants: { id: string; status: string }[] }>(F.ownerA.fetch('/api/tenant/grants'), 200, 'A grants')
    expect(grants.grants.find((g) => g.id === F.grantA.id)?.status).toBe('active')
    const resources = await ok<{ resources: { id: string; name: string }[] }>(F.ownerA.fetch('/api/tenant/resources'), 200, 'A resources')
    expect(resources.resources.find((r) => r.id === F.rRoom.id)?.name).toBe(`${SECRET} Room`)
    const sameSlot = await anonJson(alpha.primaryHost, '/api/public/holds', { serviceId: F.svc.id, start: at(3), resourceIds: [F.rStaff.id] })
    expect(sameSlot.status, 'A’s hold still holds its slot').toBe(409)
  })

  it('A’s session and access token do not work on B’s host or on the platform host', async () => {
    const stolen = new Browser(beta.primaryHost)
    for (const name of ['ss_access', 'ss_refresh', 'ss_csrf']) {
      const value = F.ownerA.jar.get(name)
      if (value) stolen.jar.set(name, value)
    }
    const before = await fingerprint()
    const checks: [string, Response][] = [
      ['A cookies on B: /api/auth/me', await direct(beta.primaryHost, '/api/auth/me', { method: 'GET', headers: { cookie: stolen.jar.header() } })],
      [
        'A cookies on B: POST /api/tenant/resources',
        await direct(beta.primaryHost, '/api/tenant/resources', {
          method: 'POST',
          headers: { cookie: stolen.jar.header(), 'x-csrf-token': stolen.jar.get('ss_csrf') ?? '', 'content-type': 'application/json' },
          body: JSON.stringify({ kind: 'room', name: 'via A cookies', timeZone: 'UTC' }),
        }),
      ],
      ['A bearer on B: /api/tenant/customers', await direct(beta.primaryHost, '/api/tenant/customers', { method: 'GET', headers: { authorization: `Bearer ${F.ownerAToken}` } })],
      ['A bearer on the platform: /api/platform/tenants', await direct(PLATFORM, '/api/platform/tenants', { method: 'GET', headers: { authorization: `Bearer ${F.ownerAToken}` } })],
      // (A's refresh cookie on B: see the BUG test below)
    ]
    const problems: string[] = []
    for (const [label, res] of checks) {
      const text = await res.text()
      stats.requests++
      bump(stats.byCategory, 'x:cross-tenant')
      if (res.status !== 401 && res.status !== 403) problems.push(`${label} → ${res.status} ${text.slice(0, 200)}`)
      if (text.includes(SECRET)) problems.push(`${label} → shows A's data`)
    }
    expect(problems).toEqual([])
    expect(diff(before, await fingerprint())).toEqual([])
    // and A's own session still works at home
    expect((await direct(alpha.primaryHost, '/api/auth/me', { method: 'GET', headers: { cookie: F.ownerA.jar.header() } })).status).toBe(200)
  })
})

// ---------------------------------------------------------------------------------------------
// The bugs this sweep found, one failing test each, with the exact requests.

interface Repro {
  actor: () => Actor
  method: string
  path: () => string
  body?: () => unknown
  /** what a correct server answers; a 4xx unless said */
  ok?: (status: number) => boolean
}

async function expectRefusedCleanly(repros: Repro[]) {
  const failures: string[] = []
  for (const r of repros) {
    const path = r.path()
    const body = r.body ? JSON.stringify(r.body()) : undefined
    const actor = r.actor()
    const res = await actor.fetch(path, { method: r.method, headers: body ? { 'content-type': 'application/json' } : undefined, body })
    const text = await res.text()
    stats.requests++
    const fine = r.ok ? r.ok(res.status) : res.status >= 400 && res.status < 500
    if (!fine) failures.push(`[${actor.label}@${actor.host}] ${r.method} ${path}${body ? ` ${body}` : ''} → ${res.status} ${text.slice(0, 160)}`)
  }
  expect(failures, `${failures.length} of ${repros.length} requests answered wrongly`).toEqual([])
}

describe('bugs found by the sweep', () => {
  const owner = () => browserActor('owner@A', F.ownerA)
  const anon = () => anonymous('anonymous@A', alpha.primaryHost)
  const superuser = () => browserActor('superuser@platform', F.superP)
  const json = (method: string, actor: () => Actor, path: string | (() => string), body: () => unknown): Repro => ({ actor, method, path: typeof path === 'string' ? () => path : path, body })
  const get = (actor: () => Actor, path: string | (() => string)): Repro => ({ actor, method: 'GET', path: typeof path === 'string' ? () => path : path })
  const customer = { name: 'Repro Customer', email: 'repro-customer@example.test' }

  it(BUG_NUL, async () => {
    await expectRefusedCleanly([
      json('POST', owner, '/api/tenant/customers', () => ({ name: NUL, email: 'nul@example.test' })),
      json('POST', owner, '/api/tenant/customers', () => ({ name: 'Nul', email: 'nul@example.test', notes: NUL })),
      json('POST', owner, '/api/tenant/resources', () => ({ kind: 'room', name: NUL, timeZone: 'UTC' })),
      json('PATCH', owner, () => `/api/tenant/resources/${F.rRoom.id}`, () => ({ name: NUL })),
      json('POST', owner, '/api/tenant/services', () => ({ name: NUL, durationMinutes: 30, resourceGroups: [[F.rRoom.id]] })),
      json('POST', owner, '/api/tenant/services', () => ({ name: 'Nul', description: NUL, durationMinutes: 30, resourceGroups: [[F.rRoom.id]] })),
      json('POST', owner, '/api/tenant/closures', () => ({ ...interval(), reason: NUL })),
      json('POST', owner, () => `/api/tenant/resources/${F.rRoom.id}/blocks`, () => ({ ...interval(), reason: NUL })),
      json('PATCH', owner, '/api/tenant/profile', () => ({ tagline: NUL })),
      json('PATCH', owner, '/api/tenant/profile', () => ({ about: NUL })),
      json('POST', owner, '/api/tenant/grants', () => ({ granteeId: F.staffA.id, action: 'tenant.customers.read', reason: NUL })),
      json('POST', owner, '/api/tenant/events', () => ({ serviceId: F.svc.id, start: at(5), customer, notes: NUL })),
      json('POST', anon, '/api/public/bookings', () => ({ serviceId: F.svc.id, start: at(5), customer: { ...customer, name: NUL } })),
      get(owner, '/api/tenant/customers?q=a%00b'),
      json('POST', superuser, '/api/platform/tenants', () => ({ slug: `nul-${crypto.randomUUID().slice(0, 8)}`, name: NUL })),
      json('POST', superuser, '/api/platform/users', () => ({ email: `nul-${crypto.randomUUID().slice(0, 8)}@example.test`, role: 'TENANT_STAFF', tenantId: alpha.id, displayName: NUL })),
      json('POST', superuser, '/api/platform/grants', () => ({ granteeId: F.supportP.id, action: 'platform.audit.read', reason: NUL })),
      get(superuser, '/api/platform/users?q=a%00b'),
      get(superuser, '/api/platform/audit?action=a%00b'),
      get(superuser, '/api/platform/outbox?to=a%00b'),
    ])
  })

  it(BUG_DATES, async () => {
    const zero = encodeURIComponent(YEAR_ZERO)
    // reads: a 400 or an empty page are both right; writes: a 4xx
    const read = (r: Repro): Repro => ({ ...r, ok: (status) => status < 500 })
    await expectRefusedCleanly([
      read(get(owner, `/api/tenant/events?from=${zero}&to=${encodeURIComponent('0000-01-02T10:00:00Z')}`)),
      read(get(owner, `/api/tenant/events?from=${encodeURIComponent(FAR_OFFSET)}&to=${encodeURIComponent('2030-06-02T10:00:00+23:59')}`)),
      read(get(anon, () => `/api/public/services/${F.svc.id}/slots?from=${zero}&to=${encodeURIComponent('0000-01-02T10:00:00Z')}`)),
      read(get(anon, () => `/api/public/services/${F.svc.id}/slots?from=${encodeURIComponent('9999-12-31T00:00:00Z')}&to=${encodeURIComponent(YEAR_10000)}`)),
      read(get(superuser, `/api/platform/audit?since=${zero}`)),
      read(get(superuser, `/api/platform/audit?until=${encodeURIComponent(FAR_OFFSET)}`)),
      json('POST', owner, '/api/tenant/closures', () => ({ startsAt: YEAR_ZERO, endsAt: at(0) })),
      json('POST', owner, '/api/tenant/closures', () => ({ startsAt: at(0), endsAt: FAR_OFFSET })),
      json('POST', owner, () => `/api/tenant/resources/${F.rRoom.id}/blocks`, () => ({ startsAt: YEAR_ZERO, endsAt: at(0) })),
      json('PUT', owner, () => `/api/tenant/resources/${F.rRoom.id}/overrides`, () => ({ date: '0000-01-01', ranges: [] })),
      json('POST', owner, '/api/tenant/events', () => ({ serviceId: F.svc.id, start: YEAR_ZERO, customer })),
      json('PATCH', owner, () => `/api/tenant/events/${F.booking.eventId}`, () => ({ start: YEAR_10000 })),
      json('POST', anon, '/api/public/bookings', () => ({ serviceId: F.svc.id, start: YEAR_ZERO, customer })),
      json('POST', anon, '/api/public/holds', () => ({ serviceId: F.svc.id, start: YEAR_ZERO, resourceIds: [F.rStaff.id] })),
      json('POST', anon, () => `/api/public/bookings/${F.booking.token}/reschedule`, () => ({ start: YEAR_ZERO })),
    ])
  })

  it(BUG_PRICE, async () => {
    await expectRefusedCleanly([
      json('POST', owner, '/api/tenant/services', () => ({ name: 'Pricey', durationMinutes: 30, priceCents: 2 ** 31, resourceGroups: [[F.rRoom.id]] })),
      json('POST', owner, '/api/tenant/services', () => ({ name: 'Pricey', durationMinutes: 30, priceCents: 1e15, depositCents: 2 ** 31, resourceGroups: [[F.rRoom.id]] })),
    ])
  })

  it(BUG_REFRESH_ELSEWHERE, async () => {
    // a fresh session of A's owner, so that the shared fixtures are not touched
    const home = new Browser(alpha.primaryHost)
    const login = await home.login(F.ownerAEmail)
    expect(login.status).toBe(200)
    const refreshCookie = `ss_refresh=${home.jar.get('ss_refresh')}`
    const before = await fingerprint()
    // 1. the cookie presented on tenant B's host (and on the platform host): refused...
    const onB = await direct(beta.primaryHost, '/api/auth/refresh', { method: 'POST', headers: { cookie: refreshCookie } })
    expect(onB.status).toBe(401)
    const onPlatform = await direct(PLATFORM, '/api/auth/refresh', { method: 'POST', headers: { cookie: refreshCookie } })
    expect(onPlatform.status).toBe(401)
    // ...and nothing written: the token is not A's to spend on B's host
    const written = diff(before, await fingerprint())
    // 2. so A's owner can still refresh at home
    const atHome = await direct(alpha.primaryHost, '/api/auth/refresh', { method: 'POST', headers: { cookie: refreshCookie } })
    const atHomeText = await atHome.text()
    expect({ written, refreshAtHome: `${atHome.status} ${atHomeText.slice(0, 120)}` }).toEqual({ written: [], refreshAtHome: expect.stringMatching(/^200 /) })
  })

  it(BUG_BOOTSTRAP_GRANTS, async () => {
    await expectRefusedCleanly([
      { actor: () => F.bootstrap, method: 'POST', path: () => `/api/platform/grants/${random()}/revoke` },
      { actor: () => F.bootstrap, method: 'POST', path: () => `/api/platform/grants/${F.grantP.id}/revoke`, ok: (s) => s < 500 },
      { actor: () => F.bootstrap, method: 'POST', path: () => '/api/platform/grants', body: () => ({ granteeId: F.supportP.id, action: 'platform.outbox.read', reason: 'bootstrap grant' }), ok: (s) => s < 500 },
    ])
  })
})
