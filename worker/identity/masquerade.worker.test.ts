// Masquerade end to end: who may act as whom, the hand-off between hosts, depth 1, stop, audit.
import { beforeAll, describe, expect, it } from 'vitest'
import { auditEntries, Browser, createTenant, makeUser, PASSWORD, ROOT, type CreatedTenant } from '../../test/helpers'

let alpha: CreatedTenant
let beta: CreatedTenant
const PLATFORM = `platform.${ROOT}`

beforeAll(async () => {
  alpha = await createTenant('masq-alpha', 'Alpha Masq')
  beta = await createTenant('masq-beta', 'Beta Masq')
})

/** Follows a hand-off URL in a fresh browser for that host. */
async function follow(redirectTo: string): Promise<Browser> {
  const url = new URL(redirectTo)
  const browser = new Browser(url.host)
  const res = await browser.fetch(`${url.pathname}${url.search}`)
  expect(res.status).toBe(303)
  expect(res.headers.get('location')).toBe('/')
  return browser
}

describe('masquerade', () => {
  it('lets support act as a tenant staff member on the tenant host, with a banner, and stop back to support', async () => {
    const support = await makeUser('PLATFORM_SUPPORT', null)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const platform = new Browser(PLATFORM)
    await platform.login(support.email)

    const started = await platform.fetch('/api/auth/masquerade', { json: { userId: staff.id } })
    expect(started.status).toBe(201)
    const { redirectTo } = (await started.json()) as { redirectTo: string }
    expect(new URL(redirectTo).host).toBe(alpha.primaryHost)

    const tenant = await follow(redirectTo)
    const me = (await (await tenant.fetch('/api/auth/me')).json()) as { user: { id: string }; masquerade: { active: boolean; realUser: { id: string } } }
    expect(me.user.id).toBe(staff.id)
    expect(me.masquerade).toMatchObject({ active: true, realUser: { id: support.id } })
    const page = await (await tenant.fetch('/')).text()
    expect(page).toContain('data-testid="masquerade-banner"')
    expect(page).toContain(support.email)

    const stopped = await tenant.fetch('/api/auth/masquerade/stop', { json: {} })
    expect(stopped.status).toBe(200)
    expect(((await stopped.json()) as { redirectTo: string }).redirectTo).toBe(`http://${PLATFORM}/`)
    expect((await tenant.fetch('/api/auth/me')).status).toBe(401)
    // back on the platform host, support is still themself
    const back = (await (await platform.fetch('/api/auth/me')).json()) as { user: { id: string }; masquerade: { active: boolean } }
    expect(back).toMatchObject({ user: { id: support.id }, masquerade: { active: false } })

    // the hand-off link worked once only
    const replay = new Browser(alpha.primaryHost)
    const again = await replay.fetch(`${new URL(redirectTo).pathname}${new URL(redirectTo).search}`)
    expect(again.headers.get('location')).toBe('/login?error=handoff')
    expect(replay.jar.get('ss_access')).toBeUndefined()

    const startedLog = await auditEntries({ action: 'masquerade.started', targetId: staff.id })
    expect(startedLog).toHaveLength(1)
    expect(startedLog[0]).toMatchObject({ actor_user_id: support.id, effective_user_id: staff.id, tenant_id: alpha.id })
    expect(startedLog[0].detail).toMatchObject({ hijacker: support.email, target: staff.email })
    expect(startedLog[0].session_id).toBeTruthy()
    expect(await auditEntries({ action: 'masquerade.stopped', targetId: staff.id })).toHaveLength(1)
  })

  it('lets an owner act as staff of the same tenant on the same host and return to the owner', async () => {
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    await browser.login(owner.email)
    const started = await browser.fetch('/api/auth/masquerade', { json: { userId: staff.id } })
    expect(started.status).toBe(201)
    expect(await started.json()).toMatchObject({ redirectTo: '/', user: { id: staff.id }, masquerade: { active: true } })

    // writes while masquerading are attributed to the real actor
    const update = await browser.fetch('/api/tenant/profile', { method: 'PATCH', json: { tagline: 'x' } })
    expect(update.status).toBe(403) // staff may not manage the profile: the masquerade has the target's rights only

    const stop = await browser.fetch('/api/auth/masquerade/stop', { json: {} })
    expect(await stop.json()).toMatchObject({ redirectTo: '/', user: { id: owner.id }, masquerade: { active: false } })
    expect((await (await browser.fetch('/api/auth/me')).json()) as object).toMatchObject({ user: { id: owner.id } })
  })

  it('records writes made while masquerading under the real actor', async () => {
    const superuser = await makeUser('SUPERUSER', null)
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const platform = new Browser(PLATFORM)
    await platform.login(superuser.email)
    const started = (await (await platform.fetch('/api/auth/masquerade', { json: { userId: owner.id } })).json()) as { redirectTo: string }
    const tenant = await follow(started.redirectTo)
    const update = await tenant.fetch('/api/tenant/profile', { method: 'PATCH', json: { tagline: 'Changed by support on behalf of the owner' } })
    expect(update.status).toBe(200)
    const [entry] = await auditEntries({ action: 'tenant.profile_updated', effectiveUserId: owner.id })
    expect(entry).toMatchObject({ actor_user_id: superuser.id, effective_user_id: owner.id, tenant_id: alpha.id })
  })

  it('ends the masquerade when its hand-off link is replayed', async () => {
    const support = await makeUser('PLATFORM_SUPPORT', null)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const platform = new Browser(PLATFORM)
    await platform.login(support.email)
    const { redirectTo } = (await (await platform.fetch('/api/auth/masquerade', { json: { userId: staff.id } })).json()) as { redirectTo: string }
    const tenant = await follow(redirectTo)
    const url = new URL(redirectTo)
    await new Browser(alpha.primaryHost).fetch(`${url.pathname}${url.search}`) // someone else uses the copied link
    expect((await tenant.fetch('/api/auth/me')).status).toBe(401)
  })

  it('refuses chains, self, superuser targets and roles without the right', async () => {
    const support = await makeUser('PLATFORM_SUPPORT', null)
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const otherStaff = await makeUser('TENANT_STAFF', beta.id)
    const superuser = await makeUser('SUPERUSER', null)

    const platform = new Browser(PLATFORM)
    await platform.login(support.email)
    expect((await platform.fetch('/api/auth/masquerade', { json: { userId: superuser.id } })).status).toBe(403)
    expect((await platform.fetch('/api/auth/masquerade', { json: { userId: support.id } })).status).toBe(403)

    // depth 1: support acting as the owner cannot go on to act as staff
    const started = (await (await platform.fetch('/api/auth/masquerade', { json: { userId: owner.id } })).json()) as { redirectTo: string }
    const asOwner = await follow(started.redirectTo)
    const chain = await asOwner.fetch('/api/auth/masquerade', { json: { userId: staff.id } })
    expect(chain.status).toBe(403)
    expect(await chain.json()).toMatchObject({ error: { code: 'masquerade_forbidden' } })

    // an owner cannot reach another tenant's staff; staff cannot masquerade at all
    const ownerBrowser = new Browser(alpha.primaryHost)
    await ownerBrowser.login(owner.email)
    expect((await ownerBrowser.fetch('/api/auth/masquerade', { json: { userId: otherStaff.id } })).status).toBe(403)
    const staffBrowser = new Browser(alpha.primaryHost)
    await staffBrowser.login(staff.email)
    expect((await staffBrowser.fetch('/api/auth/masquerade', { json: { userId: owner.id } })).status).toBe(403)
    expect(await auditEntries({ action: 'masquerade.denied', targetId: superuser.id })).toHaveLength(1)
  })

  it('forbids changing password or MFA while masquerading', async () => {
    const owner = await makeUser('TENANT_OWNER', alpha.id)
    const staff = await makeUser('TENANT_STAFF', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    await browser.login(owner.email)
    await browser.fetch('/api/auth/masquerade', { json: { userId: staff.id } })
    const pw = await browser.fetch('/api/auth/password', { json: { currentPassword: PASSWORD, newPassword: 'hijacked-password' } })
    expect(pw.status).toBe(403)
    expect(await pw.json()).toMatchObject({ error: { code: 'not_while_masquerading' } })
    expect((await browser.fetch('/api/auth/mfa/setup', { json: {} })).status).toBe(403)
  })

  it('needs the CSRF header and a valid user id', async () => {
    const support = await makeUser('PLATFORM_SUPPORT', null)
    const platform = new Browser(PLATFORM)
    await platform.login(support.email)
    const forged = await platform.fetch('/api/auth/masquerade', { json: { userId: crypto.randomUUID() }, headers: { 'x-csrf-token': 'nope' } })
    expect(forged.status).toBe(403)
    expect((await platform.fetch('/api/auth/masquerade', { json: { userId: 'not-a-uuid' } })).status).toBe(400)
    expect((await platform.fetch('/api/auth/masquerade', { json: { userId: crypto.randomUUID() } })).status).toBe(404)
    expect((await platform.fetch('/api/auth/masquerade/stop', { json: {} })).status).toBe(409)
  })
})
