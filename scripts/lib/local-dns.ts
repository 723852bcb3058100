// A local DNS-over-HTTPS resolver for development and tests, answering TXT questions in the JSON
// form Cloudflare and Google use (what worker/platform/domains.ts reads). Records are set over
// HTTP, so a person (or a test) can publish the verification record of a custom domain:
//   curl -X PUT http://127.0.0.1:<port>/records/_smoothschedule-verify.example.com -d '["smoothschedule-verify=…"]'
// Listens on 127.0.0.1 only. Records live in memory.
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export interface LocalDns {
  /** the resolver URL for DNS_RESOLVER_URL */
  url: string
  records: Map<string, string[]>
  close(): Promise<void>
}

export async function startLocalDns(port = 0): Promise<LocalDns> {
  const records = new Map<string, string[]>()
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const send = (status: number, body: unknown, type = 'application/dns-json') => {
      res.writeHead(status, { 'content-type': type })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'GET' && url.pathname === '/dns-query') {
      const name = (url.searchParams.get('name') ?? '').toLowerCase().replace(/\.$/, '')
      const type = (url.searchParams.get('type') ?? 'A').toUpperCase()
      if (!name) return send(400, { Status: 1, Comment: 'name is required' })
      const values = type === 'TXT' || type === '16' ? (records.get(name) ?? []) : []
      return send(200, {
        Status: values.length ? 0 : 3,
        Question: [{ name, type: 16 }],
        Answer: values.map((data) => ({ name, type: 16, TTL: 60, data: JSON.stringify(data) })),
      })
    }
    const record = /^\/records\/([a-z0-9._-]{1,253})$/i.exec(url.pathname)
    if (record && (req.method === 'PUT' || req.method === 'DELETE')) {
      const name = record[1]!.toLowerCase()
      if (req.method === 'DELETE') {
        records.delete(name)
        return send(200, { ok: true }, 'application/json')
      }
      let body = ''
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8')
        if (body.length > 10_000) req.destroy()
      })
      req.on('end', () => {
        try {
          const values = JSON.parse(body) as unknown
          if (!Array.isArray(values) || !values.every((v) => typeof v === 'string')) throw new Error('send a JSON array of strings')
          records.set(name, values as string[])
          send(200, { ok: true, name, values }, 'application/json')
        } catch (error) {
          send(400, { error: (error as Error).message }, 'application/json')
        }
      })
      return
    }
    send(404, { error: 'GET /dns-query?name=&type=TXT, or PUT/DELETE /records/<name>' }, 'application/json')
  })
  await new Promise<void>((ready) => server.listen(port, '127.0.0.1', ready))
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}/dns-query`,
    records,
    close: () => new Promise<void>((done) => server.close(() => done())),
  }
}
