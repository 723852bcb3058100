// public.due_jobs: the cron trigger relays what is due to the real queue, leaves future rows alone,
// and a failed send leaves its rows pending for the next run.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../index'
import { withDatabase } from '../../test/helpers'
import { relayDueJobs } from './due'
import { newJob } from './messages'

async function dueRow(ref: string) {
  return withDatabase(async ({ pool }) => (await pool.query('SELECT status, sent_at FROM public.due_jobs WHERE ref = $1', [ref])).rows[0] as { status: string } | undefined)
}

async function insertDue(ref: string, dueAt: Date) {
  const job = newJob('system.ping', null, { note: ref })
  await withDatabase(({ pool }) =>
    pool.query(`INSERT INTO public.due_jobs (ref, kind, due_at, message) VALUES ($1, 'test.ping', $2, $3)`, [ref, dueAt.toISOString(), JSON.stringify(job)]),
  )
  return job
}

describe('due jobs relay', () => {
  it('the cron trigger sends due rows to the queue once and leaves future rows pending', async () => {
    const now = Date.now()
    const dueRef = `due-${crypto.randomUUID()}`
    const laterRef = `later-${crypto.randomUUID()}`
    const due = await insertDue(dueRef, new Date(now - 60_000))
    await insertDue(laterRef, new Date(now + 3600_000))
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: now }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect(await dueRow(dueRef)).toMatchObject({ status: 'sent' })
    expect(await dueRow(laterRef)).toMatchObject({ status: 'pending' })
    // the relayed message reaches the consumer through the real queue
    let status: string | undefined
    for (let i = 0; i < 100 && status !== 'done'; i++) {
      status = await withDatabase(async ({ pool }) => (await pool.query('SELECT status FROM public.job_runs WHERE message_id = $1', [due.id])).rows[0]?.status)
      if (status !== 'done') await new Promise((r) => setTimeout(r, 100))
    }
    expect(status).toBe('done')
  })

  it('a failed queue send leaves the rows pending for the next run', async () => {
    const ref = `fail-${crypto.randomUUID()}`
    await insertDue(ref, new Date(Date.now() - 1000))
    await expect(
      withDatabase(({ pool }) => relayDueJobs(pool, async () => { throw new Error('queue unavailable') }, { limit: 1000 })),
    ).rejects.toThrow('queue unavailable')
    expect(await dueRow(ref)).toMatchObject({ status: 'pending' })
    const sent: string[] = []
    await withDatabase(({ pool }) => relayDueJobs(pool, async (messages) => void sent.push(...messages.map((m) => m.id)), { limit: 1000 }))
    expect(await dueRow(ref)).toMatchObject({ status: 'sent' })
  })
})
