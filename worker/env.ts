// Bindings and settings of the Worker, validated once per isolate (fail loudly on bad config).
import { z } from 'zod'
import type { TenantHub } from '../durable-objects/tenant-hub'
import type { JobMessage } from './jobs/messages'
import { parseSigningKeys } from './identity/tokens'

export interface Env {
  ROOT_DOMAIN: string
  ENVIRONMENT: string
  HOST_CACHE_TTL_SECONDS?: string
  DATABASE_URL: string
  NEON_WS_PROXY?: string
  PLATFORM_BOOTSTRAP_TOKEN?: string
  AUTH_SIGNING_KEYS: string
  DATA_ENCRYPTION_KEY: string
  TENANT_HUB: DurableObjectNamespace<TenantHub>
  JOBS: Queue<JobMessage>
  /** DNS-over-HTTPS resolver that verifies custom domains (JSON API) */
  DNS_RESOLVER_URL?: string
  /** Cloudflare for SaaS: custom hostnames are registered when both are set */
  CF_API_TOKEN?: string
  CF_ZONE_ID?: string
  /** uploaded files: business logos (worker/platform/tenant-settings.ts) */
  UPLOADS: R2Bucket
  ASSETS?: Fetcher
  /** links in notifications: https unless told (http for local development), and a port if not the default */
  PUBLIC_URL_SCHEME?: string
  PUBLIC_URL_PORT?: string
  /** HTTP email API (JSON POST, bearer key); without it the tenant outbox is the provider */
  EMAIL_API_URL?: string
  EMAIL_API_KEY?: string
  EMAIL_FROM?: string
  /** HTTP SMS API (JSON POST, bearer key); without it the tenant outbox is the provider */
  SMS_API_URL?: string
  SMS_API_KEY?: string
  SMS_FROM?: string
}

const settingsSchema = z.object({
  ROOT_DOMAIN: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'ROOT_DOMAIN must be a host name such as lvh.me'),
  ENVIRONMENT: z.enum(['development', 'test', 'production']).default('development'),
  HOST_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  DATABASE_URL: z
    .string({ error: 'DATABASE_URL is not set: add it as a secret (wrangler secret put DATABASE_URL)' })
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// connection string'),
  NEON_WS_PROXY: z
    .string()
    .regex(/^[^/\s]+:\d+$/, 'NEON_WS_PROXY must be host:port of a WebSocket proxy')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  PLATFORM_BOOTSTRAP_TOKEN: z.string().min(32, 'PLATFORM_BOOTSTRAP_TOKEN must be at least 32 characters').optional(),
  AUTH_SIGNING_KEYS: z
    .string({ error: 'AUTH_SIGNING_KEYS is not set: add it as a secret ("kid:secret", see README)' })
    .transform((spec, ctx) => {
      try {
        return parseSigningKeys(spec)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    }),
  DNS_RESOLVER_URL: z.url({ protocol: /^https?$/, error: 'DNS_RESOLVER_URL must be an http(s) URL of a DNS-over-HTTPS resolver' }).default('https://cloudflare-dns.com/dns-query'),
  CF_API_TOKEN: z.string().min(20).optional(),
  CF_ZONE_ID: z.string().regex(/^[0-9a-f]{32}$/, 'CF_ZONE_ID is the 32-character zone id').optional(),
  PUBLIC_URL_SCHEME: z.enum(['https', 'http']).default('https'),
  PUBLIC_URL_PORT: z.coerce.number().int().min(1).max(65535).optional().or(z.literal('').transform(() => undefined)),
  EMAIL_API_URL: z.url({ protocol: /^https?$/, error: 'EMAIL_API_URL must be the http(s) URL of the email API' }).optional(),
  EMAIL_API_KEY: z.string().min(1).optional(),
  EMAIL_FROM: z.email('EMAIL_FROM must be an email address such as bookings@example.com').default('bookings@smoothschedule.local'),
  SMS_API_URL: z.url({ protocol: /^https?$/, error: 'SMS_API_URL must be the http(s) URL of the SMS API' }).optional(),
  SMS_API_KEY: z.string().min(1).optional(),
  SMS_FROM: z.string().min(1).max(20).default('SmoothSched'),
  DATA_ENCRYPTION_KEY: z
    .string({ error: 'DATA_ENCRYPTION_KEY is not set: add it as a secret (32+ random characters)' })
    .min(32, 'DATA_ENCRYPTION_KEY must be at least 32 characters'),
})

export type Settings = z.infer<typeof settingsSchema>

const cache = new WeakMap<object, Settings>()

export function settingsOf(env: Env): Settings {
  let settings = cache.get(env)
  if (!settings) {
    const parsed = settingsSchema.safeParse(env)
    if (!parsed.success) {
      throw new Error(
        `Worker configuration is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      )
    }
    settings = parsed.data
    cache.set(env, settings)
  }
  return settings
}
