// Helpers for Workers-runtime tests: requests to a host, tenants made through the platform API, DB access.
import { env, SELF } from 'cloudflare:test'
import { connectDatabase, type Database } from '../db/client'
import { TEST_PLATFORM_TOKEN } from './constants'

export const ROOT = 'lvh.me'

export function request(host: string, path: string, init: RequestInit = {}): Promise<Response> {
  return SELF.fetch(`http://${host}${path}`, { redirect: 'manual', ...init })
}

export function uniqueSlug(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`
}

export function platformPost(path: string, body: unknown, token = TEST_PLATFORM_TOKEN): Promise<Response> {
  return request(`platform.${ROOT}`, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  })
}

export interface CreatedTenant {
  id: string
  slug: string
  name: string
  schemaName: string
  primaryHost: string
}

export async function createTenant(prefix: string, name = `${prefix} business`): Promise<CreatedTenant> {
  const res = await platformPost('/api/platform/tenants', { slug: uniqueSlug(prefix), name })
  if (res.status !== 201) throw new Error(`provisioning failed: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { tenant: CreatedTenant }).tenant
}

/** Runs `use` with a pool of its own, closed afterwards. */
export async function withDatabase<T>(use: (database: Database) => Promise<T>): Promise<T> {
  const database = connectDatabase({ databaseUrl: env.DATABASE_URL, wsProxy: env.NEON_WS_PROXY })
  try {
    return await use(database)
  } finally {
    await database.close()
  }
}
