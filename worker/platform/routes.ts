// /api/platform/*: platform-host API for tenants (provisioning, listing).
import { Hono } from 'hono'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { requirePlatformToken } from '../identity/bootstrap-token'
import { hostCache } from '../identity/tenancy'
import { listTenants, provisionTenant, provisionTenantInput } from './tenants'
import { readJson } from '../validation'

export const platformRoutes = new Hono<AppEnv>()

platformRoutes.use('*', async (c, next) => {
  if (c.get('tenancy').kind !== 'platform') {
    throw new AppError(404, 'not_found', 'The platform API is served on the platform host only.')
  }
  await next()
})
platformRoutes.use('*', requirePlatformToken)

platformRoutes.get('/tenants', async (c) => {
  return c.json({ tenants: await listTenants(c.get('database')().pool) })
})

platformRoutes.post('/tenants', async (c) => {
  const input = await readJson(c, provisionTenantInput)
  const tenant = await provisionTenant(c.get('database')().pool, c.get('settings').ROOT_DOMAIN, input)
  hostCache.clear() // a cached "no such host" for this slug must not outlive its creation here
  return c.json({ tenant }, 201)
})
