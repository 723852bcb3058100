// The tenant's TenantHub as plain async functions for routes and Remix actions: errors come back
// as AppError, so a refused booking is a 409 wherever it is asked for.
import type { BookingInput, Hold, StoredResponse } from './booking'
import type { CalendarEvent } from './events'
import { AppError } from '../errors'
import type { HubChange } from '../realtime/fan-out'
import type { Topic } from '../realtime/protocol'
import type { HubResult, TenantHub, TenantRef } from '../../durable-objects/tenant-hub'

function unwrap<T>(result: HubResult<T>): T {
  if (result.ok) return result.value
  throw new AppError(result.status as AppError['status'], result.code, result.message, result.details)
}

export interface BookingContext {
  /** the resources to serialise on; the hub derives them from the service when absent */
  lockIds?: string[]
  idempotency: { scope: string; key: string } | null
  actorUserId: string | null
  customerUserId: string | null
}

export interface HubClient {
  listHolds(): Promise<Hold[]>
  placeHold(input: { serviceId: string; start: number; resourceIds: string[] }): Promise<Hold>
  releaseHold(holdId: string): Promise<boolean>
  /** The stored response (201 with the booking, or a 4xx body), exactly as an idempotent replay returns it. */
  book(input: BookingInput, context: BookingContext): Promise<StoredResponse>
  reschedule(input: { eventId: string; start: number; lockIds: string[]; actorUserId: string | null; enforceNotice: boolean }): Promise<CalendarEvent>
  /**
   * Tells the business's open sockets about a change already committed (cancel, confirm, hours,
   * closures...). Never throws: the change stands, and a client that misses it refetches.
   */
  announce(change: HubChange): Promise<void>
  /** Where these topics stand now (0 for a topic nothing was published on). */
  topicSequences(topics: Topic[]): Promise<Record<string, number>>
  /** Closes the sockets of a session that has ended. Never throws: they would stop at their recheck anyway. */
  endSession(sessionId: string): Promise<void>
}

export function hubClient(namespace: DurableObjectNamespace<TenantHub>, tenant: TenantRef): HubClient {
  const stub = namespace.get(namespace.idFromName(tenant.tenantId))
  return {
    listHolds: async () => unwrap((await stub.listHolds(tenant)) as HubResult<Hold[]>),
    placeHold: async (input) => unwrap((await stub.placeHold(tenant, input)) as HubResult<Hold>),
    releaseHold: async (holdId) => unwrap((await stub.releaseHold(tenant, holdId)) as HubResult<boolean>),
    book: async (input, context) => unwrap((await stub.book(tenant, input, context)) as HubResult<StoredResponse>),
    reschedule: async (input) => unwrap((await stub.reschedule(tenant, input)) as HubResult<CalendarEvent>),
    topicSequences: async (topics) => unwrap((await stub.topicSequences(tenant, topics)) as HubResult<Record<string, number>>),
    endSession: async (sessionId) => {
      try {
        unwrap((await stub.endSession(tenant, sessionId)) as HubResult<number>)
      } catch (error) {
        console.warn(`could not close the sockets of session ${sessionId}:`, error)
      }
    },
    announce: async (change) => {
      try {
        unwrap((await stub.announce(tenant, change)) as HubResult<boolean>)
      } catch (error) {
        console.error('realtime: could not announce', change.kind, error)
      }
    },
  }
}
