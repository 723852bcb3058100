// The jobs queue: messages sent through the real queue reach the consumer; the consumer is
// idempotent and a poison message does not hold up its batch.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../index'
import { request, ROOT, withDatabase } from '../../test/helpers'
import { TEST_PLATFORM_TOKEN } from '../../test/constants'
import { consumeJobs, type JobHandlers } from './consumer'
import { jobHandlers } from './handlers'
import { newJob, type JobMessage } from './messages'

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

  it('records an unknown job type as rejected with the reason, and acks it', async () => {
    const id = `unknown-${crypto.randomUUID()}`
    const result = await deliver([{ id, type: 'mail.everyone', tenantId: null, createdAt: new Date().toISOString(), version: 1, payload: {} }])
    expect(result).toMatchObject({ explicitAcks: ['m-0'], retryMessages: [] })
    expect(await jobRun(id)).toMatchObject({ status: 'rejected', last_error: expect.stringContaining('invalid message') })
    const listed = await platformGet('/api/platform/jobs?status=rejected&limit=200')
    expect(listed.jobs.find((j: { id: string }) => j.id === id)).toMatchObject({ type: 'mail.everyone', status: 'rejected' })
  })
})

/** Runs one batch through the consumer with the given handlers (default: the Worker's own). */
async function deliver(bodies: unknown[], options: { attempts?: number; handlers?: JobHandlers } = {}) {
  const batch = createMessageBatch(
    'jobs',
    bodies.map((body, i) => ({ id: `m-${i}`, timestamp: new Date(), attempts: options.attempts ?? 1, body })),
  )
  const ctx = createExecutionContext()
  // getQueueResult does not report the delay asked for; record it on the way through.
  const delays: { msgId: string; delaySeconds: number | undefined }[] = []
  const observed = {
    queue: batch.queue,
    ackAll: () => batch.ackAll(),
    retryAll: (o?: QueueRetryOptions) => batch.retryAll(o),
    messages: batch.messages.map((m) => ({
      id: m.id,
      timestamp: m.timestamp,
      body: m.body,
      attempts: m.attempts,
      ack: () => m.ack(),
      retry: (o?: QueueRetryOptions) => {
        delays.push({ msgId: m.id, delaySeconds: o?.delaySeconds })
        m.retry(o)
      },
    })),
  } as unknown as MessageBatch<unknown>
  if (options.handlers) {
    await withDatabase(async ({ pool }) => consumeJobs(observed, { pool, enqueue: async () => {} }, options.handlers!))
  } else {
    await worker.queue(observed, env, ctx)
  }
  await waitOnExecutionContext(ctx)
  const result = await getQueueResult(batch, ctx)
  return { ...result, retryMessages: result.retryMessages.map((r: { msgId: string }) => ({ ...r, delaySeconds: delays.find((d) => d.msgId === r.msgId)?.delaySeconds })) }
}

async function platformGet(path: string) {
  const res = await request(`platform.${ROOT}`, path, { headers: { authorization: `Bearer ${TEST_PLATFORM_TOKEN}` } })
  expect(res.status).toBe(200)
  return (await res.json()) as Record<string, any>
}

/** Handlers whose ping counts its effects and fails the first `failures` times. */
function countingHandlers(failures: number) {
  const effects: string[] = []
  let calls = 0
  const handlers: JobHandlers = {
    ...jobHandlers(env),
    'system.ping': async (job) => {
      calls++
      if (calls <= failures) throw new Error(`provider unavailable (call ${calls})`)
      effects.push(job.id)
    },
  }
  return { handlers, effects, calls: () => calls }
}

