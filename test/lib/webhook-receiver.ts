// A webhook receiver written from docs/webhooks.md alone (Node's crypto, not the Worker's code),
// plus a stand-in HTTP email/SMS API, for the Workers-runtime tests. Runs in the test's Node
// process on 127.0.0.1.
//   PUT  /secrets/<name>          the endpoint secret to verify <name>'s deliveries with (raw body)
//   POST /hooks/<name>[?fail=N]   a webhook target; the first N attempts of each delivery get a 503
//   POST /provider/<name>[?fail=N] an email/SMS API; the first N calls per Idempotency-Key get a 503
//   GET  /received/<name>         what arrived, as JSON
import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'

export interface Received {
  verified: boolean
  reason: string | null
  status: number
  headers: Record<string, string>
  body: string
}

function verify(secret: string | undefined, header: string | undefined, body: string): string | null {
  if (!secret) return 'no secret registered'
  if (!header) return 'no SmoothSchedule-Signature header'
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string])
  const t = parts.find(([k]) => k === 't')?.[1]
  const v1 = parts.filter(([k]) => k === 'v1').map(([, v]) => v)
  if (!t || v1.length === 0) return 'signature header lacks t or v1'
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return 'timestamp outside 5 minutes'
  const expected = Buffer.from(createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.${body}`, 'utf8').digest('hex'))
  const ok = v1.some((v) => {
    const given = Buffer.from(v)
    return given.length === expected.length && timingSafeEqual(given, expected)
  })
  return ok ? null : 'no v1 matches'
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function startWebhookReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const secrets = new Map<string, string>()
  const received = new Map<string, Received[]>()
  const attempts = new Map<string, number>()
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const [, area, name] = url.pathname.split('/')
    const body = await readBody(req)
    const answer = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(payload))
    }
    if (!name) return answer(404, { error: 'no name' })
    if (req.method === 'PUT' && area === 'secrets') {
      secrets.set(name, body)
      return answer(204, null)
    }
    if (req.method === 'GET' && area === 'received') return answer(200, received.get(name) ?? [])
    if (req.method === 'POST' && (area === 'hooks' || area === 'provider')) {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      const key = `${name}:${area === 'hooks' ? headers['smoothschedule-delivery'] : headers['idempotency-key']}`
      const attempt = (attempts.get(key) ?? 0) + 1
      attempts.set(key, attempt)
      const fail = Number(url.searchParams.get('fail') ?? 0)
      const reason = area === 'hooks' ? verify(secrets.get(name), headers['smoothschedule-signature'], body) : null
      const status = attempt <= fail ? 503 : reason ? 400 : 200
      const list = received.get(name) ?? []
      list.push({ verified: area === 'hooks' ? reason === null : false, reason, status, headers, body })
      received.set(name, list)
      return answer(status, status === 200 ? { id: `msg-${list.length}` } : { error: reason ?? 'try again later' })
    }
    answer(404, { error: 'unknown path' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the webhook receiver did not start')
  return { url: `http://127.0.0.1:${address.port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
