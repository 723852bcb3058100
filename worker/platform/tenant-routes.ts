// /api/tenant/*: the current tenant (by host) — its public profile, its users, grants inside it.
import { Hono, type Context } from 'hono'
import { doc } from '../openapi'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { auditActor, authorize, can, isPublic } from '../identity/access'
import { createGrant, createGrantInput, listGrants, revokeGrant } from '../identity/grants'
import { listUsers } from '../identity/users'
import { readJson, readParam } from '../validation'
import { audit } from './audit'
import { getTenantProfile, profileUpdate, updateTenantProfile } from './tenant-profile'

export const tenantRoutes = new Hono<AppEnv>()

function tenantOf(c: Context<AppEnv>) {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'This endpoint is served on a business host only.')
  return tenancy.tenant
}

const pool = (c: Context<AppEnv>) => c.get('database')().pool

function realActor(c: Context<AppEnv>) {
  const actor = auditActor(c)
  return { realActorId: actor.actorUserId!, ip: actor.ip, sessionId: actor.sessionId, hostTenantId: tenantOf(c).id }
}

tenantRoutes.get('/', isPublic, doc({ summary: "The business's public profile" }), async (c) => {
  return c.json({ tenant: await getTenantProfile(c.get('database')().db, tenantOf(c)) })
})

tenantRoutes.patch('/profile', can('tenant.profile.manage'), doc({ summary: "Update the business's profile", body: profileUpdate }), async (c) => {
  const tenant = tenantOf(c)
  const update = await readJson(c, profileUpdate)
  const profile = await updateTenantProfile(c.get('database')().db, tenant, update)
  await audit(pool(c), { action: 'tenant.profile_updated', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { fields: Object.keys(update) } })
  return c.json({ tenant: profile })
})

tenantRoutes.get('/users', can('tenant.users.read'), doc({ summary: "The business's accounts" }), async (c) => {
  return c.json({ users: await listUsers(pool(c), { tenant: tenantOf(c).id, limit: 200 }) })
})

tenantRoutes.get('/grants', can('tenant.grants.manage'), doc({ summary: 'Permission grants in this business' }), async (c) => {
  return c.json({ grants: await listGrants(pool(c), { tenantId: tenantOf(c).id }) })
})

tenantRoutes.post('/grants', can('tenant.grants.manage'), doc({ summary: 'Grant a named action to a user of this business' }), async (c) => {
  const input = await readJson(c, createGrantInput.omit({ tenantId: true }))
  const principal = await authorize(c, 'tenant.grants.manage')
  return c.json({ grant: await createGrant(pool(c), principal, { ...input, tenantId: null }, realActor(c)) }, 201)
})

tenantRoutes.post('/grants/:id/revoke', can('tenant.grants.manage'), doc({ summary: 'Revoke a grant', status: 200 }), async (c) => {
  const principal = await authorize(c, 'tenant.grants.manage')
  return c.json({ grant: await revokeGrant(pool(c), principal, readParam(c, 'id'), realActor(c)) })
})

