// A business's settings, edited by its owner and managers: name, time zone, locale, branding
// (colours and a logo kept in R2), default business hours for new resources, the cancellation
// policy, and what the public booking pages offer. Name and time zone live on public.tenants
// (routing and every page read them); the rest are rows of the tenant schema's `settings` table.
import type { Pool } from '@neondatabase/serverless'
import { imageMeta } from 'image-meta'
import { z } from 'zod'
import { withTransaction } from '../../db/client'
import { AppError } from '../errors'
import { hostCache, type TenantSummary } from '../identity/tenancy'
import { createResource, type Resource, type resourceInput } from '../scheduling/catalog'
import { tenantSql } from '../scheduling/sql'
import { assertPlanAllows } from './plans'
import { isValidTimeZone } from './tenants'

type Queryable = Pick<Pool, 'query'>

/** Locales the pages and messages format dates, times and prices for. */
export const LOCALES = ['en-US', 'en-GB', 'en-AU', 'en-CA', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pt-BR', 'sv-SE', 'da-DK', 'nb-NO', 'fi-FI', 'pl-PL', 'ja-JP'] as const
export type Locale = (typeof LOCALES)[number]

const hexColor = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, 'colours look like #2459d6')
  .transform((c) => c.toLowerCase())

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'times look like 09:30 (24-hour clock)')

export const hoursRules = z
  .array(z.object({ weekday: z.number().int().min(1).max(7), start: timeOfDay, end: timeOfDay }).strict())
  .max(50)
  .refine((rules) => rules.every((r) => r.end > r.start), 'each range must end after it starts')
  .refine((rules) => {
    for (const a of rules) for (const b of rules) if (a !== b && a.weekday === b.weekday && a.start < b.end && b.start < a.end) return false
    return true
  }, 'ranges on the same day must not overlap')

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .nullable()
    .transform((t) => (t === '' ? null : t))

