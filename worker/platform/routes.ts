// /api/platform/*: the platform host's API — tenants, users, grants, the audit log, the outbox.
import { Hono, type Context } from 'hono'
import { doc } from '../openapi'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { auditActor, authorize, can } from '../identity/access'
import { createGrant, createGrantInput, listGrants, revokeGrant } from '../identity/grants'
import { hostCache } from '../identity/tenancy'
import { createUser, createUserInput, listUsers, listUsersQuery, setActive, findUserById } from '../identity/users'
import { listOutbox } from '../communication/outbox'
import { deadJobMessage, listJobRuns } from '../jobs/consumer'
import { readJson, readParam, readQuery } from '../validation'
import { audit, auditQuery, listAudit } from './audit'
import { listTenants, provisionTenant, provisionTenantInput } from './tenants'

export const platformRoutes = new Hono<AppEnv>()

platformRoutes.use('*', async (c, next) => {
  if (c.get('tenancy').kind !== 'platform') {
    throw new AppError(404, 'not_found', 'The platform API is served on the platform host only.')
  }
  await next()
})

const pool = (c: Context<AppEnv>) => c.get('database')().pool

function realActor(c: Context<AppEnv>) {
  const actor = auditActor(c)
  if (!actor.actorUserId) {
    throw new AppError(403, 'person_required', 'Grants are given and revoked by a signed-in person, not by the bootstrap token.')
  }
  return { realActorId: actor.actorUserId ?? '00000000-0000-0000-0000-000000000000', ip: actor.ip, sessionId: actor.sessionId, hostTenantId: null }
}

platformRoutes.get('/tenants', can('platform.tenants.read'), doc({ summary: 'List tenants' }), async (c) => {
  return c.json({ tenants: await listTenants(pool(c)) })
})

platformRoutes.post('/tenants', can('platform.tenants.create'), doc({ summary: 'Provision a tenant (schema, migrations, primary domain)', body: provisionTenantInput }), async (c) => {
  const input = await readJson(c, provisionTenantInput)
  const principal = await authorize(c, 'platform.tenants.create')
  if (principal.role === 'PLATFORM_SALES' && !input.isDemo) {
    throw new AppError(403, 'forbidden', 'Sales may create demo tenants only (isDemo: true).')
  }
  const tenant = await provisionTenant(pool(c), c.get('settings').ROOT_DOMAIN, input)
  hostCache.clear() // a cached "no such host" for this slug must not outlive its creation here
  await audit(pool(c), { action: 'tenant.created', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { slug: tenant.slug } })
  return c.json({ tenant }, 201)
})

platformRoutes.get('/users', can('platform.users.read'), doc({ summary: 'List accounts', query: listUsersQuery }), async (c) => {
  const filters = readQuery(c, listUsersQuery)
  const principal = await authorize(c, 'platform.users.read')
  return c.json({ users: await listUsers(pool(c), { ...filters, onlyDemo: principal.role === 'PLATFORM_SALES' }) })
})

platformRoutes.post('/users', can('platform.users.manage'), doc({ summary: 'Create an account', body: createUserInput }), async (c) => {
  const input = await readJson(c, createUserInput)
  const principal = await authorize(c, 'platform.users.manage')
  if (principal.role !== 'SUPERUSER' && input.role === 'SUPERUSER') throw new AppError(403, 'forbidden', 'Only a superuser can create a superuser.')
  if (principal.role === 'PLATFORM_SALES') {
    const demo = input.tenantId ? await pool(c).query('SELECT 1 FROM public.tenants WHERE id = $1 AND is_demo', [input.tenantId]) : null
    if (!demo?.rowCount || !input.isTemporary) throw new AppError(403, 'forbidden', 'Sales may create temporary accounts in demo tenants only.')
  }
  const user = await createUser(pool(c), input)
  await audit(pool(c), { action: 'user.created', ...auditActor(c), tenantId: user.tenantId, targetType: 'user', targetId: user.id, detail: { email: user.email, role: user.role } })
  return c.json({ user }, 201)
})

