// /api/tenant: the current tenant's public profile, on a tenant host.
import { Hono } from 'hono'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { getTenantProfile } from './tenant-profile'

export const tenantRoutes = new Hono<AppEnv>()

tenantRoutes.get('/', async (c) => {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'This endpoint is served on a business host only.')
  return c.json({ tenant: await getTenantProfile(c.get('database')().db, tenancy.tenant) })
})
