// Schema-qualified table names for a tenant's raw SQL (the booking transaction and catalog queries).
// Never SET search_path: each statement names the tenant's schema itself.
import { assertTenantSchemaName, quoteIdent } from '../../db/migrate'

export type TenantTable =
  | 'resources' | 'services' | 'service_resources' | 'weekly_hours' | 'date_overrides' | 'blocked_time'
  | 'closures' | 'customers' | 'events' | 'event_resources' | 'bookings' | 'idempotency_keys' | 'settings'
  | 'notification_outbox' | 'notification_templates' | 'webhook_endpoints' | 'webhook_deliveries'

export function tenantSql(schemaName: string): (table: TenantTable) => string {
  assertTenantSchemaName(schemaName)
  const schema = quoteIdent(schemaName)
  return (table) => `${schema}.${table}`
}