describe('jobs consumer guarantees', () => {
  it('runs a duplicate (in one batch and redelivered later) once', async () => {
    const { handlers, effects } = countingHandlers(0)
    const job = newJob('system.ping', null, { note: 'dup' })
    const first = await deliver([job, job], { handlers })
    expect(first.explicitAcks.sort()).toEqual(['m-0', 'm-1'])
    await deliver([job], { handlers, attempts: 2 })
    expect(effects).toEqual([job.id])
    expect(await jobRun(job.id)).toMatchObject({ status: 'done', attempts: 1 })
  })

  it('retries a failing job with growing backoff and delivers it once when it succeeds', async () => {
    const { handlers, effects, calls } = countingHandlers(2)
    const job = newJob('system.ping', null, { note: 'flaky provider' })
    const r1 = await deliver([job], { handlers, attempts: 1 })
    expect(r1.retryMessages).toEqual([{ msgId: 'm-0', delaySeconds: 5 }])
    expect(await jobRun(job.id)).toMatchObject({ status: 'failed', last_error: 'provider unavailable (call 1)' })
    const r2 = await deliver([job], { handlers, attempts: 2 })
    expect(r2.retryMessages).toEqual([{ msgId: 'm-0', delaySeconds: 10 }])
    const r3 = await deliver([job], { handlers, attempts: 3 })
    expect(r3).toMatchObject({ explicitAcks: ['m-0'], retryMessages: [] })
    await deliver([job], { handlers, attempts: 4 }) // a late redelivery changes nothing
    expect(effects).toEqual([job.id])
    expect(calls()).toBe(3)
    expect(await jobRun(job.id)).toMatchObject({ status: 'done', attempts: 3, last_error: null })
  })

  it('ends a job that always fails in the dead-letter queue with its reason, visible and replayable by the platform', async () => {
    const { handlers } = countingHandlers(Number.POSITIVE_INFINITY)
    const job = newJob('system.ping', null, { note: 'always fails' })
    for (let attempt = 1; attempt <= 6; attempt++) {
      const r = await deliver([job], { handlers, attempts: attempt })
      expect(r.retryMessages).toHaveLength(1)
    }
    // The runtime moves it to jobs-dlq after max_retries; the DLQ consumer records why.
    const batch = createMessageBatch('jobs-dlq', [{ id: 'dlq-0', timestamp: new Date(), attempts: 1, body: job }])
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    await waitOnExecutionContext(ctx)
    expect(await getQueueResult(batch, ctx)).toMatchObject({ explicitAcks: ['dlq-0'] })
    expect(await jobRun(job.id)).toMatchObject({ status: 'dead', attempts: 6, last_error: 'retries ran out after 6 attempts: provider unavailable (call 6)' })

    const listed = await platformGet('/api/platform/jobs?status=dead&limit=200')
    expect(listed.jobs.find((j: { id: string }) => j.id === job.id)).toMatchObject({ type: 'system.ping', status: 'dead', replayable: true, lastError: expect.stringContaining('provider unavailable') })

    // Retry from the platform: the stored message goes back on the real queue and now succeeds.
    const retry = await request(`platform.${ROOT}`, `/api/platform/jobs/${job.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${TEST_PLATFORM_TOKEN}` } })
    expect(retry.status).toBe(202)
    const run = await eventually(() => jobRun(job.id), (r) => r?.status === 'done', 'the retried job to run')
    expect(run).toMatchObject({ status: 'done', attempts: 7 })
    const again = await request(`platform.${ROOT}`, `/api/platform/jobs/${job.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${TEST_PLATFORM_TOKEN}` } })
    expect(again.status).toBe(404)
  })

  it('a poison message among good ones: the good ones run, the poison is recorded once', async () => {
    const { handlers, effects } = countingHandlers(0)
    const a = newJob('system.ping', null, { note: 'a' })
    const b = newJob('system.ping', null, { note: 'b' })
    const poison = { id: `poison-${crypto.randomUUID()}`, type: 'system.ping', version: 1, tenantId: null, createdAt: 'yesterday', payload: { note: 1 } } as unknown as JobMessage
    const result = await deliver([a, poison, b], { handlers })
    expect(result.explicitAcks.sort()).toEqual(['m-0', 'm-1', 'm-2'])
    expect(effects).toEqual([a.id, b.id])
    expect(await jobRun(poison.id)).toMatchObject({ status: 'rejected' })
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
    await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), env, ctx)
    await waitOnExecutionContext(ctx)
    expect(await jobRun(old)).toBeUndefined()
    expect(await jobRun(recent)).toMatchObject({ status: 'done' })
  })
})
