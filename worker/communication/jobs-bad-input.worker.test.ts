// Production rules for webhook URLs at the API and at delivery, and the platform's bulk
// provisioning and migration batches with their progress.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any
import worker from '../index'
import { Browser, createTenant, makeUser, platformPost, request, ROOT, uniqueSlug, withDatabase } from '../../test/helpers'
import { TEST_PLATFORM_TOKEN } from '../../test/constants'
import { deliverWebhook } from './webhooks'
import { newJob } from '../jobs/messages'
import { PermanentJobError } from '../jobs/consumer'

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let value = await read()
  for (let i = 0; i < 200 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100))
    value = await read()
  }
  if (!done(value)) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(value).slice(0, 400)}`)
  return value
}

describe('webhook URLs in production', () => {
  it('refuses a loopback or private URL at registration with the reason, and refuses delivery to one registered earlier', async () => {
    const tenant = await createTenant('hooks-prod')
    const owner = await makeUser('TENANT_OWNER', tenant.id)
    const browser = new Browser(tenant.primaryHost)
    expect((await browser.login(owner.email)).status).toBe(200)
    const productionEnv = { ...env, ENVIRONMENT: 'production' }
    const send = async (url: string) => {
      const ctx = createExecutionContext()
      const res = await worker.fetch!(
        new Request(`http://${tenant.primaryHost}/api/tenant/webhooks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: browser.jar.header(), 'x-csrf-token': browser.jar.get('ss_csrf')! },
          body: JSON.stringify({ url, events: ['booking.created'] }),
        }) as Parameters<NonNullable<typeof worker.fetch>>[0],
        productionEnv,
        ctx,
      )
      await waitOnExecutionContext(ctx)
      return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } }
    }
    for (const [url, reason] of [['http://127.0.0.1:9000/hook', 'loopback'], ['http://10.1.2.3/hook', 'private'], ['http://localhost/hook', 'local name']] as const) {
      const refused = await send(url)
      expect(refused.status, url).toBe(400)
      expect(refused.body.error).toMatchObject({ code: 'invalid_webhook_url', message: expect.stringContaining(reason) })
    }
    expect(((await (await browser.fetch("/api/tenant/webhooks")).json()) as { endpoints: unknown[] }).endpoints).toEqual([])

    // Registered while the platform ran in development, then delivered in production: refused, recorded, not retried.
    const created = await browser.fetch('/api/tenant/webhooks', { json: { url: 'http://127.0.0.1:9/hook', events: ['customer.created'] } })
    expect(created.status).toBe(201)
    const { endpoint } = (await created.json()) as { endpoint: { id: string } }
    expect((await browser.fetch('/api/tenant/customers', { json: { name: 'Hook Customer', email: `hook-${crypto.randomUUID().slice(0, 8)}@example.test` } })).status).toBe(201)
    const deliveryId = await withDatabase(async ({ pool }) => (await pool.query(`SELECT id FROM ${tenant.schemaName}.webhook_deliveries WHERE endpoint_id = $1`, [endpoint.id])).rows[0]!.id as string)
    await expect(
      withDatabase(({ pool }) => deliverWebhook(newJob('webhook.deliver', tenant.id, { deliveryId }), { pool, dataKey: env.DATA_ENCRYPTION_KEY, production: true })),
    ).rejects.toThrow(PermanentJobError)
    const deliveries = ((await (await browser.fetch(`/api/tenant/webhooks/${endpoint.id}/deliveries`)).json()) as { deliveries: { id: string }[] }).deliveries
    expect(deliveries.find((d: { id: string }) => d.id === deliveryId)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('loopback'), nextAttemptAt: null })
  })
})

describe('platform batches', () => {
  const platform = (path: string) => request(`platform.${ROOT}`, path, { headers: { authorization: `Bearer ${TEST_PLATFORM_TOKEN}` } })

  it('provisions listed tenants one job each, with progress and each result; refuses a taken slug up front', async () => {
    const a = uniqueSlug('batch-a')
    const b = uniqueSlug('batch-b')
    const ownerEmail = `owner-${a}@example.test`
    const started = await platformPost('/api/platform/batches/provision', { tenants: [{ name: 'Batch A', slug: a, ownerEmail }, { name: 'Batch B', slug: b, timeZone: 'Europe/Paris' }] })
    expect(started.status).toBe(202)
    const { batch } = (await started.json()) as Json
    expect(batch).toMatchObject({ kind: 'tenant.provision', total: 2 })
    const done = await eventually(async () => ((await (await platform(`/api/platform/batches/${batch.id}`)).json()) as Json), (v) => v.batch.done === 2, 'the batch')
    expect(done.batch).toMatchObject({ total: 2, done: 2, failed: 0, waiting: 0 })
    expect(done.items.map((i: { subject: string }) => i.subject).sort()).toEqual([a, b].sort())
    expect(done.items.find((i: { subject: string }) => i.subject === a).result).toMatchObject({ host: `${a}.${ROOT}`, ownerInvited: true })
    expect((await request(`${b}.${ROOT}`, '/api/public/services')).status).toBe(200)
    const outbox = (await (await platform(`/api/platform/outbox?to=${encodeURIComponent(ownerEmail)}`)).json()) as Json
    expect(outbox.messages).toHaveLength(1)

    const again = await platformPost('/api/platform/batches/provision', { tenants: [{ name: 'Again', slug: a }] })
    expect(again.status).toBe(409)
    expect(((await again.json()) as Json).error).toMatchObject({ code: 'slug_taken', details: { slugs: [a] } })
  })

  it('migrates every tenant schema as a batch and reports each as up to date', async () => {
    await createTenant('batch-m')
    const started = await platformPost('/api/platform/batches/migrate', {})
    expect(started.status).toBe(202)
    const { batch } = (await started.json()) as Json
    expect(batch.total).toBeGreaterThan(0)
    const done = await eventually(async () => ((await (await platform(`/api/platform/batches/${batch.id}`)).json()) as Json), (v) => v.batch.done + v.batch.failed === v.batch.total, 'the migration batch')
    expect(done.batch.failed).toBe(0)
    expect(done.items.every((i: { result: { applied?: string[]; skipped?: string } }) => Array.isArray(i.result.applied) || i.result.skipped)).toBe(true)
    const listed = (await (await platform("/api/platform/batches")).json()) as Json
    expect(listed.batches.find((x: { id: string }) => x.id === batch.id)).toMatchObject({ kind: 'tenant.migrate', done: batch.total })
  })
})
