// TenantHub: one Durable Object per tenant (idFromName(tenantId)). It binds itself to its tenant,
// keeps hibernatable WebSockets, serialises booking commits per resource, and keeps slot holds.
import { DurableObject } from 'cloudflare:workers'
import { connectDatabase } from '../db/client'
import type { Env } from '../worker/env'
import { settingsOf } from '../worker/env'
import { AppError } from '../worker/errors'
import { commitBooking, rememberIdempotent, replayIdempotent, requestHash, type BookingInput, type BookingResult, type Hold, type StoredResponse } from '../worker/scheduling/booking'
import { isSlotAvailable, occupiedRange } from '../worker/scheduling/availability'
import { loadCalendars, loadSeatedEvents } from '../worker/scheduling/calendars'
import { getService } from '../worker/scheduling/catalog'
import { serviceSpec, candidateResources } from '../worker/scheduling/booking'
import { getEvent, rescheduleEvent, type CalendarEvent } from '../worker/scheduling/events'
import { listServices } from '../worker/scheduling/catalog'
import { fanOut, type HubChange, type ServiceResources } from '../worker/realtime/fan-out'
import type { SocketPrincipal, TopicCheck } from '../worker/realtime/topic-access'
import { passesTopicCheck } from '../worker/realtime/topic-checks'
import { HEARTBEAT_FRAME, MAX_TOPICS_PER_SOCKET, type Topic } from '../worker/realtime/protocol'
import { Rooms } from './rooms'

export const HOLD_TTL_MS = 5 * 60_000
/** A commit that has not finished by then gives up its resources (the database constraint still guards). */
export const COMMIT_DEADLINE_MS = 25_000

/** What crosses the RPC boundary: errors as data, since thrown errors lose their fields. */
export type HubResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string; details?: unknown }

export interface TenantRef {
  tenantId: string
  schemaName: string
}

export const TENANT_ID_HEADER = 'x-smoothschedule-tenant-id'
/** The verified identity of a socket, set by the Worker (never passed through from the client). */
export const SCHEMA_HEADER = 'x-smoothschedule-tenant-schema'
export const PRINCIPAL_HEADER = 'x-smoothschedule-socket-principal'
/** How long the hub trusts its list of which services use which resources. */
const SERVICE_MAP_TTL_MS = 10_000

