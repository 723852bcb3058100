// Webhooks: a business registers endpoints (URL, event types, secret); each matching event is
// recorded as one delivery per endpoint in the same transaction as the change, and the
// `webhook.deliver` job POSTs it signed with HMAC-SHA256 over `<timestamp>.<body>` (docs/webhooks.md).
// A failed delivery is tried again on a schedule of due jobs, up to a day later; every attempt's
// status and response code is recorded, and the portal can replay any delivery.
import type { Pool } from '@neondatabase/serverless'
import ipaddr from 'ipaddr.js'
import { z } from 'zod'
import { AppError } from '../errors'
import { randomToken } from '../identity/passwords'
import { seal, unseal } from '../identity/sealed'
import { PermanentJobError } from '../jobs/consumer'
import { scheduleJobs, type DueJob } from '../jobs/due'
import { newJob, WEBHOOK_EVENT_TYPES, type JobOf, type WebhookEventType } from '../jobs/messages'
import { tenantSql } from '../scheduling/sql'
import { tenantForJob } from './notifications'

type Queryable = Pick<Pool, 'query'>

export const SIGNATURE_HEADER = 'SmoothSchedule-Signature'
/** After a rotation the old secret keeps signing (as a second v1) for this long. */
export const PREVIOUS_SECRET_HOURS = 24
/** Seconds after a failed attempt before the next one; after the last, the delivery stays failed (replay by hand). */
export const RETRY_SCHEDULE_SECONDS = [60, 300, 1800, 7200, 28_800, 86_400]
const MAX_ENDPOINTS = 20
const TIMEOUT_MS = 10_000

/**
 * Why a URL may not receive webhooks, or null. Always http(s); in production also never a
 * loopback, private, link-local or otherwise non-public address, nor a local-only name.
 */
