// Outgoing account emails (invitations, password reset, password and MFA changes). Each is a row
// in public.outbox_messages, the record a person can read (platform API /api/platform/outbox),
// written together with an `email.send` due job in one statement; the job hands it to the email
// provider (worker/communication/providers.ts), which in development is the outbox itself.
import type { Pool } from '@neondatabase/serverless'
import { newJob, type JobOf } from '../jobs/messages'
import type { Provider, EmailMessage } from './providers'

type Queryable = Pick<Pool, 'query'>

export interface OutgoingEmail {
  tenantId: string | null
  to: string
  subject: string
  body: string
  template: string
}

export async function queueEmail(db: Queryable, email: OutgoingEmail): Promise<string> {
  const id = crypto.randomUUID()
  const job = newJob('email.send', email.tenantId, { outboxId: id }, `email:${id}`)
  await db.query(
    `WITH message AS (
       INSERT INTO public.outbox_messages (id, tenant_id, channel, recipient, subject, body, template) VALUES ($1, $2, 'email', $3, $4, $5, $6) RETURNING id
     )
     INSERT INTO public.due_jobs (tenant_id, ref, kind, due_at, message) SELECT $2, id::text, 'email.send', now(), $7 FROM message`,
    [id, email.tenantId, email.to, email.subject, email.body, email.template, JSON.stringify(job)],
  )
  return id
}

/** The `email.send` job: once per message, whatever the redeliveries (sent_at is the mark). */
export async function sendAccountEmail(job: JobOf<'email.send'>, deps: { pool: Pool; email: Provider<EmailMessage> }) {
  const { rows } = await deps.pool.query(`SELECT recipient, subject, body, sent_at FROM public.outbox_messages WHERE id = $1`, [job.payload.outboxId])
  const row = rows[0]
  if (!row) return { skipped: 'the message no longer exists' }
  if (row.sent_at) return { skipped: 'already sent' }
  try {
    const ref = await deps.email.send({ to: row.recipient, subject: row.subject, text: row.body, fromName: 'SmoothSchedule', idempotencyKey: job.id })
    await deps.pool.query(`UPDATE public.outbox_messages SET sent_at = now(), provider = $2, provider_ref = $3, error = NULL WHERE id = $1`, [job.payload.outboxId, deps.email.name, ref])
    return { sent: true, provider: deps.email.name }
  } catch (error) {
    await deps.pool.query(`UPDATE public.outbox_messages SET error = $2, provider = $3 WHERE id = $1`, [job.payload.outboxId, String((error as Error).message).slice(0, 1000), deps.email.name])
    throw error
  }
}

export async function listOutbox(db: Queryable, filters: { to?: string; limit: number }) {
  const { rows } = await db.query(
    `SELECT id, tenant_id, channel, recipient, subject, body, template, created_at, sent_at, provider, error FROM public.outbox_messages
      WHERE ($1::text IS NULL OR lower(recipient) = lower($1)) ORDER BY created_at DESC LIMIT $2`,
    [filters.to ?? null, filters.limit],
  )
  return rows.map((r) => ({
    id: r.id as string,
    tenantId: r.tenant_id as string | null,
    channel: r.channel as string,
    to: r.recipient as string,
    subject: r.subject as string,
    body: r.body as string,
    template: r.template as string,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
    provider: (r.provider as string | null) ?? null,
    error: (r.error as string | null) ?? null,
  }))
}
