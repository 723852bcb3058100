// The realtime rooms of one TenantHub, over the WebSocket Hibernation API. Each socket's identity
// and topics live in its attachment (serializeAttachment), so they survive the hub being evicted
// while sockets stay open; the topics a socket asked for when connecting are also its hibernation
// tags, so the common publish is a tag lookup. Nothing here trusts the client: the identity comes
// from the Worker, which verified it, and every frame is validated.
import {
  clientFrame,
  MAX_CLIENT_FRAME_BYTES,
  MAX_TOPICS_PER_SOCKET,
  parseTopic,
  PROTOCOL_VERSION,
  type ChangeMessage,
  type DeliveredMessage,
  type ServerFrame,
  type Topic,
} from '../worker/realtime/protocol'
import { decideTopic, type SocketPrincipal, type TopicCheck } from '../worker/realtime/topic-access'

/** Tags are limited to 10 per socket; one is the identity kind. */
export const MAX_TAGGED_TOPICS = 9
/** Frames per socket per window before frames are refused, and before the socket is closed. */
export const RATE_WINDOW_MS = 10_000
export const RATE_SOFT_LIMIT = 30
export const RATE_HARD_LIMIT = 90
/** Messages published closer together than this go out as one frame. */
const BATCH_WINDOW_MS = 15

export interface SocketState {
  v: 1
  principal: SocketPrincipal
  topics: Topic[]
  /** the topics given as hibernation tags at accept time */
  tagged: Topic[]
  connectedAt: string
}

export interface RoomsHost {
  tenantId(): string | undefined
  /** Runs a subscription check that needs the database; true when the topic may be followed. */
  runCheck(check: TopicCheck): Promise<boolean>
}

/** Close codes the hub sends; the client reconnects after either, and is decided again. */
export const CLOSE_SIGNED_OUT = 4401
export const CLOSE_RECHECK = 4408

const tagOf = (topic: Topic) => `t:${topic}`

/** A signed-in socket whose identity is past its recheck time (or predates recheck times). */
function recheckDue(state: SocketState, now: number): boolean {
  return state.principal.kind === 'user' && !(Date.parse(state.principal.recheckAt) > now)
}