export function webhookUrlProblem(raw: string, options: { production: boolean }): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'must be an absolute URL such as https://example.com/hooks'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must use http or https, not ${url.protocol.replace(':', '')}`
  if (url.username || url.password) return 'must not contain a user name or password; authenticate with the signature'
  if (!options.production) return null
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || /\.(localhost|local|internal|lan|home|corp)$/.test(host) || !host.includes('.') && !ipaddr.isValid(host)) {
    return `must point at a public host; ${host} is a local name`
  }
  if (ipaddr.isValid(host)) {
    let address = ipaddr.parse(host)
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address()
    const range = address.range()
    if (range !== 'unicast') return `must point at a public address; ${host} is ${range}`
  }
  return null
}

export const webhookEventTypes = z.array(z.enum(WEBHOOK_EVENT_TYPES, `event types are ${WEBHOOK_EVENT_TYPES.join(', ')}`)).min(1, 'choose at least one event type').max(WEBHOOK_EVENT_TYPES.length)

export const webhookInput = z
  .object({
    url: z.string().trim().min(1, 'the URL is required').max(2000),
    events: webhookEventTypes,
    description: z.string().trim().max(200).default(''),
  })
  .strict()

export const webhookUpdate = z
  .object({
    url: z.string().trim().min(1).max(2000),
    events: webhookEventTypes,
    description: z.string().trim().max(200),
    active: z.boolean(),
  })
  .partial()
  .strict()
  .refine((u) => Object.keys(u).length > 0, 'send at least one of url, events, description, active')

export interface WebhookEndpoint {
  id: string
  url: string
  events: WebhookEventType[]
  description: string
  active: boolean
  /** the first characters of the secret, to tell them apart */
  secretHint: string
  previousSecretExpiresAt: string | null
  createdAt: string
  updatedAt: string
}

function newSecret(): string {
  return `whsec_${randomToken(24)}`
}

function toEndpoint(r: Record<string, unknown>, hint: string): WebhookEndpoint {
  const previous = r.previous_secret_expires_at ? new Date(r.previous_secret_expires_at as string) : null
  return {
    id: r.id as string,
    url: r.url as string,
    events: [...new Set((r.event_types as string[]).filter((e): e is WebhookEventType => (WEBHOOK_EVENT_TYPES as readonly string[]).includes(e)))],
    description: r.description as string,
    active: r.is_active as boolean,
    secretHint: hint,
    previousSecretExpiresAt: previous && previous.getTime() > Date.now() ? previous.toISOString() : null,
    createdAt: new Date(r.created_at as string).toISOString(),
    updatedAt: new Date(r.updated_at as string).toISOString(),
  }
}

async function hintOf(dataKey: string, sealed: string): Promise<string> {
  const secret = await unseal(dataKey, sealed).catch(() => '')
  return secret ? `${secret.slice(0, 10)}…` : '(unreadable)'
}

function checkUrl(url: string, production: boolean) {
  const problem = webhookUrlProblem(url, { production })
  if (problem) throw new AppError(400, 'invalid_webhook_url', `The webhook URL ${problem}.`, { field: 'url' })
}

export async function listWebhookEndpoints(db: Queryable, schema: string, dataKey: string): Promise<WebhookEndpoint[]> {
  const { rows } = await db.query(`SELECT * FROM ${tenantSql(schema)('webhook_endpoints')} ORDER BY created_at, id`)
  return Promise.all(rows.map(async (r) => toEndpoint(r, await hintOf(dataKey, r.secret))))
}

export async function getWebhookEndpoint(db: Queryable, schema: string, dataKey: string, id: string): Promise<WebhookEndpoint> {
  const { rows } = await db.query(`SELECT * FROM ${tenantSql(schema)('webhook_endpoints')} WHERE id = $1`, [id])
  if (!rows[0]) throw new AppError(404, 'unknown_webhook', 'No webhook endpoint has that id.')
  return toEndpoint(rows[0], await hintOf(dataKey, rows[0].secret))
}

/** Registers an endpoint; the secret is returned this once (later only its first characters). */
export async function createWebhookEndpoint(db: Queryable, schema: string, options: { dataKey: string; production: boolean }, input: z.infer<typeof webhookInput>) {
  checkUrl(input.url, options.production)
  const t = tenantSql(schema)
  const secret = newSecret()
  const { rows } = await db.query(
    `INSERT INTO ${t('webhook_endpoints')} (url, event_types, description, secret)
     SELECT $1, $2, $3, $4 WHERE (SELECT count(*) FROM ${t('webhook_endpoints')}) < $5
     RETURNING *`,
    [input.url, [...new Set(input.events)], input.description, await seal(options.dataKey, secret), MAX_ENDPOINTS],
  )
  if (!rows[0]) throw new AppError(409, 'too_many_webhooks', `A business can register at most ${MAX_ENDPOINTS} webhook endpoints.`)
  return { endpoint: toEndpoint(rows[0], `${secret.slice(0, 10)}…`), secret }
}

export async function updateWebhookEndpoint(db: Queryable, schema: string, options: { dataKey: string; production: boolean }, id: string, input: z.infer<typeof webhookUpdate>) {
  if (input.url !== undefined) checkUrl(input.url, options.production)
  const { rows } = await db.query(
    `UPDATE ${tenantSql(schema)('webhook_endpoints')}
        SET url = COALESCE($2, url), event_types = COALESCE($3, event_types), description = COALESCE($4, description),
            is_active = COALESCE($5, is_active), updated_at = now()
      WHERE id = $1 RETURNING *`,
    [id, input.url ?? null, input.events ? [...new Set(input.events)] : null, input.description ?? null, input.active ?? null],
  )
  if (!rows[0]) throw new AppError(404, 'unknown_webhook', 'No webhook endpoint has that id.')
  return toEndpoint(rows[0], await hintOf(options.dataKey, rows[0].secret))
}

export async function deleteWebhookEndpoint(db: Queryable, schema: string, id: string) {
  const { rowCount } = await db.query(`DELETE FROM ${tenantSql(schema)('webhook_endpoints')} WHERE id = $1`, [id])
  if (!rowCount) throw new AppError(404, 'unknown_webhook', 'No webhook endpoint has that id.')
}

/** A new secret; the old one goes on signing beside it for PREVIOUS_SECRET_HOURS so receivers can switch over. */
export async function rotateWebhookSecret(db: Queryable, schema: string, dataKey: string, id: string) {
  const secret = newSecret()
  const { rows } = await db.query(
    `UPDATE ${tenantSql(schema)('webhook_endpoints')}
        SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(hours => $3), secret = $2, updated_at = now()
      WHERE id = $1 RETURNING *`,
    [id, await seal(dataKey, secret), PREVIOUS_SECRET_HOURS],
  )
  if (!rows[0]) throw new AppError(404, 'unknown_webhook', 'No webhook endpoint has that id.')
  return { endpoint: toEndpoint(rows[0], `${secret.slice(0, 10)}…`), secret }
}

export const deliveriesQuery = z
  .object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict()

export interface WebhookDelivery {
  id: string
  endpointId: string
  eventId: string
  eventType: string
  payload: unknown
  status: 'pending' | 'delivered' | 'failed'
  attempts: number
  replays: number
  responseCode: number | null
  responseBody: string | null
  lastError: string | null
  createdAt: string
  lastAttemptAt: string | null
  deliveredAt: string | null
  nextAttemptAt: string | null
}

function toDelivery(r: Record<string, unknown>): WebhookDelivery {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null)
  return {
    id: r.id as string,
    endpointId: r.endpoint_id as string,
    eventId: r.event_id as string,
    eventType: r.event_type as string,
    payload: r.payload,
    status: r.status as WebhookDelivery['status'],
    attempts: r.attempts as number,
    replays: r.replays as number,
    responseCode: (r.response_code as number | null) ?? null,
    responseBody: (r.response_body as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdAt: iso(r.created_at)!,
    lastAttemptAt: iso(r.last_attempt_at),
    deliveredAt: iso(r.delivered_at),
    nextAttemptAt: iso(r.next_attempt_at),
  }
}

export async function listDeliveries(db: Queryable, schema: string, endpointId: string, query: z.infer<typeof deliveriesQuery>): Promise<WebhookDelivery[]> {
  const t = tenantSql(schema)
  const exists = await db.query(`SELECT 1 FROM ${t('webhook_endpoints')} WHERE id = $1`, [endpointId])
  if (!exists.rowCount) throw new AppError(404, 'unknown_webhook', 'No webhook endpoint has that id.')
  const { rows } = await db.query(
    `SELECT * FROM ${t('webhook_deliveries')} WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2) ORDER BY created_at DESC, id LIMIT $3`,
    [endpointId, query.status ?? null, query.limit],
  )
  return rows.map(toDelivery)
}

/** Sends a delivery again now, whatever became of it; the receiver sees the same event id (deduplicate on it). */
export async function replayDelivery(db: Queryable, tenant: { id: string; schemaName: string }, deliveryId: string): Promise<WebhookDelivery> {
  const t = tenantSql(tenant.schemaName)
  const { rows } = await db.query(
    `UPDATE ${t('webhook_deliveries')} SET replays = replays + 1, status = CASE WHEN status = 'delivered' THEN status ELSE 'pending' END, next_attempt_at = NULL
      WHERE id = $1 RETURNING *`,
    [deliveryId],
  )
  if (!rows[0]) throw new AppError(404, 'unknown_delivery', 'No webhook delivery has that id.')
  const delivery = toDelivery(rows[0])
  await scheduleJobs(db, [
    {
      tenantId: tenant.id,
      ref: deliveryId,
      kind: 'webhook.replay',
      dueAt: new Date(),
      message: newJob('webhook.deliver', tenant.id, { deliveryId, replay: true }, `whr:${deliveryId}:${delivery.replays}`),
    },
  ])
  return delivery
}

/**
 * Records one delivery per active endpoint that wants `type` and schedules their sends, in the
 * caller's transaction. Returns the due jobs written (none when no endpoint listens).
 */
export async function recordWebhookEvent(db: Queryable, tenant: { id: string; slug: string; schemaName: string }, type: WebhookEventType, data: Record<string, unknown>): Promise<DueJob[]> {
  const t = tenantSql(tenant.schemaName)
  const { rows: endpoints } = await db.query<{ id: string }>(`SELECT id FROM ${t('webhook_endpoints')} WHERE is_active AND $1 = ANY(event_types)`, [type])
  if (endpoints.length === 0) return []
  const eventId = `evt_${crypto.randomUUID().replace(/-/g, '')}`
  const payload = { id: eventId, type, createdAt: new Date().toISOString(), business: { id: tenant.id, slug: tenant.slug }, data }
  const due: DueJob[] = []
  for (const endpoint of endpoints) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO ${t('webhook_deliveries')} (endpoint_id, event_id, event_type, payload) VALUES ($1, $2, $3, $4) RETURNING id`,
      [endpoint.id, eventId, type, JSON.stringify(payload)],
    )
    const deliveryId = rows[0]!.id
    due.push({ tenantId: tenant.id, ref: deliveryId, kind: 'webhook.deliver', dueAt: new Date(), message: newJob('webhook.deliver', tenant.id, { deliveryId }, `whd:${deliveryId}:1`) })
  }
  return due
}

