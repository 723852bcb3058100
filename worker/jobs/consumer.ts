// Queue consumer: validates each message, records its id in public.job_runs before any side
// effect (so a redelivery is a no-op), and acks or retries each message on its own with backoff.
// Messages that exhaust their retries reach `jobs-dlq`, whose consumer records them as dead with
// the reason (platform API /api/platform/jobs and the platform Jobs page).
import type { Pool } from '@neondatabase/serverless'
import { jobMessage, type JobMessage, type JobOf, type JobType } from './messages'

export interface JobDeps {
  pool: Pool
  /** sends follow-up jobs to the `jobs` queue (a webhook event fans out into one delivery job per endpoint) */
  enqueue: (jobs: JobMessage[]) => Promise<void>
}

/** A handler may return what it did (kept with the job record, e.g. "skipped: the event moved"). */
export type JobHandler<T extends JobType = JobType> = (job: JobOf<T>, deps: JobDeps) => Promise<void | Record<string, unknown>>
export type JobHandlers = { [T in JobType]: JobHandler<T> }

/** A failure that retrying cannot fix (the event no longer exists): recorded as dead at once. */
export class PermanentJobError extends Error {}

/** Exponential backoff in seconds for the n-th failed attempt (1-based), capped at 15 minutes. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(900, 5 * 2 ** Math.max(0, attempt - 1))
}

/** A duplicate that arrives while its twin is still running is retried after this long. */
const IN_FLIGHT_RETRY_SECONDS = 30
/** A `running` claim older than this is taken to be from a consumer that died mid-job. */
const STALE_CLAIM_MINUTES = 5

function idOf(body: unknown, fallback: string): string {
  const id = (body as { id?: unknown } | null)?.id
  return typeof id === 'string' && id.length > 0 && id.length <= 100 ? id : fallback
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2000)
}

function storable(body: unknown): string | null {
  try {
    const text = JSON.stringify(body)
    return text && text.length <= 64_000 ? text : null
  } catch {
    return null
  }
}

/** Jobs of a platform batch (bulk provisioning, bulk migration) carry its id in the payload. */
function batchOf(job: JobMessage): string | null {
  const id = (job.payload as { batchId?: unknown }).batchId
  return typeof id === 'string' ? id : null
}

export async function consumeJobs(batch: MessageBatch<unknown>, deps: JobDeps, handlers: JobHandlers): Promise<void> {
  const { pool } = deps
  for (const message of batch.messages) {
    const parsed = jobMessage.safeParse(message.body)
    if (!parsed.success) {
      // A poison message is recorded and dropped; it must not hold up its batch-mates.
      const id = idOf(message.body, message.id)
      const type = typeof (message.body as { type?: unknown } | null)?.type === 'string' ? String((message.body as { type: string }).type).slice(0, 100) : 'invalid'
      await pool
        .query(
          `INSERT INTO public.job_runs (message_id, type, status, attempts, last_error, finished_at, message)
           VALUES ($1, $2, 'rejected', 1, $3, now(), $4) ON CONFLICT (message_id) DO NOTHING`,
          [id, type, `invalid message: ${parsed.error.message}`.slice(0, 2000), storable(message.body)],
        )
        .catch((error) => console.error('could not record rejected job', id, error))
      console.warn(`jobs: rejected invalid message ${id}`)
      message.ack()
      continue
    }
    const job = parsed.data
    try {
      const claim = await pool.query<{ attempts: number }>(
        `INSERT INTO public.job_runs (message_id, type, tenant_id, status, attempts, message, batch_id)
         VALUES ($1, $2, $3, 'running', 1, $4, $6)
         ON CONFLICT (message_id) DO UPDATE
           SET attempts = public.job_runs.attempts + 1, status = 'running', started_at = now(), dead_at = NULL
           WHERE public.job_runs.status IN ('failed', 'dead')
              OR (public.job_runs.status = 'running' AND public.job_runs.started_at < now() - make_interval(mins => $5))
         RETURNING attempts`,
        [job.id, job.type, job.tenantId, JSON.stringify(job), STALE_CLAIM_MINUTES, batchOf(job)],
      )
      if (claim.rowCount === 0) {
        const { rows } = await pool.query<{ status: string }>('SELECT status FROM public.job_runs WHERE message_id = $1', [job.id])
        if (rows[0]?.status === 'running') message.retry({ delaySeconds: IN_FLIGHT_RETRY_SECONDS }) // its twin may still fail
        else message.ack() // already done: at-least-once delivery, one effect
        continue
      }
      const result = await (handlers[job.type] as JobHandler)(job, deps)
      await pool.query(`UPDATE public.job_runs SET status = 'done', finished_at = now(), last_error = NULL, result = $2 WHERE message_id = $1`, [
        job.id,
        result ? JSON.stringify(result) : null,
      ])
      message.ack()
    } catch (error) {
      const reason = reasonOf(error)
      if (error instanceof PermanentJobError) {
        await pool
          .query(`UPDATE public.job_runs SET status = 'dead', dead_at = now(), finished_at = now(), last_error = $2 WHERE message_id = $1`, [job.id, reason])
          .catch(() => undefined)
        message.ack()
        continue
      }
      await pool
        .query(`UPDATE public.job_runs SET status = 'failed', last_error = $2 WHERE message_id = $1`, [job.id, reason])
        .catch(() => undefined)
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) })
    }
  }
}

