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

/** A browser-like cookie store for one host: keeps what Set-Cookie says, sends it back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>()

  store(res: Response): this {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      const expired = attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value === ''
      if (expired) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return this
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value)
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

export const PASSWORD = 'correct-horse-battery'

/** A session in a jar: requests send its cookies (and the CSRF header on writes). */
export class Browser {
  readonly jar = new CookieJar()
  constructor(readonly host: string) {}

  async fetch(path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> {
    const headers = new Headers(init.headers)
    const cookie = this.jar.header()
    if (cookie) headers.set('cookie', cookie)
    const method = init.method ?? (init.json === undefined ? 'GET' : 'POST')
    if (method !== 'GET' && this.jar.get('ss_csrf') && !headers.has('x-csrf-token')) headers.set('x-csrf-token', this.jar.get('ss_csrf')!)
    let body = init.body
    if (init.json !== undefined) {
      headers.set('content-type', 'application/json')
      body = JSON.stringify(init.json)
    }
    const res = await request(this.host, path, { ...init, method, headers, body })
    this.jar.store(res)
    return res
  }

  async login(email: string, password = PASSWORD): Promise<Response> {
    return this.fetch('/api/auth/login', { json: { email, password } })
  }
}

export async function makeUser(
  role: import('../worker/identity/permissions').Role,
  tenantId: string | null,
  options: { password?: string; isTemporary?: boolean; prefix?: string } = {},
) {
  const { createUser } = await import('../worker/identity/users')
  return withDatabase(({ pool }) =>
    createUser(pool, {
      email: `${options.prefix ?? role.toLowerCase()}-${crypto.randomUUID().slice(0, 8)}@example.test`,
      role,
      tenantId,
      password: options.password ?? PASSWORD,
      isTemporary: options.isTemporary ?? false,
      displayName: role,
    }),
  )
}

export async function auditEntries(filter: { action?: string; targetId?: string; effectiveUserId?: string }) {
  return withDatabase(async ({ pool }) => {
    const { rows } = await pool.query(
      `SELECT * FROM public.audit_log WHERE ($1::text IS NULL OR action = $1) AND ($2::text IS NULL OR target_id = $2)
         AND ($3::uuid IS NULL OR effective_user_id = $3) ORDER BY id`,
      [filter.action ?? null, filter.targetId ?? null, filter.effectiveUserId ?? null],
    )
    return rows
  })
}
