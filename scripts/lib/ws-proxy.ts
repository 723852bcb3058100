// A small WebSocket-to-TCP proxy speaking Neon's wsproxy convention (ws://host:port/v2?address=db:5432),
// so the Neon serverless driver reaches a local Postgres exactly as it reaches Neon.
import net from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'

/** Postgres frontend Terminate message: 'X' and a length of 4. */
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4])

export interface WsProxy {
  /** host:port to put in NEON_WS_PROXY */
  address: string
  port: number
  close(): Promise<void>
}

export async function startWsProxy(options: { allowedTargets: string[]; port?: number; host?: string }): Promise<WsProxy> {
  const host = options.host ?? '127.0.0.1'
  const allowed = new Set(options.allowedTargets)
  const server = new WebSocketServer({ host, port: options.port ?? 0 })
  const sockets = new Set<net.Socket>()

  server.on('connection', (ws: WebSocket, request) => {
    const target = new URL(request.url ?? '/', 'http://proxy').searchParams.get('address') ?? ''
    // Only the configured database may be reached: this is not an open relay.
    if (!allowed.has(target)) {
      ws.close(1008, `target ${target || '(none)'} is not allowed`)
      return
    }
    const colon = target.lastIndexOf(':')
    const tcp = net.connect({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)) })
    sockets.add(tcp)
    tcp.setNoDelay(true)
    const pending: Buffer[] = []
    let connected = false
    tcp.on('connect', () => {
      connected = true
      for (const chunk of pending.splice(0)) tcp.write(chunk)
    })
    ws.on('message', (data) => {
      const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      if (connected) tcp.write(chunk)
      else pending.push(chunk)
      // After Terminate the client sends nothing more. Ending the TCP side now frees the database
      // connection at once, instead of when the WebSocket close handshake times out (30 s in ws).
      if (chunk.length >= 5 && chunk.subarray(chunk.length - 5).equals(TERMINATE)) tcp.end()
    })
    tcp.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk)
    })
    const closeBoth = () => {
      sockets.delete(tcp)
      tcp.destroy()
      if (ws.readyState !== ws.CLOSED) ws.terminate()
    }
    tcp.on('error', closeBoth)
    tcp.on('close', closeBoth)
    ws.on('close', closeBoth)
    ws.on('error', closeBoth)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve)
    server.once('error', reject)
  })
  const port = (server.address() as net.AddressInfo).port
  return {
    address: `${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        for (const client of server.clients) client.terminate()
        server.close(() => resolve())
      }),
  }
}
