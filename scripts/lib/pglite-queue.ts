// PGlite is one Postgres session; pglite-socket 0.2.17 multiplexes several client connections onto
// it message by message. Two connections using the extended protocol at once then interleave
// Parse/Bind/Execute and run each other's statements ("unnamed prepared statement does not exist",
// another query's parameters), and a failed message leaves its queue stuck for good. This replaces
// the queue's scheduler so that a connection keeps the session from its first extended-protocol
// message until its Sync (or for a whole simple Query, or while it has a transaction open), and
// so that a failure never stalls the queue. See docs/decisions/009.
import type { PGlite } from '@electric-sql/pglite'
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket'

interface QueuedMessage {
  handlerId: number
  message: Uint8Array
  resolve(bytes: number): void
  reject(error: unknown): void
  onData(data: Uint8Array): void
}

interface QueueInternals {
  queue: QueuedMessage[]
  processing: boolean
  db: PGlite
  lastHandlerId: number | null
  processQueue(): Promise<void>
  clearQueueForHandler(handlerId: number): void
}

// Parse, Bind, Describe, Execute, Close, Flush: the exchange goes on until Sync.
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48])
const SYNC = 0x53

export function serializeExtendedProtocol(server: PGLiteSocketServer): void {
  const internals = (server as unknown as { queryQueue?: QueueInternals }).queryQueue
  if (!internals || typeof internals.processQueue !== 'function' || !Array.isArray(internals.queue)) {
    throw new Error('pglite-socket internals changed: review scripts/lib/pglite-queue.ts for this version')
  }
  let owner: number | null = null

  internals.processQueue = async function processQueue(this: QueueInternals) {
    if (this.processing) return
    this.processing = true
    try {
      while (this.queue.length > 0) {
        const exclusive = owner ?? (this.db.isInTransaction() ? this.lastHandlerId : null)
        const index = exclusive === null ? 0 : this.queue.findIndex((q) => q.handlerId === exclusive)
        if (index === -1) break // the session belongs to a connection that has not sent its next message yet
        const item = this.queue.splice(index, 1)[0]!
        let bytes = 0
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length
                item.onData(data)
              },
            }),
          )
        } catch (error) {
          owner = null
          item.reject(error)
          continue
        }
        const type = item.message[0]!
        if (EXTENDED.has(type)) owner = item.handlerId
        else if (type === SYNC || owner === item.handlerId) owner = null
        this.lastHandlerId = item.handlerId
        item.resolve(bytes)
      }
    } finally {
      this.processing = false
    }
  }

  const clear = internals.clearQueueForHandler.bind(internals)
  internals.clearQueueForHandler = (handlerId: number) => {
    if (owner === handlerId) owner = null
    clear(handlerId)
    void internals.processQueue()
  }
}
