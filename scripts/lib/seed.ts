// Idempotent seed for the local platform: one account per role (development password below) and
// the `demo` tenant. Never run against production: these passwords are public.
import type { Database } from '../../db/client'
import { provisionTenant } from '../../worker/platform/tenants'
import { updateTenantProfile } from '../../worker/platform/tenant-profile'
import { createUser, findUserForLogin } from '../../worker/identity/users'
import type { Role } from '../../worker/identity/permissions'
import type { TenantSummary } from '../../worker/identity/tenancy'
import { createResource, createService, listResources, setWeeklyHours } from '../../worker/scheduling/catalog'
import type { Pool } from '@neondatabase/serverless'

const WEEKDAYS = [1, 2, 3, 4, 5, 6] as const

/** Staff, a room, hours and three services for the demo business (only when it has no resources yet). */
async function seedDemoCatalog(pool: Pool, tenantId: string, schema: string, staffUserId: string | null): Promise<boolean> {
  if ((await listResources(pool, schema)).length > 0) return false
  const zone = 'America/New_York'
  const stella = await createResource(pool, schema, tenantId, { kind: 'staff', name: 'Stella (massage)', userId: staffUserId, timeZone: zone })
  const marco = await createResource(pool, schema, tenantId, { kind: 'staff', name: 'Marco (physio)', timeZone: zone })
  const studio = await createResource(pool, schema, tenantId, { kind: 'room', name: 'Studio A', capacity: 8, timeZone: zone })
  const hours = WEEKDAYS.flatMap((weekday) => [
    { weekday, start: '09:00', end: '12:30' },
    { weekday, start: '13:30', end: '18:00' },
  ])
  for (const r of [stella, marco]) await setWeeklyHours(pool, schema, r.id, { rules: hours })
  await setWeeklyHours(pool, schema, studio.id, { rules: WEEKDAYS.map((weekday) => ({ weekday, start: '07:00', end: '20:00' })) })
  await createService(pool, schema, {
    name: 'Massage, 60 minutes',
    description: 'Deep-tissue or relaxing; tell us which when you book.',
    durationMinutes: 60,
    bufferAfterMinutes: 15,
    slotIntervalMinutes: 30,
    minNoticeMinutes: 120,
    priceCents: 9000,
    depositCents: 2000,
    resourceGroups: [[stella.id]],
  })
  await createService(pool, schema, {
    name: 'Physio assessment',
    durationMinutes: 45,
    bufferBeforeMinutes: 5,
    slotIntervalMinutes: 15,
    priceCents: 7500,
    requiresConfirmation: true,
    resourceGroups: [[marco.id, stella.id], [studio.id]],
  })
  await createService(pool, schema, {
    name: 'Morning yoga class',
    durationMinutes: 60,
    slotIntervalMinutes: 60,
    seats: 8,
    priceCents: 1800,
    resourceGroups: [[studio.id]],
  })
  return true
}

export const DEMO_SLUG = 'demo'
export const DEV_PASSWORD = 'smooth-demo-2026'

export function devAccounts(rootDomain: string): { email: string; role: Role; displayName: string; tenant: boolean }[] {
  return [
    { email: `admin@${rootDomain}`, role: 'SUPERUSER', displayName: 'Platform superuser', tenant: false },
    { email: `manager@platform.${rootDomain}`, role: 'PLATFORM_MANAGER', displayName: 'Pat Manager', tenant: false },
    { email: `sales@platform.${rootDomain}`, role: 'PLATFORM_SALES', displayName: 'Sam Sales', tenant: false },
    { email: `support@platform.${rootDomain}`, role: 'PLATFORM_SUPPORT', displayName: 'Sol Support', tenant: false },
    { email: `owner@${DEMO_SLUG}.${rootDomain}`, role: 'TENANT_OWNER', displayName: 'Olivia Owner', tenant: true },
    { email: `manager@${DEMO_SLUG}.${rootDomain}`, role: 'TENANT_MANAGER', displayName: 'Max Manager', tenant: true },
    { email: `staff@${DEMO_SLUG}.${rootDomain}`, role: 'TENANT_STAFF', displayName: 'Stella Staff', tenant: true },
    { email: `customer@${DEMO_SLUG}.${rootDomain}`, role: 'CUSTOMER', displayName: 'Chris Customer', tenant: true },
  ]
}

export async function seedPlatform(database: Database, rootDomain: string): Promise<{ created: string[] }> {
  const created: string[] = []
  const { pool } = database

  let demo: TenantSummary | undefined
  const existing = await pool.query('SELECT id FROM public.tenants WHERE slug = $1', [DEMO_SLUG])
  if (existing.rowCount === 0) {
    demo = await provisionTenant(pool, rootDomain, {
      slug: DEMO_SLUG,
      name: 'Demo Wellness Studio',
      timeZone: 'America/New_York',
      plan: 'pro',
      isDemo: true,
    })
    await updateTenantProfile(database.db, demo, {
      tagline: 'Massage, physio and yoga in the heart of town. Book online in seconds.',
      about: 'A demo business seeded by npm start. Its data is safe to change.',
      contactEmail: `hello@${DEMO_SLUG}.${rootDomain}`,
    })
    created.push(`tenant ${DEMO_SLUG}`)
  }
  const demoId = demo?.id ?? (existing.rows[0] as { id: string }).id

  for (const account of devAccounts(rootDomain)) {
    const found = await findUserForLogin(pool, account.email)
    if (found?.passwordHash) continue
    if (found) {
      // an earlier seed left a placeholder without a password
      await pool.query('DELETE FROM public.users WHERE id = $1 AND password_hash IS NULL', [found.user.id])
    }
    await createUser(pool, {
      email: account.email,
      displayName: account.displayName,
      role: account.role,
      tenantId: account.tenant ? demoId : null,
      password: DEV_PASSWORD,
      isTemporary: account.tenant,
    })
    created.push(account.email)
  }
  const staff = await findUserForLogin(pool, `staff@${DEMO_SLUG}.${rootDomain}`)
  if (await seedDemoCatalog(pool, demoId, 't_demo', staff?.user.id ?? null)) created.push('demo resources, hours and services')
  return { created }
}
