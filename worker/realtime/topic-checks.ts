// The subscription checks that need a tenant's data (see topic-access.ts for the rules).
import type { Pool } from '@neondatabase/serverless'
import { tenantSql } from '../scheduling/sql'
import type { TopicCheck } from './topic-access'

export async function passesTopicCheck(db: Pick<Pool, 'query'>, schema: string, check: TopicCheck): Promise<boolean> {
  const t = tenantSql(schema)
  const exists = async (sql: string, params: unknown[]) => (await db.query(`SELECT EXISTS (${sql}) AS ok`, params)).rows[0]?.ok === true
  switch (check.check) {
    case 'service-bookable':
      return exists(`SELECT 1 FROM ${t('services')} WHERE id = $1 AND is_active`, [check.serviceId])
    case 'event-exists':
      return exists(`SELECT 1 FROM ${t('events')} WHERE id = $1`, [check.eventId])
    case 'event-on-resources':
      return exists(`SELECT 1 FROM ${t('event_resources')} WHERE event_id = $1 AND resource_id = ANY($2::uuid[])`, [check.eventId, check.resourceIds])
    case 'event-of-customer':
      return exists(
        `SELECT 1 FROM ${t('bookings')} b JOIN ${t('customers')} c ON c.id = b.customer_id WHERE b.event_id = $1 AND c.user_id = $2`,
        [check.eventId, check.userId],
      )
  }
}
