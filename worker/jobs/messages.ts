// Typed, versioned messages of the `jobs` queue, validated on both sides with zod.
import { z } from 'zod'

const envelope = {
  id: z.string().min(8).max(100),
  tenantId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  version: z.literal(1),
}

export const jobMessage = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.literal('system.ping'), payload: z.object({ note: z.string().max(200) }) }),
])

export type JobMessage = z.infer<typeof jobMessage>
export type JobType = JobMessage['type']

export function newJob<T extends JobType>(
  type: T,
  tenantId: string | null,
  payload: Extract<JobMessage, { type: T }>['payload'],
): JobMessage {
  return jobMessage.parse({
    id: crypto.randomUUID(),
    type,
    tenantId,
    createdAt: new Date().toISOString(),
    version: 1,
    payload,
  })
}
