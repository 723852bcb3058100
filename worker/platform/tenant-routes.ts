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
import { getTenantSettings, LOGO_MAX_BYTES, readLogo, removeLogo, saveLogo, settingsUpdate, updateTenantSettings } from './tenant-settings'
import { addDomain, domainAdaptersFor, domainHost, listDomains, makePrimaryDomain, removeDomain, verifyDomain, verifyInput } from './domains'
import { z } from 'zod'
import { changeStaff, inviteInput, inviteStaff, listTeam, resendInvitation, staffChange } from './tenant-staff'

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

tenantRoutes.get('/settings', can('tenant.profile.manage'), doc({ summary: "The business's settings: name, time zone, locale, branding, default hours, cancellation policy, booking page" }), async (c) => {
  return c.json({ settings: await getTenantSettings(pool(c), tenantOf(c)) })
})

tenantRoutes.patch('/settings', can('tenant.profile.manage'), doc({ summary: "Change the business's settings (only the fields sent change)", body: settingsUpdate }), async (c) => {
  const tenant = tenantOf(c)
  const update = await readJson(c, settingsUpdate)
  const { settings } = await updateTenantSettings(pool(c), tenant, update)
  await audit(pool(c), { action: 'tenant.settings_updated', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { fields: Object.keys(update) } })
  return c.json({ settings })
})

tenantRoutes.put(
  '/settings/logo',
  can('tenant.profile.manage'),
  doc({ summary: `Upload the business's logo: the image bytes as the body (PNG, JPEG, WebP or GIF; at most ${LOGO_MAX_BYTES / 1024} KiB)`, status: 200 }),
  async (c) => {
    const tenant = tenantOf(c)
    const bytes = new Uint8Array(await c.req.arrayBuffer())
    const branding = await saveLogo(pool(c), c.env.UPLOADS, tenant, bytes, c.req.header('content-type'))
    await audit(pool(c), { action: 'tenant.logo_uploaded', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { bytes: bytes.byteLength, type: branding.logo?.contentType } })
    return c.json({ branding })
  },
)

