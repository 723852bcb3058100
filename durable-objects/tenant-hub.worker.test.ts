// TenantHub: one per tenant, reachable through /ws on the tenant's host, bound to that tenant.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTenant, request, ROOT, type CreatedTenant } from '../test/helpers'
import { TENANT_ID_HEADER, TenantHub } from './tenant-hub'

let alpha: CreatedTenant
let beta: CreatedTenant

beforeAll(async () => {
  alpha = await createTenant('hub-alpha')
  beta = await createTenant('hub-beta')
})

async function openSocket(host: string, extraHeaders: Record<string, string> = {}): Promise<WebSocket> {
  const res = await request(host, '/ws', { headers: { upgrade: 'websocket', ...extraHeaders } })
  expect(res.status).toBe(101)
  const ws = res.webSocket!
  ws.accept()
  return ws
}

function nextMessage(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    ws.addEventListener('message', (event) => resolve(JSON.parse(event.data as string)), { once: true })
    ws.addEventListener('close', () => reject(new Error('socket closed before a message arrived')), { once: true })
  })
}

describe('TenantHub', () => {
  it("answers on each tenant's host as that tenant's own hub", async () => {
    const a = await openSocket(alpha.primaryHost)
    const b = await openSocket(beta.primaryHost)
    a.send(JSON.stringify({ type: 'ping' }))
    b.send(JSON.stringify({ type: 'ping' }))
    expect(await nextMessage(a)).toMatchObject({ type: 'pong', tenantId: alpha.id, connectedAt: expect.any(String) })
    expect(await nextMessage(b)).toMatchObject({ type: 'pong', tenantId: beta.id })
    a.close(1000, 'done')
    b.close(1000, 'done')
  })

  it('cannot be pointed at another tenant by a header the client sends', async () => {
    const ws = await openSocket(alpha.primaryHost, { [TENANT_ID_HEADER]: beta.id })
    ws.send(JSON.stringify({ type: 'ping' }))
    expect(await nextMessage(ws)).toMatchObject({ type: 'pong', tenantId: alpha.id })
    ws.close(1000, 'done')
  })

  it('answers bad frames with an error frame instead of dropping them', async () => {
    const ws = await openSocket(alpha.primaryHost)
    ws.send('not json')
    expect(await nextMessage(ws)).toMatchObject({ type: 'error', code: 'bad_frame' })
    ws.send(JSON.stringify({ type: 'subscribe-to-everything' }))
    expect(await nextMessage(ws)).toMatchObject({ type: 'error', code: 'unknown_type' })
    ws.close(1000, 'done')
  })

  it('keeps its tenant in storage and refuses a request naming another tenant', async () => {
    const id = env.TENANT_HUB.idFromName(alpha.id)
    const stub = env.TENANT_HUB.get(id)
    const ok = await stub.fetch('https://tenant-hub/health', { headers: { [TENANT_ID_HEADER]: alpha.id } })
    expect(await ok.json()).toMatchObject({ ok: true, tenantId: alpha.id })
    const wrong = await stub.fetch('https://tenant-hub/health', { headers: { [TENANT_ID_HEADER]: beta.id } })
    expect(wrong.status).toBe(409)
    const stored = await runInDurableObject(stub, (instance: TenantHub, state) => {
      expect(instance).toBeInstanceOf(TenantHub)
      return state.storage.get<string>('tenantId')
    })
    expect(stored).toBe(alpha.id)
  })

  it('is served only on tenant hosts and only as a WebSocket upgrade', async () => {
    expect((await request(`platform.${ROOT}`, '/ws', { headers: { upgrade: 'websocket' } })).status).toBe(404)
    const plain = await request(alpha.primaryHost, '/ws')
    expect(plain.status).toBe(426)
    expect(await plain.json()).toMatchObject({ error: { code: 'upgrade_required' } })
  })
})

describe('slot holds', () => {
  it('expire by alarm and stop blocking the slot', async () => {
    const id = env.TENANT_HUB.idFromName(alpha.id)
    const stub = env.TENANT_HUB.get(id)
    const ref = { tenantId: alpha.id, schemaName: alpha.schemaName }
    // a hold written straight into storage, already past its expiry
    await runInDurableObject(stub, async (_instance: TenantHub, state) => {
      await state.storage.put('hold:expired-1', { id: 'expired-1', serviceId: 's', resourceIds: ['r'], start: 0, end: 1, expiresAt: Date.now() - 1000 })
      await state.storage.put('hold:live-1', { id: 'live-1', serviceId: 's', resourceIds: ['r'], start: 0, end: 1, expiresAt: Date.now() + 60_000 })
    })
    const listed = (await stub.listHolds(ref)) as { ok: true; value: { id: string }[] }
    expect(listed.value.map((h) => h.id)).toEqual(['live-1']) // an expired hold never blocks, even before the alarm
    expect(await runDurableObjectAlarm(stub)).toBe(false) // no alarm armed yet by these direct writes
    await runInDurableObject(stub, (instance: TenantHub) => instance.alarm())
    const keys = await runInDurableObject(stub, async (_i: TenantHub, state) => [...(await state.storage.list({ prefix: 'hold:' })).keys()])
    expect(keys).toEqual(['hold:live-1'])
    const alarmAt = await runInDurableObject(stub, (_i: TenantHub, state) => state.storage.getAlarm())
    expect(alarmAt).toBeGreaterThan(Date.now()) // re-armed for the live hold
    expect((await stub.listHolds({ tenantId: beta.id, schemaName: beta.schemaName })) as { ok: boolean }).toMatchObject({ ok: false, status: 409 })
  })
})
