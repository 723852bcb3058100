// Queue consumer: validates each message, records its id in public.job_runs before any side
// effect (so a redelivery is a no-op), and acks or retries each message on its own.
import type { Pool } from '@neondatabase/serverless'
import { jobMessage, type JobMessage } from './messages'

export type JobHandler = (job: JobMessage, deps: { pool: Pool }) => Promise<void>

export const jobHandlers: Record<JobMessage['type'], JobHandler> = {
  // Reachability probe for the queue path; the job_runs row is its whole effect.
  'system.ping': async () => {},
}

/** Exponential backoff in seconds for the n-th failed attempt (1-based), capped at 15 minutes. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(900, 5 * 2 ** Math.max(0, attempt - 1))
}

export async function consumeJobs(batch: MessageBatch<unknown>, pool: Pool): Promise<void> {
  for (const message of batch.messages) {
    const parsed = jobMessage.safeParse(message.body)
    if (!parsed.success) {
      // A poison message is recorded and dropped; it must not hold up its batch-mates.
      const id = typeof (message.body as { id?: unknown })?.id === 'string' ? (message.body as { id: string }).id : message.id
      await pool
        .query(
          `INSERT INTO public.job_runs (message_id, type, status, attempts, last_error, finished_at)
           VALUES ($1, 'invalid', 'rejected', 1, $2, now()) ON CONFLICT (message_id) DO NOTHING`,
          [id, parsed.error.message.slice(0, 2000)],
        )
        .catch((error) => console.error('could not record rejected job', id, error))
      console.warn(`jobs: rejected invalid message ${id}`)
      message.ack()
      continue
    }
    const job = parsed.data
    try {
      const claim = await pool.query<{ status: string; attempts: number }>(
        `INSERT INTO public.job_runs (message_id, type, tenant_id, status, attempts)
         VALUES ($1, $2, $3, 'running', 1)
         ON CONFLICT (message_id) DO UPDATE
           SET attempts = public.job_runs.attempts + 1, status = 'running', started_at = now()
           WHERE public.job_runs.status <> 'done'
         RETURNING status, attempts`,
        [job.id, job.type, job.tenantId],
      )
      if (claim.rowCount === 0) {
        message.ack() // already done: at-least-once delivery, exactly-once effect
        continue
      }
      await jobHandlers[job.type](job, { pool })
      await pool.query(`UPDATE public.job_runs SET status = 'done', finished_at = now(), last_error = NULL WHERE message_id = $1`, [job.id])
      message.ack()
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      await pool
        .query(`UPDATE public.job_runs SET status = 'failed', last_error = $2 WHERE message_id = $1`, [job.id, reason.slice(0, 2000)])
        .catch(() => undefined)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    }
  }
}

/** Periodic maintenance run by the cron trigger: forget finished job records after 30 days. */
export async function pruneJobLedger(pool: Pool, olderThanDays = 30): Promise<number> {
  const result = await pool.query(
    `DELETE FROM public.job_runs WHERE status IN ('done', 'rejected') AND finished_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  )
  return result.rowCount ?? 0
}
