// Idempotent seed for the local platform: a platform superuser placeholder and the `demo` tenant.
import type { Database } from '../../db/client'
import { provisionTenant } from '../../worker/platform/tenants'
import { updateTenantProfile } from '../../worker/platform/tenant-profile'
import type { TenantSummary } from '../../worker/identity/tenancy'

export const DEMO_SLUG = 'demo'

export async function seedPlatform(database: Database, rootDomain: string): Promise<{ created: string[] }> {
  const created: string[] = []
  const { pool } = database
  // No password yet: the account becomes usable once the identity work adds sign-in.
  const superuser = await pool.query(
    `INSERT INTO public.users (email, display_name, role) VALUES ($1, 'Platform superuser', 'SUPERUSER')
     ON CONFLICT ((lower(email))) DO NOTHING RETURNING id`,
    [`admin@${rootDomain}`],
  )
  if (superuser.rowCount) created.push(`superuser admin@${rootDomain}`)

  const existing = await pool.query('SELECT 1 FROM public.tenants WHERE slug = $1', [DEMO_SLUG])
  if (existing.rowCount === 0) {
    const tenant: TenantSummary = await provisionTenant(pool, rootDomain, {
      slug: DEMO_SLUG,
      name: 'Demo Wellness Studio',
      timeZone: 'America/New_York',
      plan: 'pro',
      isDemo: true,
    })
    await updateTenantProfile(database.db, tenant, {
      tagline: 'Massage, physio and yoga in the heart of town. Book online in seconds.',
      about: 'A demo business seeded by npm start. Its data is safe to change.',
      contactEmail: `hello@${DEMO_SLUG}.${rootDomain}`,
    })
    created.push(`tenant ${DEMO_SLUG}`)
  }
  return { created }
}
