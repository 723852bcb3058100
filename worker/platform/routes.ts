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
import { createTenantInput, createTenantWithOwner, deleteInput, getTenant, listTenants, listTenantsQuery, reactivateTenant, requestTenantDeletion, suspendInput, suspendTenant } from './tenants'
import { verifyInput, addDomain, domainAdaptersFor, domainHost, makePrimaryDomain, removeDomain, verifyDomain } from './domains'
import { platformDashboard } from './dashboard'
import { createDemoTenant, demoInput } from './demo-data'
import { listPlans } from './plans'
import { batchItems, getBatch, listBatches, migrationBatchInput, startMigrationBatch, startProvisionBatch } from './batches'
import { listNotifications, outboxQuery } from '../communication/notifications'

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

/** Sales see and handle demo tenants only. */
async function readScope(c: Context<AppEnv>) {
  const principal = await authorize(c, 'platform.tenants.read')
  return { onlyDemo: principal.role === 'PLATFORM_SALES' }
}

const domainAdapters = (c: Context<AppEnv>) => domainAdaptersFor(c.get('settings'))

platformRoutes.get('/dashboard', can('platform.tenants.read'), doc({ summary: 'Counts for the platform home: tenants, users, bookings today, failed jobs' }), async (c) => {
  return c.json({ dashboard: await platformDashboard(pool(c), await readScope(c)) })
})

platformRoutes.get('/plans', can('platform.tenants.read'), doc({ summary: 'Plans and their limits' }), async (c) => c.json({ plans: await listPlans(pool(c)) }))

platformRoutes.get('/tenants', can('platform.tenants.read'), doc({ summary: 'List tenants: search by name, slug or host; filter by status; a page at a time', query: listTenantsQuery }), async (c) => {
  const query = readQuery(c, listTenantsQuery)
  return c.json(await listTenants(pool(c), query, await readScope(c)))
})

platformRoutes.get('/tenants/:id', can('platform.tenants.read'), doc({ summary: 'A tenant with its usage and domains' }), async (c) => {
  return c.json({ tenant: await getTenant(pool(c), readParam(c, 'id'), await readScope(c)) })
})

async function lifecycle(c: Context<AppEnv>, action: string, change: (id: string) => Promise<{ id: string; slug: string }>) {
  const id = readParam(c, 'id')
  await authorize(c, 'platform.tenants.manage')
  const tenant = await change(id)
  hostCache.forgetTenant(tenant.id)
  await audit(pool(c), { action, ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { slug: tenant.slug } })
  return c.json({ tenant: await getTenant(pool(c), tenant.id) })
}

platformRoutes.post('/tenants/:id/suspend', can('platform.tenants.manage'), doc({ summary: "Suspend a tenant: its hosts show a notice and its API answers 403; data is kept", body: suspendInput, status: 200 }), async (c) => {
  const input = await readJson(c, suspendInput)
  return lifecycle(c, 'tenant.suspended', (id) => suspendTenant(pool(c), id, input))
})

platformRoutes.post('/tenants/:id/reactivate', can('platform.tenants.manage'), doc({ summary: 'Reactivate a suspended tenant (cancels a pending deletion)', status: 200 }), async (c) => {
  return lifecycle(c, 'tenant.reactivated', (id) => reactivateTenant(pool(c), id))
})

platformRoutes.post('/tenants/:id/delete', can('platform.tenants.manage'), doc({ summary: "Schedule deletion after a grace period; confirm with the tenant's slug", body: deleteInput, status: 200 }), async (c) => {
  const input = await readJson(c, deleteInput)
  return lifecycle(c, 'tenant.deletion_scheduled', (id) => requestTenantDeletion(pool(c), id, input))
})

const domainBody = (c: Context<AppEnv>) => z.object({ host: domainHost(c.get('settings').ROOT_DOMAIN) }).strict()