export class Rooms {
  /** attachments, deserialised once per socket per wake-up */
  private readonly states = new WeakMap<WebSocket, SocketState>()
  /** sockets following topics they were not tagged with; rebuilt from attachments after a wake-up */
  private untagged: Map<Topic, Set<WebSocket>> | null = null
  private readonly seqs = new Map<Topic, number>()
  private readonly pending = new Map<WebSocket, DeliveredMessage[]>()
  private flushTimer: ReturnType<typeof setTimeout> | undefined
  private lastFlush = 0
  private readonly rates = new WeakMap<WebSocket, { windowStart: number; count: number }>()
  /** sockets this hub has closed, until the runtime stops listing them */
  private readonly shutting = new WeakSet<WebSocket>()
  /** publishes run one after another so that each topic's sequence is in delivery order */
  private publishing: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly host: RoomsHost,
  ) {}

  socketCount(): number {
    return this.ctx.getWebSockets().length
  }

  /** Accepts an upgraded socket for a verified principal; `asked` are the topics of ?topics=. */
  async accept(server: WebSocket, principal: SocketPrincipal, asked: string[]): Promise<void> {
    const { topics, refused } = await this.decide(principal, asked, [])
    const tagged = topics.slice(0, MAX_TAGGED_TOPICS)
    this.ctx.acceptWebSocket(server, [`p:${principal.kind}`, ...tagged.map(tagOf)])
    const state: SocketState = { v: 1, principal, topics, tagged, connectedAt: new Date().toISOString() }
    this.save(server, state)
    if (topics.length > tagged.length) this.indexUntagged(server, state)
    this.send(server, {
      type: 'welcome',
      v: PROTOCOL_VERSION,
      tenantId: this.host.tenantId() ?? '',
      identity: principal.kind,
      topics: await this.currentSeqs(topics),
    })
    if (refused.length) this.send(server, { type: 'subscribed', topics: {}, refused })
  }

  /** Every frame a client sends. Never throws: a bad frame costs only its own socket an error frame. */
  async message(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    try {
      const size = typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength
      if (size > MAX_CLIENT_FRAME_BYTES) {
        ws.close(1009, `frames are limited to ${MAX_CLIENT_FRAME_BYTES} bytes`)
        return
      }
      const rate = this.countFrame(ws)
      if (rate === 'close') {
        ws.close(1008, `more than ${RATE_HARD_LIMIT} frames in ${RATE_WINDOW_MS / 1000} s`)
        return
      }
      if (rate === 'refuse') {
        this.send(ws, { type: 'error', code: 'rate_limited', message: `Slow down: at most ${RATE_SOFT_LIMIT} frames every ${RATE_WINDOW_MS / 1000} s.` })
        return
      }
      let json: unknown
      try {
        json = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data))
      } catch {
        this.send(ws, { type: 'error', code: 'bad_frame', message: 'Frames must be JSON, such as {"type":"subscribe","topics":["calendar"]}.' })
        return
      }
      const parsed = clientFrame.safeParse(json)
      if (!parsed.success) {
        const type = (json as { type?: unknown } | null)?.type
        const known = type === 'ping' || type === 'subscribe' || type === 'unsubscribe'
        this.send(ws, {
          type: 'error',
          code: known ? 'invalid_frame' : 'unknown_type',
          message: known ? `This ${String(type)} frame is malformed.` : 'Supported frame types: ping, subscribe, unsubscribe.',
          details: known ? parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) : undefined,
        })
        return
      }
      const frame = parsed.data
      const state = this.state(ws)
      if (!state) {
        ws.close(1011, 'this socket has no state; reconnect')
        return
      }
      if (recheckDue(state, Date.now())) {
        this.shut(ws, CLOSE_RECHECK, 'identity check due; reconnect')
        return
      }
      if (frame.type === 'ping') {
        this.send(ws, { type: 'pong', tenantId: this.host.tenantId() ?? '', connectedAt: state.connectedAt })
      } else if (frame.type === 'subscribe') {
        const { topics, refused } = await this.decide(state.principal, frame.topics, state.topics)
        const room = MAX_TOPICS_PER_SOCKET - state.topics.length
        const added = topics.slice(0, Math.max(0, room))
        for (const topic of topics.slice(added.length)) {
          refused.push({ topic, code: 'too_many_topics', message: `A socket may follow at most ${MAX_TOPICS_PER_SOCKET} topics.` })
        }
        if (added.length) {
          const next = { ...state, topics: [...state.topics, ...added] }
          this.save(ws, next)
          this.indexUntagged(ws, next)
        }
        this.send(ws, { type: 'subscribed', topics: await this.currentSeqs(added), refused })
      } else {
        const drop = new Set(frame.topics)
        const next = { ...state, topics: state.topics.filter((t) => !drop.has(t)) }
        this.save(ws, next)
        this.unindex(ws, [...drop] as Topic[])
        this.send(ws, { type: 'unsubscribed', topics: state.topics.filter((t) => drop.has(t)) })
      }
    } catch (error) {
      console.error('realtime: frame handling failed', error)
      this.send(ws, { type: 'error', code: 'internal_error', message: 'That frame could not be handled; the socket stays open.' })
    }
  }

  closed(ws: WebSocket): void {
    const state = this.states.get(ws)
    if (state) this.unindex(ws, state.topics)
    this.pending.delete(ws)
  }

  /** Closes the sockets opened with a session that has just ended (signed out); how many there were. */
  endSession(sessionId: string): number {
    let count = 0
    for (const ws of this.ctx.getWebSockets('p:user')) {
      const state = this.state(ws)
      if (state?.principal.kind !== 'user' || state.principal.sessionId !== sessionId || this.shutting.has(ws)) continue
      this.shut(ws, CLOSE_SIGNED_OUT, 'signed out')
      count++
    }
    return count
  }

  private shut(ws: WebSocket, code: number, reason: string): void {
    this.shutting.add(ws)
    this.closed(ws)
    try {
      ws.close(code, reason)
    } catch {
      // already closing
    }
  }

  /**
   * Publishes messages after the database commit: each topic's sequence goes up by one and is
   * stored (so a client that reconnects learns it missed something), and every socket following
   * the topic gets the message, several close together in one frame.
   */
  publish(entries: { topic: Topic; message: ChangeMessage }[]): Promise<void> {
    const run = this.publishing.then(() => this.publishNow(entries))
    this.publishing = run.catch(() => undefined)
    return run
  }

  private async publishNow(entries: { topic: Topic; message: ChangeMessage }[]): Promise<void> {
    if (entries.length === 0) return
    const topics = [...new Set(entries.map((e) => e.topic))]
    const seqs = await this.currentSeqs(topics)
    const at = new Date().toISOString()
    const updates: Record<string, number> = {}
    const delivered: DeliveredMessage[] = []
    for (const { topic, message } of entries) {
      const seq = (seqs[topic] ?? 0) + 1
      seqs[topic] = seq
      updates[`seq:${topic}`] = seq
      this.seqs.set(topic, seq)
      delivered.push({ ...message, v: PROTOCOL_VERSION, topic, seq, at } as DeliveredMessage)
    }
    await this.ctx.storage.put(updates)
    for (const message of delivered) {
      for (const ws of this.followers(message.topic)) {
        const queue = this.pending.get(ws)
        if (queue) queue.push(message)
        else this.pending.set(ws, [message])
      }
    }
    this.scheduleFlush()
  }

  private followers(topic: Topic): Set<WebSocket> {
    const found = new Set<WebSocket>()
    for (const ws of this.ctx.getWebSockets(tagOf(topic))) {
      // A tag is fixed at accept time; the attachment says whether the socket still follows it.
      if (this.state(ws)?.topics.includes(topic)) found.add(ws)
    }
    for (const ws of this.untaggedIndex().get(topic) ?? []) found.add(ws)
    // An identity past its recheck hears nothing more: it reconnects and is decided again.
    const now = Date.now()
    for (const ws of found) {
      const state = this.state(ws)
      if (this.shutting.has(ws)) found.delete(ws)
      else if (state && recheckDue(state, now)) {
        found.delete(ws)
        this.shut(ws, CLOSE_RECHECK, 'identity check due; reconnect')
      }
    }
    return found
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return
    // Right away when quiet; under a burst, wait a moment so several messages share one frame.
    const wait = Date.now() - this.lastFlush < BATCH_WINDOW_MS ? BATCH_WINDOW_MS : 0
    this.flushTimer = setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    this.flushTimer = undefined
    this.lastFlush = Date.now()
    const batches = [...this.pending]
    this.pending.clear()
    for (const [ws, messages] of batches) {
      this.send(ws, messages.length === 1 ? messages[0]! : { type: 'batch', messages })
    }
  }

  private async decide(principal: SocketPrincipal, asked: string[], current: Topic[]) {
    const topics: Topic[] = []
    const refused: { topic: string; code: string; message: string }[] = []
    for (const raw of [...new Set(asked)]) {
      const decision = decideTopic(principal, raw)
      if (!decision.allowed) {
        refused.push({ topic: raw, code: decision.code, message: decision.message })
        continue
      }
      if (decision.check && !(await this.host.runCheck(decision.check))) {
        refused.push({ topic: raw, code: 'forbidden', message: 'There is no such item, or it is not yours to follow.' })
        continue
      }
      for (const topic of decision.topics) if (!current.includes(topic) && !topics.includes(topic)) topics.push(topic)
    }
    return { topics, refused }
  }

  sequences(topics: Topic[]): Promise<Record<string, number>> {
    return this.currentSeqs(topics.filter((t) => parseTopic(t) !== null))
  }

  private async currentSeqs(topics: Topic[]): Promise<Record<string, number>> {
    const result: Record<string, number> = {}
    const missing = topics.filter((t) => !this.seqs.has(t))
    if (missing.length) {
      const stored = await this.ctx.storage.get<number>(missing.map((t) => `seq:${t}`))
      for (const topic of missing) this.seqs.set(topic, stored.get(`seq:${topic}`) ?? 0)
    }
    for (const topic of topics) result[topic] = this.seqs.get(topic) ?? 0
    return result
  }

  private countFrame(ws: WebSocket): 'ok' | 'refuse' | 'close' {
    const now = Date.now()
    let rate = this.rates.get(ws)
    if (!rate || now - rate.windowStart >= RATE_WINDOW_MS) {
      rate = { windowStart: now, count: 0 }
      this.rates.set(ws, rate)
    }
    rate.count++
    if (rate.count > RATE_HARD_LIMIT) return 'close'
    return rate.count > RATE_SOFT_LIMIT ? 'refuse' : 'ok'
  }

  private state(ws: WebSocket): SocketState | null {
    let state = this.states.get(ws)
    if (!state) {
      state = (ws.deserializeAttachment() as SocketState | null) ?? undefined
      if (!state || state.v !== 1) return null
      this.states.set(ws, state)
    }
    return state
  }

  private save(ws: WebSocket, state: SocketState): void {
    ws.serializeAttachment(state)
    this.states.set(ws, state)
  }

  private untaggedIndex(): Map<Topic, Set<WebSocket>> {
    if (!this.untagged) {
      // After a wake-up the in-memory index is gone; the attachments still say who follows what.
      this.untagged = new Map()
      for (const ws of this.ctx.getWebSockets()) {
        const state = this.state(ws)
        if (state) this.addUntagged(ws, state)
      }
    }
    return this.untagged
  }

  private indexUntagged(ws: WebSocket, state: SocketState): void {
    if (this.untagged) this.addUntagged(ws, state)
  }

  private addUntagged(ws: WebSocket, state: SocketState): void {
    for (const topic of state.topics) {
      if (state.tagged.includes(topic)) continue
      let set = this.untagged!.get(topic)
      if (!set) this.untagged!.set(topic, (set = new Set()))
      set.add(ws)
    }
  }

  private unindex(ws: WebSocket, topics: Topic[]): void {
    for (const topic of topics) this.untagged?.get(topic)?.delete(ws)
  }

  private send(ws: WebSocket, frame: ServerFrame): void {
    try {
      ws.send(JSON.stringify(frame))
    } catch {
      // the peer went away between the lookup and the send; webSocketClose tidies up
    }
  }
}
