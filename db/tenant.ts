// Tenant tables, built per schema over pgSchema(name) so every query is schema-qualified.
// Never SET search_path on a pooled connection: it would leak one tenant into another's request.
import { pgSchema, text, jsonb, timestamp } from 'drizzle-orm/pg-core'
import { assertTenantSchemaName } from './migrate'

function buildTenantTables(schemaName: string) {
  const schema = pgSchema(schemaName)
  return {
    settings: schema.table('settings', {
      key: text('key').primaryKey(),
      value: jsonb('value').notNull(),
      updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    }),
  }
}

export type TenantTables = ReturnType<typeof buildTenantTables>

const memo = new Map<string, TenantTables>()

export function tenantTables(schemaName: string): TenantTables {
  let tables = memo.get(schemaName)
  if (!tables) {
    assertTenantSchemaName(schemaName)
    tables = buildTenantTables(schemaName)
    memo.set(schemaName, tables)
  }
  return tables
}
