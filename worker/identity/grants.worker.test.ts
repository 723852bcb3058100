// Permission grants through the API: a bounded window, refused after expiry or revocation, audited.
import { beforeAll, describe, expect, it } from 'vitest'
import { auditEntries, Browser, createTenant, makeUser, ROOT, withDatabase, type CreatedTenant } from '../../test/helpers'

let alpha: CreatedTenant
beforeAll(async () => {
  alpha = await createTenant('grant-alpha', 'Alpha Grants')
})

describe('permission grants', () => {
  it('give a staff member an action for a while, then take it away', async () => {
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const ownerBrowser = new Browser(alpha.primaryHost)
    await ownerBrowser.login(owner.email)
    const staffBrowser = new Browser(alpha.primaryHost)
    await staffBrowser.login(staff.email)

    expect((await staffBrowser.fetch('/api/tenant/users')).status).toBe(403)

    const created = await ownerBrowser.fetch('/api/tenant/grants', {
      json: { granteeId: staff.id, action: 'tenant.users.read', reason: 'covering reception today' },
    })
    expect(created.status).toBe(201)
    const { grant } = (await created.json()) as { grant: { id: string; status: string; expiresAt: string; startsAt: string } }
    expect(grant.status).toBe('active')
    expect(new Date(grant.expiresAt).getTime() - new Date(grant.startsAt).getTime()).toBe(30 * 60_000)

    const allowed = await staffBrowser.fetch('/api/tenant/users')
    expect(allowed.status).toBe(200)
    expect(await auditEntries({ action: 'grant.used', targetId: grant.id })).toHaveLength(1)

    const revoked = await ownerBrowser.fetch(`/api/tenant/grants/${grant.id}/revoke`, { json: {} })
    expect(await revoked.json()).toMatchObject({ grant: { status: 'revoked' } })
    expect((await staffBrowser.fetch('/api/tenant/users')).status).toBe(403)
    expect(await auditEntries({ action: 'grant.revoked', targetId: grant.id })).toHaveLength(1)
  })

  it('stop working when their window ends', async () => {
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const ownerBrowser = new Browser(alpha.primaryHost)
    await ownerBrowser.login(owner.email)
    const staffBrowser = new Browser(alpha.primaryHost)
    await staffBrowser.login(staff.email)
    const { grant } = (await (
      await ownerBrowser.fetch('/api/tenant/grants', { json: { granteeId: staff.id, action: 'tenant.users.read', reason: 'audit prep', minutes: 5 } })
    ).json()) as { grant: { id: string } }
    expect((await staffBrowser.fetch('/api/tenant/users')).status).toBe(200)
    await withDatabase(({ pool }) =>
      pool.query(`UPDATE public.permission_grants SET starts_at = now() - interval '10 minutes', expires_at = now() - interval '1 second' WHERE id = $1`, [grant.id]),
    )
    expect((await staffBrowser.fetch('/api/tenant/users')).status).toBe(403)
  })

  it('cannot hand out what the grantor lacks, or reach another tenant', async () => {
    const manager = await makeUser('TENANT_MANAGER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const managerBrowser = new Browser(alpha.primaryHost)
    await managerBrowser.login(manager.email)
    // managers do not hold tenant.grants.manage
    const res = await managerBrowser.fetch('/api/tenant/grants', { json: { granteeId: staff.id, action: 'tenant.users.read', reason: 'please' } })
    expect(res.status).toBe(403)

    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const ownerBrowser = new Browser(alpha.primaryHost)
    await ownerBrowser.login(owner.email)
    const platformAction = await ownerBrowser.fetch('/api/tenant/grants', { json: { granteeId: staff.id, action: 'platform.audit.read', reason: 'curious' } })
    expect(platformAction.status).toBe(403)
    const otherTenant = await createTenant('grant-beta')
    const outsider = await makeUser('TENANT_STAFF', otherTenant.id)
    const cross = await ownerBrowser.fetch('/api/tenant/grants', { json: { granteeId: outsider.id, action: 'tenant.users.read', reason: 'cross' } })
    expect(cross.status).toBe(404)
    const bad = await ownerBrowser.fetch('/api/tenant/grants', { json: { granteeId: staff.id, action: 'tenant.users.read', reason: 'x', minutes: 0 } })
    expect(bad.status).toBe(400)
  })
})

describe('audit log API', () => {
  it('lets platform admins filter the log and no one else read it', async () => {
    const manager = await makeUser('PLATFORM_MANAGER', null)
    const support = await makeUser('PLATFORM_SUPPORT', null)
    const admin = new Browser(`platform.${ROOT}`)
    await admin.login(manager.email)
    const res = await admin.fetch(`/api/platform/audit?action=login.*&user=${manager.id}&limit=5`)
    expect(res.status).toBe(200)
    const { entries } = (await res.json()) as { entries: { action: string; effectiveUserId: string }[] }
    expect(entries.length).toBeGreaterThan(0)
    expect(entries.every((e) => e.action.startsWith('login.') && e.effectiveUserId === manager.id)).toBe(true)
    expect((await admin.fetch('/api/platform/audit?limit=0')).status).toBe(400)
    expect((await admin.fetch('/api/platform/audit?actor=nope')).status).toBe(400)

    const reader = new Browser(`platform.${ROOT}`)
    await reader.login(support.email)
    expect((await reader.fetch('/api/platform/audit')).status).toBe(403)
  })

  it('cannot be rewritten', async () => {
    await withDatabase(async ({ pool }) => {
      await expect(pool.query(`UPDATE public.audit_log SET action = 'tampered'`)).rejects.toThrow(/append-only/)
      await expect(pool.query(`DELETE FROM public.audit_log`)).rejects.toThrow(/append-only/)
    })
  })
})

describe('platform users API input', () => {
  it('answers unknown and malformed ids, wrong types and role/tenant mismatches with 4xx JSON', async () => {
    const manager = await makeUser('PLATFORM_MANAGER', null)
    const admin = new Browser(`platform.${ROOT}`)
    await admin.login(manager.email)
    const unknown = await admin.fetch(`/api/platform/users/${crypto.randomUUID()}`, { method: 'PATCH', json: { isActive: false } })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_user' } })
    expect((await admin.fetch('/api/platform/users/12', { method: 'PATCH', json: { isActive: false } })).status).toBe(400)
    expect((await admin.fetch(`/api/platform/users/${manager.id}`, { method: 'PATCH', json: { isActive: 'no' } })).status).toBe(400)
    expect((await admin.fetch(`/api/platform/grants/not-an-id/revoke`, { json: {} })).status).toBe(400)

    const tenantRoleWithoutTenant = await admin.fetch('/api/platform/users', { json: { email: 'x@example.test', role: 'TENANT_STAFF' } })
    expect(tenantRoleWithoutTenant.status).toBe(400)
    expect(await tenantRoleWithoutTenant.json()).toMatchObject({ error: { details: [{ path: 'tenantId', message: expect.stringContaining('needs a tenantId') }] } })
    const platformRoleWithTenant = await admin.fetch('/api/platform/users', {
      json: { email: 'y@example.test', role: 'PLATFORM_SUPPORT', tenantId: alpha.id },
    })
    expect(platformRoleWithTenant.status).toBe(400)
    const created = await admin.fetch('/api/platform/users', {
      json: { email: `New.Person+${crypto.randomUUID().slice(0, 6)}@Example.test`, role: 'TENANT_STAFF', tenantId: alpha.id, password: 'a-good-long-password' },
    })
    expect(created.status).toBe(201)
    const { user } = (await created.json()) as { user: { email: string } }
    expect(user.email).toBe(user.email.toLowerCase())
    const duplicate = await admin.fetch('/api/platform/users', { json: { email: user.email.toUpperCase(), role: 'TENANT_STAFF', tenantId: alpha.id } })
    expect(duplicate.status).toBe(409)
    const ghostTenant = await admin.fetch('/api/platform/users', { json: { email: 'z@example.test', role: 'CUSTOMER', tenantId: crypto.randomUUID() } })
    expect(ghostTenant.status).toBe(404)
  })

  it('keeps sales to demo tenants and temporary accounts', async () => {
    const sales = await makeUser('PLATFORM_SALES', null)
    const browser = new Browser(`platform.${ROOT}`)
    await browser.login(sales.email)
    const real = await browser.fetch('/api/platform/tenants', { json: { slug: `real-${crypto.randomUUID().slice(0, 6)}`, name: 'Real Co' } })
    expect(real.status).toBe(403)
    const demo = await browser.fetch('/api/platform/tenants', { json: { slug: `demo-${crypto.randomUUID().slice(0, 6)}`, name: 'Demo Co', isDemo: true } })
    expect(demo.status).toBe(201)
    const { tenant } = (await demo.json()) as { tenant: { id: string } }
    const account = await browser.fetch('/api/platform/users', {
      json: { email: `prospect-${crypto.randomUUID().slice(0, 6)}@example.test`, role: 'TENANT_OWNER', tenantId: tenant.id, isTemporary: true },
    })
    expect(account.status).toBe(201)
    const intoReal = await browser.fetch('/api/platform/users', {
      json: { email: `x-${crypto.randomUUID().slice(0, 6)}@example.test`, role: 'TENANT_OWNER', tenantId: alpha.id, isTemporary: true },
    })
    expect(intoReal.status).toBe(403)
  })
})