export class TenantHub extends DurableObject<Env> {
  private tenantId: string | undefined
  /** Tail of the commit queue of each resource: a DO is not a mutex across awaited I/O. */
  private readonly resourceQueues = new Map<string, Promise<void>>()
  private readonly rooms = new Rooms(this.ctx, {
    tenantId: () => this.tenantId,
    runCheck: (check) => this.runTopicCheck(check),
  })
  private serviceMap: { at: number; services: ServiceResources[] } | null = null

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env)
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_FRAME, HEARTBEAT_FRAME))
  }

  /**
   * The hub learns its tenant from the Worker's first request and remembers it in storage.
   * A later request naming another tenant means a routing bug, so it is refused rather than served.
   */
  private async bindTenant(claimed: string | null | undefined): Promise<string | Response> {
    this.tenantId ??= await this.ctx.storage.get<string>('tenantId')
    if (!claimed) return new Response('missing tenant header', { status: 400 })
    if (!this.tenantId) {
      await this.ctx.storage.put('tenantId', claimed)
      this.tenantId = claimed
    }
    if (this.tenantId !== claimed) {
      return new Response(`this hub belongs to tenant ${this.tenantId}`, { status: 409 })
    }
    return this.tenantId
  }

  /**
   * Runs `task` once every resource in `ids` is free, holding all of them (taken in sorted order,
   * so two tasks over overlapping sets cannot wait on each other forever).
   */
  private async withResources<T>(ids: string[], task: () => Promise<HubResult<T>>): Promise<HubResult<T>> {
    const sorted = [...new Set(ids)].sort()
    const releases: (() => void)[] = []
    for (const id of sorted) {
      const previous = this.resourceQueues.get(id) ?? Promise.resolve()
      let release!: () => void
      const mine = new Promise<void>((resolve) => (release = resolve))
      const tail = previous.then(() => mine)
      this.resourceQueues.set(id, tail)
      await previous
      releases.push(() => {
        release()
        if (this.resourceQueues.get(id) === tail) this.resourceQueues.delete(id)
      })
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      // A hung database call must not hold the resource's queue for ever.
      return await Promise.race([
        task(),
        new Promise<HubResult<T>>((resolve) => {
          timer = setTimeout(
            () => resolve({ ok: false, status: 503, code: 'busy', message: 'Bookings are taking longer than usual; please try again in a moment.' }),
            COMMIT_DEADLINE_MS,
          )
        }),
      ])
    } finally {
      clearTimeout(timer)
      for (const release of releases) release()
    }
  }

  private async guard(tenant: TenantRef): Promise<HubResult<never> | null> {
    const bound = await this.bindTenant(tenant.tenantId)
    if (bound instanceof Response) return { ok: false, status: 409, code: 'wrong_hub', message: await bound.text() }
    await this.rememberSchema(tenant.schemaName)
    return null
  }

  /** The schema is needed where no TenantRef arrives (alarms, socket frames). */
  private schemaName: string | undefined
  private async rememberSchema(schemaName: string | null | undefined): Promise<void> {
    this.schemaName ??= await this.ctx.storage.get<string>('schemaName')
    if (schemaName && schemaName !== this.schemaName) {
      await this.ctx.storage.put('schemaName', schemaName)
      this.schemaName = schemaName
    }
  }

  /**
   * Tells the sockets about a change that is already committed. It runs after the caller has its
   * answer (nobody's booking waits for the fan-out) and never fails the caller: a client that
   * misses a message sees the sequence jump and refetches.
   */
  private publishChange(change: HubChange | (() => Promise<HubChange | null>)): void {
    const run = async () => {
      const resolved = typeof change === 'function' ? await change() : change
      if (!resolved) return
      const services = await this.servicesByResource()
      await this.rooms.publish(fanOut(resolved, services))
    }
    // One after another, snapshot included: a booking's "created" never overtakes its "cancelled".
    const next = this.publishQueue.then(run).catch((error) => console.error('realtime: publish failed', error))
    this.publishQueue = next
    this.ctx.waitUntil(next)
  }
  private publishQueue: Promise<void> = Promise.resolve()

  private async servicesByResource(): Promise<ServiceResources[]> {
    if (this.serviceMap && Date.now() - this.serviceMap.at < SERVICE_MAP_TTL_MS) return this.serviceMap.services
    if (!this.schemaName) return []
    const database = this.database()
    try {
      const services = (await listServices(database.pool, this.schemaName, { activeOnly: true })).map((s) => ({ id: s.id, resourceIds: candidateResources(s) }))
      this.serviceMap = { at: Date.now(), services }
      return services
    } finally {
      await database.close()
    }
  }

  /** Subscription checks that need the tenant's data (does this booking belong to this customer?). */
  private async runTopicCheck(check: TopicCheck): Promise<boolean> {
    const schema = this.schemaName ?? (await this.ctx.storage.get<string>('schemaName'))
    if (!schema) return false
    const database = this.database()
    try {
      const ok = await passesTopicCheck(database.pool, schema, check)
      // A service the hub has not seen yet: its list is stale, so take a fresh one next time.
      if (ok && check.check === 'service-bookable' && !this.serviceMap?.services.some((s) => s.id === check.serviceId)) this.serviceMap = null
      return ok
    } finally {
      await database.close()
    }
  }

  /** A change committed by the Worker (cancel, confirm, hours, closures...), to be told to the sockets. */
  async announce(tenant: TenantRef, change: HubChange): Promise<HubResult<boolean>> {
    const refused = await this.guard(tenant)
    if (refused) return refused
    if (change.kind === 'availability') this.serviceMap = null // services or their resources may have changed
    this.publishChange(change)
    return { ok: true, value: true }
  }

  /** A session has ended (signed out, masquerade stopped): its sockets close at once. */
  async endSession(tenant: TenantRef, sessionId: string): Promise<HubResult<number>> {
    return (await this.guard(tenant)) ?? { ok: true, value: this.rooms.endSession(sessionId) }
  }

  /**
   * The current sequence of some topics, for a page to load with its data: a change published
   * between the page's query and its socket opening then shows as a jump, and the page refetches.
   */
  async topicSequences(tenant: TenantRef, topics: Topic[]): Promise<HubResult<Record<string, number>>> {
    return (await this.guard(tenant)) ?? { ok: true, value: await this.rooms.sequences(topics.slice(0, MAX_TOPICS_PER_SOCKET)) }
  }

  private database() {
    return connectDatabase({ databaseUrl: this.env.DATABASE_URL, wsProxy: this.env.NEON_WS_PROXY || undefined })
  }

  private async liveHolds(now = Date.now()): Promise<Hold[]> {
    const stored = await this.ctx.storage.list<Hold>({ prefix: 'hold:' })
    return [...stored.values()].filter((h) => h.expiresAt > now)
  }

  private async armAlarm(): Promise<void> {
    const holds = await this.liveHolds()
    const next = Math.min(...holds.map((h) => h.expiresAt))
    if (Number.isFinite(next)) await this.ctx.storage.setAlarm(next)
  }

  /** Alarms fire at least once: drop expired holds and re-arm for the next one. */
  override async alarm(): Promise<void> {
    const now = Date.now()
    const stored = await this.ctx.storage.list<Hold>({ prefix: 'hold:' })
    const expired = [...stored].filter(([, h]) => h.expiresAt <= now)
    if (expired.length) await this.ctx.storage.delete(expired.map(([key]) => key))
    await this.armAlarm()
    this.schemaName ??= await this.ctx.storage.get<string>('schemaName')
    for (const [, hold] of expired) this.publishChange({ kind: 'hold', type: 'hold.expired', hold })
  }

  async listHolds(tenant: TenantRef): Promise<HubResult<Hold[]>> {
    return (await this.guard(tenant)) ?? { ok: true, value: await this.liveHolds() }
  }

  /** Holds a slot for a few minutes so that nobody else can take it while the customer types. */
  async placeHold(tenant: TenantRef, input: { serviceId: string; start: number; resourceIds: string[] }): Promise<HubResult<Hold>> {
    const refused = await this.guard(tenant)
    if (refused) return refused
    return this.withResources(input.resourceIds, () =>
      asResult(async () => {
        const database = this.database()
        try {
          const service = await getService(database.pool, tenant.schemaName, input.serviceId)
          if (!service || !service.isActive) throw new AppError(404, 'unknown_service', 'This business offers no such service.')
          if (input.resourceIds.some((id) => !candidateResources(service).includes(id))) {
            throw new AppError(400, 'invalid_resource', 'A chosen resource does not deliver this service.')
          }
          const now = Date.now()
          const spec = serviceSpec(service)
          const { calendars, closures } = await loadCalendars(database.pool, tenant.schemaName, input.resourceIds, input.start - 86_400_000, input.start + 2 * 86_400_000)
          const holds = await this.liveHolds(now)
          const seated = service.seats > 1 ? await loadSeatedEvents(database.pool, tenant.schemaName, service.id, input.start, input.start + 1) : []
          const free = isSlotAvailable({ service: spec, resources: calendars, closures, holds, seated, start: input.start, resourceIds: input.resourceIds, now })
          if (!free) throw new AppError(409, 'slot_unavailable', 'That time was just taken or is being held by someone else.')
          const occupied = occupiedRange(input.start, spec)
          const hold: Hold = { id: crypto.randomUUID(), serviceId: service.id, resourceIds: input.resourceIds, start: occupied.start, end: occupied.end, expiresAt: now + HOLD_TTL_MS }
          await this.ctx.storage.put(`hold:${hold.id}`, hold)
          await this.armAlarm()
          this.publishChange({ kind: 'hold', type: 'hold.placed', hold })
          return hold
        } finally {
          await database.close()
        }
      }),
    )
  }

  async releaseHold(tenant: TenantRef, holdId: string): Promise<HubResult<boolean>> {
    const refused = await this.guard(tenant)
    if (refused) return refused
    const hold = await this.ctx.storage.get<Hold>(`hold:${holdId}`)
    if (!hold) return { ok: true, value: false }
    await this.ctx.storage.delete(`hold:${holdId}`)
    this.publishChange({ kind: 'hold', type: 'hold.released', hold })
    return { ok: true, value: true }
  }

  /**
   * The booking path: serialise per resource, replay an idempotent answer, re-check and commit in
   * one transaction (the exclusion constraint below is the last word), then release the hold.
   */
  async book(
    tenant: TenantRef,
    input: BookingInput,
    context: { lockIds?: string[]; idempotency: { scope: string; key: string } | null; actorUserId: string | null; customerUserId: string | null },
  ): Promise<HubResult<StoredResponse>> {
    const refused = await this.guard(tenant)
    if (refused) return refused
    const lockIds = context.lockIds ?? (await this.lockIdsFor(tenant, input))
    if (!Array.isArray(lockIds)) return lockIds
    return this.withResources(lockIds, () =>
      asResult(async () => {
        const database = this.database()
        try {
          // The language comes from the browser's Accept-Language, not from the form: a resent form is the same request.
          const hash = await requestHash({ ...input, customer: { ...input.customer, locale: undefined } })
          if (context.idempotency) {
            const replay = await replayIdempotent(database.pool, tenant.schemaName, context.idempotency.scope, context.idempotency.key, hash)
            if (replay) return replay
          }
          const holds = (await this.liveHolds()).filter((h) => h.id !== input.holdId)
          let response: StoredResponse
          try {
            const result = await commitBooking(database.pool, tenant.schemaName, input, {
              now: Date.now(),
              holds,
              actorUserId: context.actorUserId,
              customerUserId: context.customerUserId,
              dataKey: settingsOf(this.env).DATA_ENCRYPTION_KEY,
            })
            response = { status: 201, body: result }
          } catch (error) {
            if (!(error instanceof AppError) || error.status >= 500) throw error
            response = { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } } }
          }
          if (response.status === 201) {
            const consumed = input.holdId ? await this.ctx.storage.get<Hold>(`hold:${input.holdId}`) : undefined
            if (consumed) {
              await this.ctx.storage.delete(`hold:${input.holdId}`)
              this.publishChange({ kind: 'hold', type: 'hold.released', hold: consumed })
            }
            const eventId = (response.body as BookingResult).event.id
            this.publishChange(async () => {
              const event = await this.snapshot(tenant, eventId)
              // a second person in a group session changes the session; it is not a new event
              return event && { kind: 'event', type: event.customers.length > 1 ? 'event.updated' : 'event.created', event }
            })
          }
          if (context.idempotency) {
            await rememberIdempotent(database.pool, tenant.schemaName, context.idempotency.scope, context.idempotency.key, hash, response)
          }
          return response
        } finally {
          await database.close()
        }
      }),
    )
  }

  /** The resources a booking may touch, from the service (cached briefly: services rarely change). */
  private readonly serviceResources = new Map<string, { ids: string[]; at: number }>()
  private async lockIdsFor(tenant: TenantRef, input: BookingInput): Promise<string[] | HubResult<never>> {
    if (input.resourceIds) return [...input.resourceIds]
    const cached = this.serviceResources.get(input.serviceId)
    if (cached && Date.now() - cached.at < 30_000) return cached.ids
    const database = this.database()
    try {
      const service = await getService(database.pool, tenant.schemaName, input.serviceId)
      if (!service || !service.isActive) return { ok: false, status: 404, code: 'unknown_service', message: 'This business offers no such service.' }
      const ids = candidateResources(service)
      this.serviceResources.set(input.serviceId, { ids, at: Date.now() })
      return ids
    } finally {
      await database.close()
    }
  }

  /** Moves an appointment under the same per-resource serialisation as new bookings. */
  async reschedule(
    tenant: TenantRef,
    input: { eventId: string; start: number; lockIds: string[]; actorUserId: string | null; enforceNotice: boolean },
  ): Promise<HubResult<CalendarEvent>> {
    const refused = await this.guard(tenant)
    if (refused) return refused
    return this.withResources(input.lockIds, () =>
      asResult(async () => {
        const database = this.database()
        try {
          const before = await getEvent(database.pool, tenant.schemaName, input.eventId)
          const moved = await rescheduleEvent(database.pool, tenant.schemaName, input.eventId, input.start, {
            now: Date.now(),
            holds: await this.liveHolds(),
            actorUserId: input.actorUserId,
            enforceNotice: input.enforceNotice,
          })
          if (before) this.publishChange({ kind: 'event', type: 'event.moved', event: moved, previous: { start: before.start, end: before.end } })
          return moved
        } finally {
          await database.close()
        }
      }),
    )
  }

  private async snapshot(tenant: TenantRef, eventId: string): Promise<CalendarEvent | null> {
    const database = this.database()
    try {
      return await getEvent(database.pool, tenant.schemaName, eventId)
    } finally {
      await database.close()
    }
  }

  override async fetch(request: Request): Promise<Response> {
    const bound = await this.bindTenant(request.headers.get(TENANT_ID_HEADER))
    if (bound instanceof Response) return bound
    await this.rememberSchema(request.headers.get(SCHEMA_HEADER))
    const url = new URL(request.url)
    if (url.pathname === '/health') {
      return Response.json({ ok: true, tenantId: bound, sockets: this.rooms.socketCount() })
    }
    if (url.pathname === '/ws') {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
        return new Response('expected a WebSocket upgrade', { status: 426 })
      }
      let principal: SocketPrincipal
      try {
        principal = JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? '') as SocketPrincipal
      } catch {
        return new Response(`missing ${PRINCIPAL_HEADER}: sockets reach the hub through the Worker's /ws only`, { status: 400 })
      }
      const topics = (url.searchParams.get('topics') ?? '').split(',').map((t) => t.trim()).filter(Boolean).slice(0, 32)
      const pair = new WebSocketPair()
      const [client, server] = [pair[0], pair[1]]
      // Hibernation API: the runtime may evict this object while sockets stay open.
      await this.rooms.accept(server, principal, topics)
      return new Response(null, { status: 101, webSocket: client })
    }
    return new Response('not found', { status: 404 })
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // After hibernation the constructor ran again; the tenant and schema come back from storage.
    this.tenantId ??= await this.ctx.storage.get<string>('tenantId')
    this.schemaName ??= await this.ctx.storage.get<string>('schemaName')
    await this.rooms.message(ws, message)
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.rooms.closed(ws)
    try {
      // 1005/1006 are reserved for "no code" and may not be sent back
      ws.close(code === 1005 || code === 1006 ? 1000 : code, reason)
    } catch {
      // already closed by the peer
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.rooms.closed(ws)
    try {
      ws.close(1011, 'socket error')
    } catch {
      // already closed
    }
  }
}

async function asResult<T>(run: () => Promise<T>): Promise<HubResult<T>> {
  try {
    return { ok: true, value: await run() }
  } catch (error) {
    if (error instanceof AppError) {
      return { ok: false, status: error.status, code: error.code, message: error.message, details: error.details }
    }
    throw error
  }
}
