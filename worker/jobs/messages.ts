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

const slug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/)

export const jobMessage = z.discriminatedUnion('type', [
  z.object({ ...platformJob, type: z.literal('system.ping'), payload: z.object({ note: z.string().max(200) }) }),
  // A message to a customer about one booking (worker/communication/notifications.ts).
  z.object({
    ...tenantJob,
    type: z.literal('notification.send'),
    payload: z.object({
      kind: z.enum(NOTIFICATION_KINDS),
      eventId: z.uuid(),
      bookingId: z.uuid(),
      /** reminders only: the start they were scheduled for; a moved event's old reminder does nothing */
      expectedStart: z.iso.datetime().optional(),
      offsetMinutes: z.number().int().min(1).max(60 * 24 * 60).optional(),
      /** reschedules only: where the appointment was */
      previousStart: z.iso.datetime().optional(),
    }),
  }),
  // One signed POST of a recorded webhook delivery (worker/communication/webhooks.ts).
  z.object({ ...tenantJob, type: z.literal('webhook.deliver'), payload: z.object({ deliveryId: z.uuid(), replay: z.boolean().optional() }) }),
  // An account email already in public.outbox_messages, handed to the email provider.
  z.object({ ...platformJob, type: z.literal('email.send'), payload: z.object({ outboxId: z.uuid() }) }),
  // One tenant of a bulk provisioning batch (worker/platform/batches.ts).
  z.object({
    ...platformJob,
    type: z.literal('tenant.provision'),
    payload: z.object({
      batchId: z.uuid(),
      name: z.string().min(1).max(120),
      slug,
      ownerEmail: z.email().optional(),
      ownerName: z.string().max(120).optional(),
      timeZone: z.string().min(1).max(64).optional(),
      plan: z.string().min(1).max(40).optional(),
      /** the platform user who started the batch: the owner invitation comes from them */
      actorUserId: z.union([z.uuid(), z.literal('bootstrap')]),
      origin: z.url(),
    }),
  }),
  // One tenant schema of a bulk migration batch.
  z.object({ ...platformJob, type: z.literal('tenant.migrate'), payload: z.object({ batchId: z.uuid(), schemaName: z.string().regex(/^t_[a-z][a-z0-9_]{1,62}$/) }) }),
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
