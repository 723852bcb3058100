// Idempotent seed for the local platform: one account per role (development password below) and
// the `demo` tenant. Never run against production: these passwords are public.
import type { Database } from '../../db/client'
import { provisionTenant } from '../../worker/platform/tenants'
import { updateTenantProfile } from '../../worker/platform/tenant-profile'
import { createUser, findUserForLogin } from '../../worker/identity/users'
import type { Role } from '../../worker/identity/permissions'
import type { TenantSummary } from '../../worker/identity/tenancy'
import { seedDemoCatalog } from '../../worker/platform/demo-data'
import type { Pool } from '@neondatabase/serverless'

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
