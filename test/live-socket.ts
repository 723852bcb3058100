// A WebSocket to a tenant's /ws inside the Workers runtime, keeping every frame it receives so a
// test can wait for the one it expects (batches are unpacked) and check what did not arrive.
import { expect } from 'vitest'
import { request } from './helpers'

export type Frame = Record<string, any>

export class LiveSocket {
  readonly frames: Frame[] = []
  closed: { code: number; reason: string } | null = null
  private waiters: (() => void)[] = []

  constructor(readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data as string) as Frame
      if (frame.type === 'batch') this.frames.push(...frame.messages)
      else this.frames.push(frame)
      this.wake()
    })
    ws.addEventListener('close', (event) => {
      this.closed = { code: event.code, reason: event.reason }
      this.wake()
    })
  }

  private wake() {
    const waiting = this.waiters
    this.waiters = []
    for (const w of waiting) w()
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** The first frame (after `from`) matching `match`; fails the test if the socket closes or 10 s pass first. */
  async next(match: (f: Frame) => boolean = () => true, from = 0): Promise<Frame> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const found = this.frames.slice(from).find(match)
      if (found) return found
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) before the frame arrived; had ${JSON.stringify(this.frames)}`)
      if (Date.now() > deadline) throw new Error(`no matching frame; had ${JSON.stringify(this.frames)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits for the close the hub sends. */
  async closing(): Promise<{ code: number; reason: string }> {
    await this.next(() => false).catch(() => undefined)
    if (!this.closed) throw new Error('the socket stayed open')
    return this.closed
  }

  /**
   * The frames that arrived before a ping's answer: the hub answers frames in order, so anything
   * published to this socket before the ping was sent is in this list.
   */
  async settle(): Promise<Frame[]> {
    const mark = this.frames.length
    this.send({ type: 'ping' })
    const pong = await this.next((f) => f.type === 'pong', mark)
    return this.frames.slice(mark, this.frames.indexOf(pong))
  }

  close() {
    try {
      this.ws.close(1000, 'test done')
    } catch {
      // already closed
    }
  }
}

/** Opens /ws on `host` (with cookies or a ?token= ticket) and waits for the hub's welcome. */
export async function openSocket(host: string, options: { cookie?: string; token?: string; topics?: string[]; headers?: Record<string, string> } = {}): Promise<{ socket: LiveSocket; welcome: Frame }> {
  const query = new URLSearchParams()
  if (options.token) query.set('token', options.token)
  if (options.topics) query.set('topics', options.topics.join(','))
  const headers: Record<string, string> = { upgrade: 'websocket', ...options.headers }
  if (options.cookie) headers.cookie = options.cookie
  const res = await request(host, `/ws${query.size ? `?${query}` : ''}`, { headers })
  expect(res.status, await (res.status === 101 ? Promise.resolve('') : res.clone().text())).toBe(101)
  const ws = res.webSocket!
  ws.accept()
  const socket = new LiveSocket(ws)
  const welcome = await socket.next((f) => f.type === 'welcome')
  return { socket, welcome }
}
