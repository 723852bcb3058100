// Typed, versioned messages of the `jobs` queue, validated on both sides with zod: the producer
// parses before sending (newJob) and the consumer parses again before running anything.
import { z } from 'zod'

const envelope = {
  id: z.string().min(8).max(100),
  createdAt: z.iso.datetime(),
  version: z.literal(1),
}
const platformJob = { ...envelope, tenantId: z.uuid().nullable() }
const tenantJob = { ...envelope, tenantId: z.uuid() }

export const NOTIFICATION_KINDS = ['confirmation', 'reschedule', 'cancellation', 'pending_approval', 'reminder'] as const
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number]

export const WEBHOOK_EVENT_TYPES = ['booking.created', 'booking.rescheduled', 'booking.cancelled', 'booking.confirmed', 'customer.created'] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]

export const jobMessage = z.discriminatedUnion('type', [
  z.object({ ...platformJob, type: z.literal('system.ping'), payload: z.object({ note: z.string().max(200) }) }),
])

export type JobMessage = z.infer<typeof jobMessage>
export type JobType = JobMessage['type']
export type JobOf<T extends JobType> = Extract<JobMessage, { type: T }>

export function newJob<T extends JobType>(type: T, tenantId: string | null, payload: JobOf<T>['payload'], id: string = crypto.randomUUID()): JobOf<T> {
  return jobMessage.parse({
    id,
    type,
    tenantId,
    createdAt: new Date().toISOString(),
    version: 1,
    payload,
  }) as JobOf<T>
}
