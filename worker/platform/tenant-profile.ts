// A tenant's public profile (what its landing page shows), read from its own schema.
import { eq, inArray, sql } from 'drizzle-orm'
import { z } from 'zod'
import type { Db } from '../../db/client'
import { tenantTables } from '../../db/tenant'
import type { TenantSummary } from '../identity/tenancy'

export const PROFILE_KEYS = ['profile.tagline', 'profile.about', 'profile.contact_email'] as const

export interface TenantProfile {
  name: string
  slug: string
  timeZone: string
  tagline: string | null
  about: string | null
  contactEmail: string | null
}

export const profileUpdate = z.object({
  tagline: z.string().trim().max(160).nullable().optional(),
  about: z.string().trim().max(2000).nullable().optional(),
  contactEmail: z.email().nullable().optional(),
})

export async function getTenantProfile(db: Db, tenant: TenantSummary): Promise<TenantProfile> {
  const { settings } = tenantTables(tenant.schemaName)
  const rows = await db
    .select({ key: settings.key, value: settings.value })
    .from(settings)
    .where(inArray(settings.key, [...PROFILE_KEYS]))
  const value = (key: (typeof PROFILE_KEYS)[number]) => {
    const v = rows.find((r) => r.key === key)?.value
    return typeof v === 'string' ? v : null
  }
  return {
    name: tenant.name,
    slug: tenant.slug,
    timeZone: tenant.timeZone,
    tagline: value('profile.tagline'),
    about: value('profile.about'),
    contactEmail: value('profile.contact_email'),
  }
}

export async function updateTenantProfile(
  db: Db,
  tenant: TenantSummary,
  update: z.input<typeof profileUpdate>,
): Promise<TenantProfile> {
  const parsed = profileUpdate.parse(update)
  const { settings } = tenantTables(tenant.schemaName)
  const entries: [string, string | null | undefined][] = [
    ['profile.tagline', parsed.tagline],
    ['profile.about', parsed.about],
    ['profile.contact_email', parsed.contactEmail],
  ]
  await db.transaction(async (tx) => {
    for (const [key, value] of entries) {
      if (value === undefined) continue
      if (value === null) {
        await tx.delete(settings).where(eq(settings.key, key))
      } else {
        await tx
          .insert(settings)
          .values({ key, value })
          .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: sql`now()` } })
      }
    }
  })
  return getTenantProfile(db, tenant)
}
