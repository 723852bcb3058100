// GET /api/health: is the Worker up, can it reach its database and its Durable Object?
import type { Context } from 'hono'
import type { AppEnv } from '../context'
import { TENANT_ID_HEADER } from '../../durable-objects/tenant-hub'

interface Check {
  ok: boolean
  latencyMs: number
  error?: string
}

async function timed(run: () => Promise<unknown>, timeoutMs = 5_000): Promise<Check> {
  const started = Date.now()
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      }),
    ])
    return { ok: true, latencyMs: Date.now() - started }
  } catch (error) {
    return { ok: false, latencyMs: Date.now() - started, error: error instanceof Error ? error.message : String(error) }
  } finally {
    clearTimeout(timer)
  }
}

/** The hub probed is the tenant's own on a tenant host, a dedicated one elsewhere. */
export async function healthReport(c: Context<AppEnv>) {
  const tenancy = c.get('tenancy')
  const hubKey = tenancy.kind === 'tenant' ? tenancy.tenant.id : '__platform-health__'
  const [database, durableObject] = await Promise.all([
    timed(() => c.get('database')().pool.query('SELECT 1')),
    timed(async () => {
      const stub = c.env.TENANT_HUB.get(c.env.TENANT_HUB.idFromName(hubKey))
      const res = await stub.fetch('https://tenant-hub/health', { headers: { [TENANT_ID_HEADER]: hubKey } })
      if (!res.ok) throw new Error(`hub answered ${res.status}`)
    }),
  ])
  const ok = database.ok && durableObject.ok
  return c.json(
    {
      status: ok ? 'ok' : 'degraded',
      worker: { ok: true, environment: c.get('settings').ENVIRONMENT },
      database,
      durableObject,
      host: { kind: tenancy.kind, tenant: tenancy.kind === 'tenant' ? tenancy.tenant.slug : null },
    },
    ok ? 200 : 503,
  )
}
