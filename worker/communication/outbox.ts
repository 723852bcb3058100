// Outgoing account emails. In development and tests the "provider" is this table: real rows with
// real text that a person can read (platform API /api/platform/outbox). Tenant notifications
// with templates and providers arrive with the jobs work.
import type { Pool } from '@neondatabase/serverless'

type Queryable = Pick<Pool, 'query'>

export interface OutgoingEmail {
  tenantId: string | null
  to: string
  subject: string
  body: string
  template: string
}

export async function queueEmail(db: Queryable, email: OutgoingEmail): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO public.outbox_messages (tenant_id, channel, recipient, subject, body, template) VALUES ($1, 'email', $2, $3, $4, $5) RETURNING id`,
    [email.tenantId, email.to, email.subject, email.body, email.template],
  )
  return rows[0]!.id
}

export async function listOutbox(db: Queryable, filters: { to?: string; limit: number }) {
  const { rows } = await db.query(
    `SELECT id, tenant_id, channel, recipient, subject, body, template, created_at, sent_at FROM public.outbox_messages
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
  }))
}
