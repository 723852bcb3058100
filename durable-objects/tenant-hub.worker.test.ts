// TenantHub: one per tenant, reachable through /ws on the tenant's host, bound to that tenant.
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { createTenant, request, ROOT, type CreatedTenant } from '../test/helpers'
import { openSocket } from '../test/live-socket'
import { TENANT_ID_HEADER, TenantHub } from './tenant-hub'

let alpha: CreatedTenant
let beta: CreatedTenant

beforeAll(async () => {
  alpha = await createTenant('hub-alpha')
  beta = await createTenant('hub-beta')
})

describe('TenantHub', () => {
  it("answers on each tenant's host as that tenant's own hub", async () => {
    const { socket: a, welcome } = await openSocket(alpha.primaryHost)
    const { socket: b } = await openSocket(beta.primaryHost)
    expect(welcome).toMatchObject({ v: 1, tenantId: alpha.id, identity: 'anonymous', topics: {} })
    a.send({ type: 'ping' })
    b.send({ type: 'ping' })
    expect(await a.next((f) => f.type === 'pong')).toMatchObject({ tenantId: alpha.id, connectedAt: expect.any(String) })
    expect(await b.next((f) => f.type === 'pong')).toMatchObject({ tenantId: beta.id })
    a.close()
    b.close()
  })

  it('cannot be pointed at another tenant by a header the client sends', async () => {
    const { socket } = await openSocket(alpha.primaryHost, { headers: { [TENANT_ID_HEADER]: beta.id, 'x-smoothschedule-socket-principal': JSON.stringify({ kind: 'user', userId: crypto.randomUUID(), role: 'TENANT_OWNER', calendar: 'all', ownResourceIds: [] }) } })
    socket.send({ type: 'ping' })
    expect(await socket.next((f) => f.type === 'pong')).toMatchObject({ tenantId: alpha.id })
    // a principal header sent by the client is not passed on: the socket is anonymous
    socket.send({ type: 'subscribe', topics: ['calendar'] })
    expect(await socket.next((f) => f.type === 'subscribed')).toMatchObject({ topics: {}, refused: [{ topic: 'calendar', code: 'forbidden' }] })
    socket.close()
  })

  it('answers bad frames with an error frame instead of dropping them', async () => {
    const { socket } = await openSocket(alpha.primaryHost)
    socket.send('not json')
    expect(await socket.next((f) => f.type === 'error')).toMatchObject({ code: 'bad_frame' })
    const mark = socket.frames.length
    socket.send({ type: 'subscribe-to-everything' })
    expect(await socket.next((f) => f.type === 'error', mark)).toMatchObject({ code: 'unknown_type' })
    socket.close()
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
