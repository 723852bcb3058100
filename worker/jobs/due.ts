// public.due_jobs: the transactional outbox of the `jobs` queue. Domain code writes a row in the
// same transaction as the change it belongs to (a booking, a move, a cancellation), so nothing is
// lost if the queue send fails; the Worker relays the rows it just wrote after commit, and the cron
// trigger relays everything due (reminders, and anything a failed send left behind) with
// FOR UPDATE SKIP LOCKED, so two overlapping runs never send the same row twice. See decision 011.
import type { Pool } from '@neondatabase/serverless'
import type { JobMessage } from './messages'

type Queryable = Pick<Pool, 'query'>

export interface DueJob {
  /** null for platform work (bulk provisioning and migration batches) */
  tenantId: string | null
  ref: string | null
  kind: string
  dueAt: Date
  message: JobMessage
}

export async function scheduleJobs(db: Queryable, jobs: DueJob[]): Promise<string[]> {
  const ids: string[] = []
  for (const job of jobs) {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO public.due_jobs (tenant_id, ref, kind, due_at, message) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [job.tenantId, job.ref, job.kind, job.dueAt.toISOString(), JSON.stringify(job.message)],
    )
    ids.push(rows[0]!.id)
  }
  return ids
}

/** Cancels the pending jobs of `ref` whose kind starts with `kindPrefix` (a moved or cancelled event's reminders). */
export async function cancelDueJobs(db: Queryable, tenantId: string, ref: string, kindPrefix: string): Promise<number> {
  const result = await db.query(
    `UPDATE public.due_jobs SET status = 'cancelled' WHERE tenant_id = $1 AND ref = $2 AND status = 'pending' AND starts_with(kind, $3)`,
    [tenantId, ref, kindPrefix],
  )
  return result.rowCount ?? 0
}

/**
 * Sends due rows to the queue and marks them sent, in one transaction: if the send fails the rows
 * stay pending for the next run. `onlyIds` limits the run to rows just written (relay after commit).
 */
export async function relayDueJobs(
  pool: Pool,
  send: (messages: JobMessage[]) => Promise<void>,
  options: { onlyIds?: string[]; limit?: number; now?: Date; createdSince?: Date } = {},
): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const { rows } = await client.query<{ id: string; message: JobMessage }>(
      `SELECT id, message FROM public.due_jobs
        WHERE status = 'pending' AND due_at <= $1 AND ($2::uuid[] IS NULL OR id = ANY($2)) AND ($4::timestamptz IS NULL OR created_at >= $4)
        ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [(options.now ?? new Date()).toISOString(), options.onlyIds ?? null, options.limit ?? 500, options.createdSince?.toISOString() ?? null],
    )
    if (rows.length > 0) {
      for (let i = 0; i < rows.length; i += 100) await send(rows.slice(i, i + 100).map((r) => r.message))
      await client.query(`UPDATE public.due_jobs SET status = 'sent', sent_at = now() WHERE id = ANY($1)`, [rows.map((r) => r.id)])
    }
    await client.query('COMMIT')
    return rows.length
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

/**
 * After a request that may have written due jobs: send what became due during it at once, so a
 * confirmation does not wait for the next cron minute. Rows another request is relaying are skipped.
 */
export async function relayJustWritten(pool: Pool, queue: Queue<JobMessage>, since: Date): Promise<number> {
  // A little slack for clock skew between the Worker and the database.
  return relayDueJobs(pool, async (messages) => void (await queue.sendBatch(messages.map((body) => ({ body })))), {
    createdSince: new Date(since.getTime() - 5000),
    limit: 100,
  })
}

export async function listDueJobs(db: Queryable, tenantId: string, ref: string) {
  const { rows } = await db.query(
    `SELECT id, kind, due_at, status, message FROM public.due_jobs WHERE tenant_id = $1 AND ref = $2 ORDER BY created_at, due_at`,
    [tenantId, ref],
  )
  return rows.map((r) => ({ id: r.id as string, kind: r.kind as string, dueAt: new Date(r.due_at).toISOString(), status: r.status as string, message: r.message as JobMessage }))
}