/**
 * The dead-letter queue: a message lands here after its last retry. It is recorded as dead with
 * the last error it failed with, kept for replay, and acked.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, pool: Pool): Promise<void> {
  for (const message of batch.messages) {
    const id = idOf(message.body, message.id)
    const type = String((message.body as { type?: unknown } | null)?.type ?? 'invalid').slice(0, 100)
    try {
      await pool.query(
        `INSERT INTO public.job_runs (message_id, type, status, attempts, last_error, message, dead_at, finished_at)
         VALUES ($1, $2, 'dead', $3, 'dead-lettered after its retries ran out', $4, now(), now())
         ON CONFLICT (message_id) DO UPDATE
           SET status = 'dead', dead_at = now(), finished_at = now(),
               last_error = 'retries ran out after ' || public.job_runs.attempts || ' attempts: ' || COALESCE(public.job_runs.last_error, 'no error recorded')
           WHERE public.job_runs.status <> 'done'`,
        [id, type, message.attempts, storable(message.body)],
      )
      message.ack()
    } catch (error) {
      console.error('jobs-dlq: could not record dead job', id, error)
      message.retry({ delaySeconds: 60 })
    }
  }
}

export type JobStatus = 'running' | 'done' | 'failed' | 'rejected' | 'dead'

export async function listJobRuns(db: Pick<Pool, 'query'>, filters: { status?: JobStatus; tenantId?: string; limit: number }) {
  const { rows } = await db.query(
    `SELECT message_id, type, tenant_id, status, attempts, last_error, started_at, finished_at, dead_at, message IS NOT NULL AS replayable
       FROM public.job_runs
      WHERE ($1::text IS NULL OR status = $1) AND ($2::uuid IS NULL OR tenant_id = $2)
      ORDER BY started_at DESC LIMIT $3`,
    [filters.status ?? null, filters.tenantId ?? null, filters.limit],
  )
  return rows.map((r) => ({
    id: r.message_id as string,
    type: r.type as string,
    tenantId: r.tenant_id as string | null,
    status: r.status as JobStatus,
    attempts: r.attempts as number,
    lastError: r.last_error as string | null,
    startedAt: new Date(r.started_at).toISOString(),
    finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
    deadAt: r.dead_at ? new Date(r.dead_at).toISOString() : null,
    replayable: r.replayable as boolean,
  }))
}

/** The stored message of a dead job, to send again (the platform's Retry). Its id stays, so it still runs once. */
export async function deadJobMessage(db: Pick<Pool, 'query'>, id: string): Promise<JobMessage | null> {
  const { rows } = await db.query(`SELECT status, message FROM public.job_runs WHERE message_id = $1`, [id])
  const row = rows[0]
  if (!row || row.status !== 'dead') return null
  const parsed = jobMessage.safeParse(row.message)
  return parsed.success ? parsed.data : null
}

/** Periodic maintenance run by the cron trigger: forget finished job records after 30 days. */
export async function pruneJobLedger(pool: Pool, olderThanDays = 30): Promise<number> {
  const result = await pool.query(
    `DELETE FROM public.job_runs WHERE status IN ('done', 'rejected') AND finished_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  )
  return result.rowCount ?? 0
}