const encoder = new TextEncoder()

export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`${timestamp}.${body}`)))
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export interface WebhookDeliveryDeps {
  pool: Pool
  dataKey: string
  production: boolean
  fetcher?: typeof fetch
  now?: () => number
}

export async function deliverWebhook(job: JobOf<'webhook.deliver'>, deps: WebhookDeliveryDeps) {
  const { pool } = deps
  const tenant = await tenantForJob(pool, job.tenantId)
  const t = tenantSql(tenant.schemaName)
  const { rows } = await pool.query(
    `SELECT d.*, e.url, e.secret, e.previous_secret, e.previous_secret_expires_at, e.is_active
       FROM ${t('webhook_deliveries')} d JOIN ${t('webhook_endpoints')} e ON e.id = d.endpoint_id WHERE d.id = $1`,
    [job.payload.deliveryId],
  )
  const row = rows[0]
  if (!row) throw new PermanentJobError(`webhook delivery ${job.payload.deliveryId} no longer exists (its endpoint was removed)`)
  if (!job.payload.replay && row.status === 'delivered') return { skipped: 'already delivered' }
  if (!row.is_active) return { skipped: 'the endpoint is switched off' }

  const record = (fields: { status: string; code: number | null; body: string | null; error: string | null; nextAt: Date | null }) =>
    pool.query(
      `UPDATE ${t('webhook_deliveries')}
          SET attempts = attempts + 1, last_attempt_at = now(), status = CASE WHEN status = 'delivered' THEN 'delivered' ELSE $2 END,
              response_code = $3, response_body = $4, last_error = $5, next_attempt_at = $6,
              delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
        WHERE id = $1`,
      [row.id, fields.status, fields.code, fields.body, fields.error, fields.nextAt?.toISOString() ?? null],
    )

  const problem = webhookUrlProblem(row.url, { production: deps.production })
  if (problem) {
    await record({ status: 'failed', code: null, body: null, error: `refused: the URL ${problem}`, nextAt: null })
    throw new PermanentJobError(`webhook URL refused: ${problem}`)
  }

  const body = JSON.stringify(row.payload)
  const timestamp = Math.floor((deps.now?.() ?? Date.now()) / 1000)
  const signatures = [`v1=${await signWebhook(await unseal(deps.dataKey, row.secret), timestamp, body)}`]
  if (row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now()) {
    signatures.push(`v1=${await signWebhook(await unseal(deps.dataKey, row.previous_secret), timestamp, body)}`)
  }

  let code: number | null = null
  let responseBody: string | null = null
  let error: string | null = null
  try {
    const response = await (deps.fetcher ?? fetch)(row.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'SmoothSchedule-Webhooks/1',
        [SIGNATURE_HEADER]: `t=${timestamp},${signatures.join(',')}`,
        'SmoothSchedule-Event': row.event_type,
        'SmoothSchedule-Delivery': row.id,
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
    code = response.status
    responseBody = (await response.text().catch(() => '')).slice(0, 1000)
    if (!response.ok) error = `the endpoint answered ${response.status}`
  } catch (e) {
    error = `could not reach the endpoint: ${(e as Error).message}`.slice(0, 1000)
  }

  if (!error) {
    await record({ status: 'delivered', code, body: responseBody, error: null, nextAt: null })
    return { delivered: true, responseCode: code }
  }
  // Try again later on the schedule (a replay is one attempt: the person who asked for it watches).
  const attempt = (row.attempts as number) + 1
  const wait = job.payload.replay ? undefined : RETRY_SCHEDULE_SECONDS[attempt - 1]
  const nextAt = wait === undefined ? null : new Date(Date.now() + wait * 1000)
  await record({ status: 'failed', code, body: responseBody, error, nextAt })
  if (nextAt) {
    await scheduleJobs(pool, [
      {
        tenantId: tenant.id,
        ref: row.id,
        kind: 'webhook.retry',
        dueAt: nextAt,
        message: newJob('webhook.deliver', tenant.id, { deliveryId: row.id }, `whd:${row.id}:${attempt + 1}`),
      },
    ])
  }
  return { delivered: false, responseCode: code, error, nextAttemptAt: nextAt?.toISOString() ?? null }
}
