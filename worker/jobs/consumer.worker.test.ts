// The jobs queue: messages sent through the real queue reach the consumer; the consumer is
// idempotent and a poison message does not hold up its batch.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../index'
import { withDatabase } from '../../test/helpers'
import { newJob } from './messages'

async function jobRun(id: string) {
  return withDatabase(async ({ pool }) => {
    const { rows } = await pool.query('SELECT status, attempts, last_error FROM public.job_runs WHERE message_id = $1', [id])
    return rows[0] as { status: string; attempts: number; last_error: string | null } | undefined
  })
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read()
    if (done(value)) return value
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`gave up waiting for ${what}`)
}

describe('jobs queue', () => {
  it('delivers a message sent to the queue to the consumer', async () => {
    const job = newJob('system.ping', null, { note: 'hello from the producer' })
    await env.JOBS.send(job)
    const run = await eventually(() => jobRun(job.id), (r) => r?.status === 'done', 'the consumer to record the job')
    expect(run).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('runs a redelivered message once', async () => {
    const job = newJob('system.ping', null, { note: 'twice' })
    for (let i = 0; i < 2; i++) {
      const batch = createMessageBatch('jobs', [{ id: `delivery-${i}`, timestamp: new Date(), attempts: i + 1, body: job }])
      const ctx = createExecutionContext()
      await worker.queue(batch, env, ctx)
      await waitOnExecutionContext(ctx)
      expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: [`delivery-${i}`], retryMessages: [] })
    }
    expect(await jobRun(job.id)).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('drops a poison message with the reason recorded, and still runs its batch-mates', async () => {
    const good = newJob('system.ping', null, { note: 'good' })
    const poisonId = `poison-${crypto.randomUUID()}`
    const batch = createMessageBatch('jobs', [
      { id: 'm-poison', timestamp: new Date(), attempts: 1, body: { id: poisonId, type: 'system.ping', payload: 'not an object' } },
      { id: 'm-good', timestamp: new Date(), attempts: 1, body: good },
    ])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    await waitOnExecutionContext(ctx)
    const result = await getQueueResult(batch, ctx)
    expect(result.explicitAcks.sort()).toEqual(['m-good', 'm-poison'])
    expect(result.retryMessages).toEqual([])
    expect(await jobRun(good.id)).toMatchObject({ status: 'done' })
    expect(await jobRun(poisonId)).toMatchObject({ status: 'rejected', last_error: expect.stringContaining('payload') })
  })

  it('prunes finished job records older than 30 days on the cron trigger', async () => {
    const old = `old-${crypto.randomUUID()}`
    const recent = `recent-${crypto.randomUUID()}`
    await withDatabase(({ pool }) =>
      pool.query(
        `INSERT INTO public.job_runs (message_id, type, status, finished_at) VALUES
           ($1, 'system.ping', 'done', now() - interval '31 days'), ($2, 'system.ping', 'done', now() - interval '1 day')`,
        [old, recent],
      ),
    )
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *', scheduledTime: Date.now() }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect(await jobRun(old)).toBeUndefined()
    expect(await jobRun(recent)).toMatchObject({ status: 'done' })
  })
})
