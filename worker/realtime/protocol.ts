// The realtime wire protocol between browsers and a tenant's TenantHub: topics, client frames
// (validated with zod), and the versioned messages the hub publishes. Pure: imported by the hub,
// the Worker and the browser client alike.
import { z } from 'zod'

export const PROTOCOL_VERSION = 1

/**
 * Sent by clients every so often so that proxies keep the socket open. The runtime answers it
 * with the same text without waking the hub (setWebSocketAutoResponse), so idle sockets cost nothing.
 */
export const HEARTBEAT_FRAME = '{"type":"heartbeat"}'

/** Larger client frames close the socket (1009): subscribe frames are tiny. */
export const MAX_CLIENT_FRAME_BYTES = 4096
/** Topics one socket may follow at a time. */
export const MAX_TOPICS_PER_SOCKET = 16

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export type Topic = 'calendar' | `resource:${string}` | `service:${string}` | `event:${string}` | `ticket:${string}`
export type TopicKind = 'calendar' | 'resource' | 'service' | 'event' | 'ticket'

export function parseTopic(raw: string): { kind: TopicKind; id: string | null } | null {
  if (raw === 'calendar') return { kind: 'calendar', id: null }
  const colon = raw.indexOf(':')
  if (colon < 0) return null
  const kind = raw.slice(0, colon)
  const id = raw.slice(colon + 1)
  if (!UUID.test(id)) return null
  if (kind === 'resource' || kind === 'service' || kind === 'event' || kind === 'ticket') return { kind, id }
  return null
}

const topicList = z.array(z.string().max(80)).min(1).max(MAX_TOPICS_PER_SOCKET)

/** What a client may send. */
export const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('subscribe'), topics: topicList }),
  z.object({ type: z.literal('unsubscribe'), topics: topicList }),
])
export type ClientFrame = z.infer<typeof clientFrame>

/** An event as staff calendars show it (customers' names and emails included). */
export interface EventSnapshot {
  id: string
  serviceId: string
  serviceName: string
  start: string
  end: string
  status: string
  seats: number
  notes: string
  resourceIds: string[]
  customers: { bookingId: string; customerId: string; name: string; email: string }[]
}

/** A stretch of time taken or freed on some resources: all the public booking page is told. */
export interface BusyRange {
  start: string
  end: string
  resourceIds: string[]
}

export type ChangeMessage =
  | { type: 'event.created' | 'event.confirmed' | 'event.updated'; event: EventSnapshot }
  | { type: 'event.moved'; event: EventSnapshot; previous: { start: string; end: string } }
  | { type: 'event.cancelled'; event: EventSnapshot }
  | { type: 'hold.placed' | 'hold.released' | 'hold.expired'; hold: { id: string; serviceId: string; resourceIds: string[]; start: string; end: string; expiresAt: string } }
  | { type: 'availability.changed'; resourceIds: string[]; taken: BusyRange[]; freed: BusyRange[]; reason: string }

/** One message as a socket receives it: the topic it came through and that topic's sequence. */
export type DeliveredMessage = ChangeMessage & { v: typeof PROTOCOL_VERSION; topic: Topic; seq: number; at: string }

/** Frames the hub sends. Several messages published close together arrive as one `batch`. */
export type ServerFrame =
  | { type: 'welcome'; v: typeof PROTOCOL_VERSION; tenantId: string; identity: 'anonymous' | 'user' | 'booking'; topics: Record<string, number> }
  | { type: 'subscribed'; topics: Record<string, number>; refused: { topic: string; code: string; message: string }[] }
  | { type: 'unsubscribed'; topics: string[] }
  | { type: 'pong'; tenantId: string; connectedAt: string }
  | { type: 'batch'; messages: DeliveredMessage[] }
  | { type: 'error'; code: string; message: string; details?: unknown }
  | DeliveredMessage

/** What the browser should do after a message of `topic` with `seq` arrives, given the last one it saw. */
export function sequenceVerdict(lastSeen: number | undefined, seq: number): 'apply' | 'stale' | 'gap' {
  if (lastSeen === undefined || seq === lastSeen + 1) return 'apply'
  if (seq <= lastSeen) return 'stale'
  return 'gap'
}
