// HTTP to the local platform with an explicit Host header (undici's fetch cannot set Host, and
// *.lvh.me would need DNS): node:http to 127.0.0.1:<port> over one keep-alive Agent.
import http from 'node:http'

export interface Reply {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  /** wall time from sending to the last byte of the body */
  ms: number
  /** the transport failed (no HTTP status): status is 0 and this says why */
  networkError?: string
}

export interface RequestOptions {
  json?: unknown
  headers?: Record<string, string>
  timeoutMs?: number
}

export class Endpoint {
  readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 512 })

  constructor(readonly port: number) {}

  hostHeader(host: string): string {
    return `${host}:${this.port}`
  }

  /** Never rejects: transport failures come back as status 0 with `networkError`. */
  request(host: string, method: string, path: string, options: RequestOptions = {}): Promise<Reply> {
    const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json))
    const headers: Record<string, string | number> = { host: this.hostHeader(host), accept: 'application/json', ...options.headers }
    if (body) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = body.length
    }
    const started = performance.now()
    return new Promise((resolve) => {
      let settled = false
      const done = (reply: Reply) => {
        if (!settled) {
          settled = true
          resolve(reply)
        }
      }
      const fail = (error: Error) => done({ status: 0, headers: {}, text: '', ms: performance.now() - started, networkError: error.message })
      const req = http.request({ host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        )
        res.on('error', fail)
      })
      req.setTimeout(options.timeoutMs ?? 180_000, () => req.destroy(new Error(`no answer within ${(options.timeoutMs ?? 180_000) / 1000}s`)))
      req.on('error', fail)
      req.end(body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

export function parseJson(reply: Reply): any {
  try {
    return JSON.parse(reply.text)
  } catch {
    return undefined
  }
}

/** Throws with the answer's status and body unless the status is the expected one. */
export function expectStatus(reply: Reply, expected: number, what: string): any {
  if (reply.status !== expected) {
    const why = reply.networkError ?? `${reply.status} ${reply.text.slice(0, 500)}`
    throw new Error(`${what}: expected ${expected}, got ${why}`)
  }
  return parseJson(reply)
}

/** A signed-in browser on one host: keeps its cookies and echoes ss_csrf as x-csrf-token on writes. */
export class Session {
  private readonly cookies = new Map<string, string>()

  constructor(readonly endpoint: Endpoint, readonly host: string) {}

  async send(method: string, path: string, json?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {}
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    const csrf = this.cookies.get('ss_csrf')
    if (method !== 'GET' && method !== 'HEAD' && csrf) headers['x-csrf-token'] = csrf
    const reply = await this.endpoint.request(this.host, method, path, { json, headers })
    this.store(reply.headers['set-cookie'] ?? [])
    return reply
  }

  private store(lines: string[]): void {
    for (const line of lines) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      if (eq < 0) continue
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      if (value === '' || attrs.some((a) => /^\s*max-age=0$/i.test(a))) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
  }

  has(name: string): boolean {
    return this.cookies.has(name)
  }

  /** The Cookie header this session sends (for a WebSocket opened as the same user). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}