export const settingsUpdate = z
  .object({
    name: z.string().trim().min(2, 'at least 2 characters').max(120, 'at most 120 characters'),
    timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London'),
    locale: z.enum(LOCALES, `must be one of ${LOCALES.join(', ')}`),
    branding: z.object({ primaryColor: hexColor, accentColor: hexColor }).partial().strict(),
    businessHours: hoursRules,
    cancellationPolicy: z
      .object({ cutoffMinutes: z.number().int().min(0).max(43200, 'at most 30 days (43200 minutes)'), text: optionalText(1000) })
      .partial()
      .strict(),
    bookingPage: z
      .object({
        headline: optionalText(120),
        intro: optionalText(1000),
        showPrices: z.boolean(),
        allowCancel: z.boolean(),
        allowReschedule: z.boolean(),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict()
export type SettingsUpdate = z.input<typeof settingsUpdate>

export interface Branding {
  primaryColor: string
  accentColor: string
  logo: { url: string; contentType: string; bytes: number; width: number; height: number; updatedAt: string } | null
}
export interface CancellationPolicy {
  /** default cut-off for new services (each service keeps its own) */
  cutoffMinutes: number
  text: string | null
}
export interface BookingPageOptions {
  headline: string | null
  intro: string | null
  showPrices: boolean
  allowCancel: boolean
  allowReschedule: boolean
}
export type HoursRule = z.infer<typeof hoursRules>[number]

export interface TenantSettings {
  name: string
  slug: string
  timeZone: string
  locale: Locale
  branding: Branding
  businessHours: HoursRule[]
  cancellationPolicy: CancellationPolicy
  bookingPage: BookingPageOptions
}

export const DEFAULT_SETTINGS: Omit<TenantSettings, 'name' | 'slug' | 'timeZone'> = {
  locale: 'en-US',
  branding: { primaryColor: '#2459d6', accentColor: '#1e7a3a', logo: null },
  businessHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: '09:00', end: '17:00' })),
  cancellationPolicy: { cutoffMinutes: 1440, text: null },
  bookingPage: { headline: null, intro: null, showPrices: true, allowCancel: true, allowReschedule: true },
}

const KEYS = {
  locale: 'business.locale',
  colors: 'branding.colors',
  logo: 'branding.logo',
  hours: 'hours.default',
  cancellation: 'policy.cancellation',
  bookingPage: 'booking.page',
} as const

interface StoredLogo {
  objectKey: string
  contentType: string
  bytes: number
  width: number
  height: number
  version: string
  updatedAt: string
}

export const LOGO_PATH = '/api/public/branding/logo'

async function readRows(db: Queryable, schema: string): Promise<Map<string, unknown>> {
  const { rows } = await db.query<{ key: string; value: unknown }>(`SELECT key, value FROM ${tenantSql(schema)('settings')} WHERE key = ANY($1)`, [
    Object.values(KEYS),
  ])
  return new Map(rows.map((r) => [r.key, r.value]))
}

/** Stored values are parsed again on the way out; a row that no longer fits falls back to the default. */
function stored<T>(rows: Map<string, unknown>, key: string, schema: z.ZodType<T>, fallback: T): T {
  const parsed = schema.safeParse(rows.get(key))
  return parsed.success ? parsed.data : fallback
}

function logoOf(rows: Map<string, unknown>): Branding['logo'] {
  const logo = rows.get(KEYS.logo) as StoredLogo | undefined
  if (!logo || typeof logo.version !== 'string') return null
  return { url: `${LOGO_PATH}?v=${logo.version}`, contentType: logo.contentType, bytes: logo.bytes, width: logo.width, height: logo.height, updatedAt: logo.updatedAt }
}

export async function getTenantSettings(db: Queryable, tenant: TenantSummary): Promise<TenantSettings> {
  const rows = await readRows(db, tenant.schemaName)
  const d = DEFAULT_SETTINGS
  const colors = stored(rows, KEYS.colors, settingsUpdate.shape.branding.unwrap(), {})
  const cancellation = stored(rows, KEYS.cancellation, settingsUpdate.shape.cancellationPolicy.unwrap(), {})
  const bookingPage = stored(rows, KEYS.bookingPage, settingsUpdate.shape.bookingPage.unwrap(), {})
  return {
    name: tenant.name,
    slug: tenant.slug,
    timeZone: tenant.timeZone,
    locale: stored(rows, KEYS.locale, settingsUpdate.shape.locale.unwrap(), d.locale),
    branding: { ...d.branding, ...colors, logo: logoOf(rows) },
    businessHours: stored(rows, KEYS.hours, hoursRules, d.businessHours),
    cancellationPolicy: { ...d.cancellationPolicy, ...cancellation },
    bookingPage: { ...d.bookingPage, ...bookingPage },
  }
}

async function putSetting(db: Queryable, schema: string, key: string, value: unknown) {
  await db.query(
    `INSERT INTO ${tenantSql(schema)('settings')} (key, value) VALUES ($1, $2::jsonb)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [key, JSON.stringify(value)],
  )
}

/**
 * Applies a partial update in one transaction (nested objects merge with what is stored). Returns
 * the settings as they now are and the tenant summary to route with from now on.
 */
export async function updateTenantSettings(pool: Pool, tenant: TenantSummary, raw: unknown): Promise<{ settings: TenantSettings; tenant: TenantSummary }> {
  const update = settingsUpdate.parse(raw)
  const schema = tenant.schemaName
  const next = await withTransaction(pool, async (client) => {
    const current = await getTenantSettings(client, tenant)
    let summary = tenant
    if (update.name !== undefined || update.timeZone !== undefined) {
      const { rows } = await client.query<{ name: string; time_zone: string }>(
        `UPDATE public.tenants SET name = COALESCE($2, name), time_zone = COALESCE($3, time_zone), updated_at = now() WHERE id = $1 RETURNING name, time_zone`,
        [tenant.id, update.name ?? null, update.timeZone ?? null],
      )
      if (!rows[0]) throw new AppError(404, 'unknown_tenant', 'This business no longer exists.')
      summary = { ...tenant, name: rows[0].name, timeZone: rows[0].time_zone }
    }
    if (update.locale !== undefined) await putSetting(client, schema, KEYS.locale, update.locale)
    if (update.branding !== undefined) {
      const { logo: _logo, ...colors } = current.branding
      await putSetting(client, schema, KEYS.colors, { ...colors, ...update.branding })
    }
    if (update.businessHours !== undefined) await putSetting(client, schema, KEYS.hours, update.businessHours)
    if (update.cancellationPolicy !== undefined) await putSetting(client, schema, KEYS.cancellation, { ...current.cancellationPolicy, ...update.cancellationPolicy })
    if (update.bookingPage !== undefined) await putSetting(client, schema, KEYS.bookingPage, { ...current.bookingPage, ...update.bookingPage })
    return summary
  })
  // Name and time zone reach this isolate's routing at once; other isolates within the host-cache TTL.
  if (next !== tenant) hostCache.forgetTenant(tenant.id)
  return { settings: await getTenantSettings(pool, next), tenant: next }
}

// ---- Logo -------------------------------------------------------------------------------------

export const LOGO_MAX_BYTES = 512 * 1024
export const LOGO_MAX_SIDE = 4096
const LOGO_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' }

export interface CheckedLogo {
  contentType: string
  width: number
  height: number
}

/**
 * Is this a logo we will serve? PNG, JPEG, WebP or GIF, by its bytes (the declared type must
 * agree), at most 512 KiB and 4096 px a side. SVG is refused: it can carry script.
 */
export function checkLogo(bytes: Uint8Array, declaredType: string | undefined): CheckedLogo {
  if (bytes.byteLength === 0) throw new AppError(400, 'invalid_logo', 'The logo is empty; send the image bytes as the request body.')
  if (bytes.byteLength > LOGO_MAX_BYTES) throw new AppError(413, 'logo_too_large', `The logo is ${Math.ceil(bytes.byteLength / 1024)} KiB; the limit is ${LOGO_MAX_BYTES / 1024} KiB.`)
  let meta: ReturnType<typeof imageMeta>
  try {
    meta = imageMeta(bytes)
  } catch {
    throw new AppError(415, 'unsupported_logo_type', 'The file is not an image we can read; use PNG, JPEG, WebP or GIF.')
  }
  const contentType = meta.type ? LOGO_TYPES[meta.type] : undefined
  if (!contentType) throw new AppError(415, 'unsupported_logo_type', `A ${meta.type ?? 'file of unknown type'} cannot be a logo; use PNG, JPEG, WebP or GIF.`)
  const declared = declaredType?.split(';')[0]?.trim().toLowerCase()
  if (declared && declared !== contentType) throw new AppError(415, 'logo_type_mismatch', `The file was sent as ${declared} but is ${contentType}.`)
  if (!(meta.width > 0 && meta.height > 0)) throw new AppError(400, 'invalid_logo', 'The image has no size.')
  if (meta.width > LOGO_MAX_SIDE || meta.height > LOGO_MAX_SIDE) {
    throw new AppError(400, 'logo_too_big', `The logo is ${meta.width}×${meta.height} px; at most ${LOGO_MAX_SIDE} px a side.`)
  }
  return { contentType, width: meta.width, height: meta.height }
}

/** The R2 key of a tenant's logo: derived from the host's tenant id only, never from input. */
function logoObjectKey(tenantId: string, version: string) {
  return `tenants/${tenantId}/branding/logo-${version}`
}

export async function saveLogo(pool: Pool, bucket: R2Bucket, tenant: TenantSummary, bytes: Uint8Array<ArrayBuffer>, declaredType: string | undefined): Promise<Branding> {
  const checked = checkLogo(bytes, declaredType)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  const version = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('')
  const objectKey = logoObjectKey(tenant.id, version)
  await bucket.put(objectKey, bytes, { httpMetadata: { contentType: checked.contentType }, customMetadata: { tenantId: tenant.id } })
  const previous = (await readRows(pool, tenant.schemaName)).get(KEYS.logo) as StoredLogo | undefined
  const logo: StoredLogo = { objectKey, ...checked, bytes: bytes.byteLength, version, updatedAt: new Date().toISOString() }
  await putSetting(pool, tenant.schemaName, KEYS.logo, logo)
  if (previous?.objectKey && previous.objectKey !== objectKey) await bucket.delete(previous.objectKey)
  return (await getTenantSettings(pool, tenant)).branding
}

export async function removeLogo(pool: Pool, bucket: R2Bucket, tenant: TenantSummary): Promise<Branding> {
  const previous = (await readRows(pool, tenant.schemaName)).get(KEYS.logo) as StoredLogo | undefined
  await pool.query(`DELETE FROM ${tenantSql(tenant.schemaName)('settings')} WHERE key = $1`, [KEYS.logo])
  if (previous?.objectKey) await bucket.delete(previous.objectKey)
  return (await getTenantSettings(pool, tenant)).branding
}

/** The stored logo of the tenant, for serving; null when it has none. */
export async function readLogo(db: Queryable, bucket: R2Bucket, tenant: TenantSummary) {
  const logo = (await readRows(db, tenant.schemaName)).get(KEYS.logo) as StoredLogo | undefined
  if (!logo?.objectKey) return null
  const object = await bucket.get(logo.objectKey)
  if (!object) return null
  return { object, contentType: logo.contentType, version: logo.version }
}

// ---- Defaults applied to new things -------------------------------------------------------------

/** A new resource starts with the business's default weekly hours (change them on the resource). */
export async function createResourceWithDefaultHours(pool: Pool, tenant: TenantSummary, input: z.input<typeof resourceInput>): Promise<Resource> {
  return withTransaction(pool, async (client) => {
    await assertPlanAllows(client, tenant.schemaName, 'resources')
    const { businessHours } = await getTenantSettings(client, tenant)
    const resource = await createResource(client, tenant.schemaName, tenant.id, input)
    for (const rule of businessHours) {
      await client.query(`INSERT INTO ${tenantSql(tenant.schemaName)('weekly_hours')} (resource_id, weekday, start_time, end_time) VALUES ($1, $2, $3, $4)`, [
        resource.id,
        rule.weekday,
        rule.start,
        rule.end,
      ])
    }
    return resource
  })
}