platformRoutes.patch('/users/:id', can('platform.users.manage'), doc({ summary: 'Enable or disable an account (disabling ends its sessions)' }), async (c) => {
  const id = readParam(c, 'id')
  const { isActive } = await readJson(c, z.object({ isActive: z.boolean() }))
  const principal = await authorize(c, 'platform.users.manage')
  const target = await findUserById(pool(c), id)
  if (!target) throw new AppError(404, 'unknown_user', 'No user has that id.')
  if (target.role === 'SUPERUSER' && principal.role !== 'SUPERUSER') throw new AppError(403, 'forbidden', 'Only a superuser can change a superuser.')
  if (principal.role === 'PLATFORM_SALES' && !target.isTemporary) throw new AppError(403, 'forbidden', 'Sales may change temporary accounts only.')
  const user = await setActive(pool(c), id, isActive)
  await audit(pool(c), { action: isActive ? 'user.enabled' : 'user.disabled', ...auditActor(c), tenantId: user.tenantId, targetType: 'user', targetId: user.id })
  return c.json({ user })
})

platformRoutes.get('/grants', can('platform.grants.manage'), doc({ summary: 'List permission grants' }), async (c) => {
  const q = readQuery(c, z.object({ grantee: z.uuid().optional(), tenant: z.uuid().optional() }))
  return c.json({ grants: await listGrants(pool(c), { granteeId: q.grantee, tenantId: q.tenant }) })
})

platformRoutes.post('/grants', can('platform.grants.manage'), doc({ summary: 'Grant a named action for a bounded time', body: createGrantInput }), async (c) => {
  const input = await readJson(c, createGrantInput)
  const principal = await authorize(c, 'platform.grants.manage')
  const actor = realActor(c)
  return c.json({ grant: await createGrant(pool(c), principal, input, actor) }, 201)
})

platformRoutes.post('/grants/:id/revoke', can('platform.grants.manage'), doc({ summary: 'Revoke a permission grant', status: 200 }), async (c) => {
  const principal = await authorize(c, 'platform.grants.manage')
  const actor = realActor(c)
  return c.json({ grant: await revokeGrant(pool(c), principal, readParam(c, 'id'), actor) })
})

platformRoutes.get('/audit', can('platform.audit.read'), doc({ summary: 'Read the audit log', query: auditQuery }), async (c) => {
  return c.json(await listAudit(pool(c), readQuery(c, auditQuery)))
})

platformRoutes.get('/outbox', can('platform.outbox.read'), doc({ summary: 'Account emails sent by the platform (development outbox)' }), async (c) => {
  const q = readQuery(c, z.object({ to: z.string().max(254).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }))
  return c.json({ messages: await listOutbox(pool(c), q) })
})

const jobsQuery = z.object({
  status: z.enum(['running', 'done', 'failed', 'rejected', 'dead']).optional(),
  tenant: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

platformRoutes.get('/jobs', can('platform.jobs.read'), doc({ summary: 'Background jobs: dead-lettered, rejected and failed jobs with their reasons', query: jobsQuery }), async (c) => {
  const q = readQuery(c, jobsQuery)
  return c.json({ jobs: await listJobRuns(pool(c), { status: q.status, tenantId: q.tenant, limit: q.limit }) })
})

platformRoutes.post('/jobs/:id/retry', can('platform.jobs.manage'), doc({ summary: 'Send a dead job to the queue again (same id: it still runs at most once)', status: 202 }), async (c) => {
  const id = readParam(c, 'id', z.string().min(8).max(100).regex(/^[\w.:-]+$/))
  const message = await deadJobMessage(pool(c), id)
  if (!message) throw new AppError(404, 'unknown_dead_job', 'No dead job with a stored message has that id.')
  await c.env.JOBS.send(message)
  await audit(pool(c), { action: 'job.retried', ...auditActor(c), tenantId: message.tenantId, targetType: 'job', targetId: id, detail: { type: message.type } })
  return c.json({ queued: { id, type: message.type } }, 202)
})
