// Drizzle description of the `public` (platform) schema. SQL in migrations/public is the source of truth.
import { pgTable, uuid, text, boolean, timestamp, integer, primaryKey } from 'drizzle-orm/pg-core'

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  schemaName: text('schema_name').notNull().unique(),
  status: text('status', { enum: ['active', 'suspended'] }).notNull().default('active'),
  timeZone: text('time_zone').notNull().default('UTC'),
  plan: text('plan').notNull().default('free'),
  shard: text('shard').notNull().default('main'),
  isDemo: boolean('is_demo').notNull().default(false),
  suspendedAt: timestamp('suspended_at', { withTimezone: true }),
  suspendedReason: text('suspended_reason'),
  deleteAfter: timestamp('delete_after', { withTimezone: true }),
  demoExpiresAt: timestamp('demo_expires_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

export const domains = pgTable('domains', {
  id: uuid('id').primaryKey().defaultRandom(),
  host: text('host').notNull().unique(),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  isPrimary: boolean('is_primary').notNull().default(false),
  isCustom: boolean('is_custom').notNull().default(false),
  verificationToken: text('verification_token'),
  verifiedAt: timestamp('verified_at', { withTimezone: true }),
  lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
  lastCheckError: text('last_check_error'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
})

export const ROLES = [
  'SUPERUSER',
  'PLATFORM_MANAGER',
  'PLATFORM_SALES',
  'PLATFORM_SUPPORT',
  'TENANT_OWNER',
  'TENANT_MANAGER',
  'TENANT_STAFF',
  'CUSTOMER',
] as const
export type Role = (typeof ROLES)[number]

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull(),
  displayName: text('display_name').notNull().default(''),
  passwordHash: text('password_hash'),
  role: text('role', { enum: ROLES }).notNull(),
  tenantId: uuid('tenant_id').references(() => tenants.id, { onDelete: 'cascade' }),
  isActive: boolean('is_active').notNull().default(true),
  isTemporary: boolean('is_temporary').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
})

export const jobRuns = pgTable('job_runs', {
  messageId: text('message_id').primaryKey(),
  type: text('type').notNull(),
  tenantId: uuid('tenant_id'),
  status: text('status', { enum: ['running', 'done', 'failed', 'rejected'] }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
})

export const schemaMigrations = pgTable(
  'schema_migrations',
  {
    schemaName: text('schema_name').notNull(),
    version: text('version').notNull(),
    name: text('name').notNull(),
    checksum: text('checksum').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.schemaName, t.version] })],
)

export type TenantRow = typeof tenants.$inferSelect
export type DomainRow = typeof domains.$inferSelect