platformRoutes.post('/tenants/:id/domains', can('platform.tenants.manage'), doc({ summary: 'Add a custom domain (unverified until its TXT record or HTTP token is seen)', body: z.object({ host: z.string() }) }), async (c) => {
  const id = readParam(c, 'id')
  const input = await readJson(c, domainBody(c))
  await getTenant(pool(c), id)
  const domain = await addDomain(pool(c), c.get('settings').ROOT_DOMAIN, id, input)
  await audit(pool(c), { action: 'domain.added', ...auditActor(c), tenantId: id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
  return c.json({ domain }, 201)
})

platformRoutes.post('/tenants/:id/domains/:domainId/verify', can('platform.tenants.manage'), doc({ summary: 'Check the TXT record (or, with method "http", the token at the well-known path) now; 422 says what was found', body: verifyInput, status: 200 }), async (c) => {
  const id = readParam(c, 'id')
  const domainId = readParam(c, 'domainId')
  const { method } = c.req.header('content-type')?.includes('json') ? await readJson(c, verifyInput) : { method: 'dns' as const }
  const { verifier, hostnames } = domainAdapters(c)
  const domain = await verifyDomain(pool(c), verifier, hostnames, id, domainId, method)
  await audit(pool(c), { action: 'domain.verified', ...auditActor(c), tenantId: id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
  return c.json({ domain })
})

platformRoutes.post('/tenants/:id/domains/:domainId/primary', can('platform.tenants.manage'), doc({ summary: 'Make a verified domain the primary one', status: 200 }), async (c) => {
  const id = readParam(c, 'id')
  const domains = await makePrimaryDomain(pool(c), id, readParam(c, 'domainId'))
  await audit(pool(c), { action: 'domain.made_primary', ...auditActor(c), tenantId: id, targetType: 'domain', targetId: c.req.param('domainId') })
  return c.json({ domains })
})

platformRoutes.delete('/tenants/:id/domains/:domainId', can('platform.tenants.manage'), doc({ summary: 'Remove a custom domain: it stops routing at once', status: 200 }), async (c) => {
  const id = readParam(c, 'id')
  const domains = await removeDomain(pool(c), domainAdapters(c).hostnames, id, readParam(c, 'domainId'))
  await audit(pool(c), { action: 'domain.removed', ...auditActor(c), tenantId: id, targetType: 'domain', targetId: c.req.param('domainId') })
  return c.json({ domains })
})

platformRoutes.post('/tenants', can('platform.tenants.create'), doc({ summary: 'Provision a tenant (schema, migrations, primary domain) and invite its first owner by email', body: createTenantInput }), async (c) => {
  const input = await readJson(c, createTenantInput)
  const principal = await authorize(c, 'platform.tenants.create')
  if (principal.role === 'PLATFORM_SALES' && !input.isDemo) {
    throw new AppError(403, 'forbidden', 'Sales may create demo tenants only (isDemo: true).')
  }
  const { tenant, owner } = await createTenantWithOwner(pool(c), c.get('settings').ROOT_DOMAIN, principal, input, new URL(c.req.url).origin)
  hostCache.clear() // a cached "no such host" for this slug must not outlive its creation here
  await audit(pool(c), { action: 'tenant.created', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { slug: tenant.slug } })
  if (owner) await audit(pool(c), { action: 'tenant.user_invited', ...auditActor(c), tenantId: tenant.id, targetType: 'user', targetId: owner.user.id, detail: { role: 'TENANT_OWNER' } })
  return c.json({ tenant, owner }, 201)
})

platformRoutes.post('/demos', can('platform.tenants.create'), doc({ summary: 'Create a demo business with sample data and a temporary owner; it is deleted when it expires', body: demoInput }), async (c) => {
  const input = await readJson(c, demoInput)
  await authorize(c, 'platform.tenants.create')
  const demo = await createDemoTenant(pool(c), c.get('settings').ROOT_DOMAIN, input)
  hostCache.clear()
  await audit(pool(c), { action: 'tenant.demo_created', ...auditActor(c), tenantId: demo.tenant.id, targetType: 'tenant', targetId: demo.tenant.id, detail: { slug: demo.tenant.slug, expiresAt: demo.tenant.demoExpiresAt } })
  return c.json(demo, 201)
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

platformRoutes.get('/tenants/:id/notifications', can('platform.tenants.read'), doc({ summary: "A tenant's customer messages (its outbox), newest first", query: outboxQuery }), async (c) => {
  const principal = await authorize(c, 'platform.tenants.read')
  const tenant = await getTenant(pool(c), readParam(c, 'id'), { onlyDemo: principal.role === 'PLATFORM_SALES' })
  return c.json({ notifications: await listNotifications(pool(c), tenant.schemaName, readQuery(c, outboxQuery)) })
})

platformRoutes.get('/batches', can('platform.jobs.read'), doc({ summary: 'Bulk provisioning and migration batches with their progress' }), async (c) => {
  return c.json({ batches: await listBatches(pool(c)) })
})

platformRoutes.get('/batches/:id', can('platform.jobs.read'), doc({ summary: 'One batch: progress and each job with its result or error' }), async (c) => {
  const id = readParam(c, 'id')
  return c.json({ batch: await getBatch(pool(c), id), items: await batchItems(pool(c), id) })
})

platformRoutes.post('/batches/provision', can('platform.tenants.manage'), doc({ summary: 'Provision many tenants, one job each (owners invited by email); progress at /batches/{id}', body: z.object({ tenants: z.array(createTenantInput.omit({ isDemo: true })) }) }), async (c) => {
  const principal = await authorize(c, 'platform.tenants.manage')
  const batch = await startProvisionBatch(pool(c), principal, await readJson(c, z.unknown()), new URL(c.req.url).origin)
  await audit(pool(c), { action: 'platform.batch_started', ...auditActor(c), targetType: 'batch', targetId: batch.id, detail: { kind: batch.kind, total: batch.total } })
  return c.json({ batch }, 202)
})

platformRoutes.post('/batches/migrate', can('platform.jobs.manage'), doc({ summary: 'Bring tenant schemas (all, or those listed) up to the latest migration, one job per tenant', body: migrationBatchInput, status: 202 }), async (c) => {
  const principal = await authorize(c, 'platform.jobs.manage')
  const batch = await startMigrationBatch(pool(c), principal, await readJson(c, migrationBatchInput))
  await audit(pool(c), { action: 'platform.batch_started', ...auditActor(c), targetType: 'batch', targetId: batch.id, detail: { kind: batch.kind, total: batch.total } })
  return c.json({ batch }, 202)
})