tenantRoutes.delete('/settings/logo', can('tenant.profile.manage'), doc({ summary: "Remove the business's logo", status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const branding = await removeLogo(pool(c), c.env.UPLOADS, tenant)
  await audit(pool(c), { action: 'tenant.logo_removed', ...auditActor(c), tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id })
  return c.json({ branding })
})

// ---- the business's own domains (owners and managers; the same rules as the platform's pages) ----

const domainBody = (c: Context<AppEnv>) => z.object({ host: domainHost(c.get('settings').ROOT_DOMAIN) }).strict()

tenantRoutes.get('/domains', can('tenant.profile.manage'), doc({ summary: "The business's subdomain and custom domains, with how to verify them" }), async (c) => {
  return c.json({ domains: await listDomains(pool(c), tenantOf(c).id) })
})

tenantRoutes.post('/domains', can('tenant.profile.manage'), doc({ summary: 'Add a custom domain (it routes once verified)', body: z.object({ host: z.string() }) }), async (c) => {
  const tenant = tenantOf(c)
  const input = await readJson(c, domainBody(c))
  const domain = await addDomain(pool(c), c.get('settings').ROOT_DOMAIN, tenant.id, input)
  await audit(pool(c), { action: 'domain.added', ...auditActor(c), tenantId: tenant.id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
  return c.json({ domain }, 201)
})

tenantRoutes.post('/domains/:id/verify', can('tenant.profile.manage'), doc({ summary: 'Check the verification record now; 422 says what was found', body: verifyInput, status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const { method } = c.req.header('content-type')?.includes('json') ? await readJson(c, verifyInput) : { method: 'dns' as const }
  const { verifier, hostnames } = domainAdaptersFor(c.get('settings'))
  const domain = await verifyDomain(pool(c), verifier, hostnames, tenant.id, readParam(c, 'id'), method)
  await audit(pool(c), { action: 'domain.verified', ...auditActor(c), tenantId: tenant.id, targetType: 'domain', targetId: domain.id, detail: { host: domain.host } })
  return c.json({ domain })
})

tenantRoutes.post('/domains/:id/primary', can('tenant.profile.manage'), doc({ summary: 'Make a verified domain the primary one', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const domains = await makePrimaryDomain(pool(c), tenant.id, readParam(c, 'id'))
  await audit(pool(c), { action: 'domain.made_primary', ...auditActor(c), tenantId: tenant.id, targetType: 'domain', targetId: c.req.param('id') })
  return c.json({ domains })
})

tenantRoutes.delete('/domains/:id', can('tenant.profile.manage'), doc({ summary: 'Remove a custom domain: it stops routing at once', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const domains = await removeDomain(pool(c), domainAdaptersFor(c.get('settings')).hostnames, tenant.id, readParam(c, 'id'))
  await audit(pool(c), { action: 'domain.removed', ...auditActor(c), tenantId: tenant.id, targetType: 'domain', targetId: c.req.param('id') })
  return c.json({ domains })
})

function inviter(c: Context<AppEnv>) {
  const auth = c.get('auth')
  return auth?.kind === 'user' ? (auth.realUser?.displayName || auth.realUser?.email || auth.user.displayName || auth.user.email) : null
}

tenantRoutes.get('/team', can('tenant.users.read'), doc({ summary: "The business's owners, managers and staff, with who has joined" }), async (c) => {
  return c.json({ team: await listTeam(pool(c), tenantOf(c).id) })
})

tenantRoutes.post('/invitations', can('tenant.users.manage'), doc({ summary: 'Invite an owner, manager or member of staff by email', body: inviteInput }), async (c) => {
  const tenant = tenantOf(c)
  const input = await readJson(c, inviteInput)
  const principal = await authorize(c, 'tenant.users.manage')
  const invited = await inviteStaff(pool(c), { ...principal, displayName: inviter(c) }, tenant, input, new URL(c.req.url).origin)
  await audit(pool(c), { action: 'tenant.user_invited', ...auditActor(c), tenantId: tenant.id, targetType: 'user', targetId: invited.user.id, detail: { role: invited.user.role } })
  return c.json(invited, 201)
})

tenantRoutes.post('/users/:id/invitation', can('tenant.users.manage'), doc({ summary: 'Send a fresh invitation link to a member who has not joined yet', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const principal = await authorize(c, 'tenant.users.manage')
  const invited = await resendInvitation(pool(c), { ...principal, displayName: inviter(c) }, tenant, readParam(c, 'id'), new URL(c.req.url).origin)
  await audit(pool(c), { action: 'tenant.user_reinvited', ...auditActor(c), tenantId: tenant.id, targetType: 'user', targetId: invited.user.id })
  return c.json(invited)
})

tenantRoutes.patch('/users/:id', can('tenant.users.manage'), doc({ summary: "Change a team member's role, or switch the account off or on", body: staffChange }), async (c) => {
  const tenant = tenantOf(c)
  const id = readParam(c, 'id')
  const change = await readJson(c, staffChange)
  const principal = await authorize(c, 'tenant.users.manage')
  const { user, before } = await changeStaff(pool(c), principal, tenant.id, id, change)
  await audit(pool(c), { action: 'tenant.user_changed', ...auditActor(c), tenantId: tenant.id, targetType: 'user', targetId: id, detail: { before, after: { role: user.role, isActive: user.isActive } } })
  return c.json({ user })
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


/** /api/public/branding/*: what a business's public pages show, served on its own host. */
export const brandingRoutes = new Hono<AppEnv>()

brandingRoutes.get('/', isPublic, doc({ summary: "The business's public branding and booking-page options" }), async (c) => {
  const { name, timeZone, locale, branding, cancellationPolicy, bookingPage } = await getTenantSettings(pool(c), tenantOf(c))
  return c.json({ name, timeZone, locale, branding, cancellationPolicy, bookingPage })
})

brandingRoutes.get('/logo', isPublic, doc({ summary: "The business's logo image (cached; ?v= names a version that never changes)" }), async (c) => {
  const logo = await readLogo(pool(c), c.env.UPLOADS, tenantOf(c))
  if (!logo) throw new AppError(404, 'no_logo', 'This business has no logo.')
  const etag = `"${logo.version}"`
  const versioned = c.req.query('v') === logo.version
  const headers = {
    'content-type': logo.contentType,
    etag,
    // A versioned URL is immutable (a new logo gets a new ?v=); the bare URL is rechecked often.
    'cache-control': versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=300, must-revalidate',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  }
  if (c.req.header('if-none-match') === etag) return new Response(null, { status: 304, headers })
  return new Response(logo.object.body, { status: 200, headers: { ...headers, 'content-length': String(logo.object.size) } })
})
