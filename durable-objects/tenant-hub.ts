// TenantHub: one Durable Object per tenant (idFromName(tenantId)). Today it binds itself to its
// tenant and keeps hibernatable WebSockets; realtime rooms, booking locks and holds grow here.
import { DurableObject } from 'cloudflare:workers'

export const TENANT_ID_HEADER = 'x-smoothschedule-tenant-id'

interface SocketAttachment {
  connectedAt: string
}

export class TenantHub extends DurableObject {
  private tenantId: string | undefined

  /**
   * The hub learns its tenant from the Worker's first request and remembers it in storage.
   * A later request naming another tenant means a routing bug, so it is refused rather than served.
   */
  private async bindTenant(claimed: string | null): Promise<string | Response> {
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

  override async fetch(request: Request): Promise<Response> {
    const bound = await this.bindTenant(request.headers.get(TENANT_ID_HEADER))
    if (bound instanceof Response) return bound
    const url = new URL(request.url)
    if (url.pathname === '/health') {
      return Response.json({ ok: true, tenantId: bound, sockets: this.ctx.getWebSockets().length })
    }
    if (url.pathname === '/ws') {
      if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') {
        return new Response('expected a WebSocket upgrade', { status: 426 })
      }
      const pair = new WebSocketPair()
      const [client, server] = [pair[0], pair[1]]
      // Hibernation API: the runtime may evict this object while sockets stay open.
      this.ctx.acceptWebSocket(server, ['tenant'])
      server.serializeAttachment({ connectedAt: new Date().toISOString() } satisfies SocketAttachment)
      return new Response(null, { status: 101, webSocket: client })
    }
    return new Response('not found', { status: 404 })
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // After hibernation the constructor ran again; the tenant comes back from storage.
    this.tenantId ??= await this.ctx.storage.get<string>('tenantId')
    let parsed: unknown
    try {
      parsed = JSON.parse(typeof message === 'string' ? message : new TextDecoder().decode(message))
    } catch {
      ws.send(JSON.stringify({ type: 'error', code: 'bad_frame', message: 'frames must be JSON' }))
      return
    }
    if ((parsed as { type?: unknown })?.type === 'ping') {
      const attachment = ws.deserializeAttachment() as SocketAttachment | null
      ws.send(JSON.stringify({ type: 'pong', tenantId: this.tenantId, connectedAt: attachment?.connectedAt }))
      return
    }
    ws.send(JSON.stringify({ type: 'error', code: 'unknown_type', message: 'supported frame types: ping' }))
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    try {
      ws.close(code, reason)
    } catch {
      // already closed by the peer
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    try {
      ws.close(1011, 'socket error')
    } catch {
      // already closed
    }
  }
}
