// Sign-in, sessions, refresh rotation, revocation, lockout, the platform-host rule, password reset.
import { beforeAll, describe, expect, it } from 'vitest'
import { auditEntries, Browser, createTenant, makeUser, PASSWORD, request, ROOT, withDatabase, type CreatedTenant } from '../../test/helpers'
import { TEST_PLATFORM_TOKEN } from '../../test/constants'
import { ROLES, isPlatformRole } from './permissions'

let alpha: CreatedTenant
let beta: CreatedTenant
const PLATFORM = `platform.${ROOT}`

beforeAll(async () => {
  alpha = await createTenant('auth-alpha', 'Alpha Auth')
  beta = await createTenant('auth-beta', 'Beta Auth')
})

describe('sign-in on the right host only', () => {
  it.each(ROLES)('%s signs in on its own host and nowhere else', async (role) => {
    const user = await makeUser(role, isPlatformRole(role) ? null : alpha.id)
    const home = isPlatformRole(role) ? PLATFORM : alpha.primaryHost
    const elsewhere = isPlatformRole(role) ? [alpha.primaryHost] : [PLATFORM, beta.primaryHost]

    const browser = new Browser(home)
    const res = await browser.login(user.email)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { user: { role: string; email: string } }
    expect(body.user).toMatchObject({ role, email: user.email })
    const me = await browser.fetch('/api/auth/me')
    expect(me.status).toBe(200)

    for (const host of elsewhere) {
      const other = await new Browser(host).login(user.email)
      expect(other.status).toBe(401)
      expect(await other.json()).toMatchObject({ error: { code: 'invalid_credentials' } })
    }
  })

  it('sets host-only, HttpOnly, SameSite cookies and an access token bound to the host', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    const res = await new Browser(alpha.primaryHost).login(user.email)
    const cookies = res.headers.getSetCookie()
    const access = cookies.find((c) => c.startsWith('ss_access='))!
    const refresh = cookies.find((c) => c.startsWith('ss_refresh='))!
    for (const c of [access, refresh]) {
      expect(c).toMatch(/HttpOnly/i)
      expect(c).toMatch(/SameSite=Lax/i)
      expect(c).not.toMatch(/Domain=/i)
    }
    const { accessToken } = (await res.json()) as { accessToken: string }
    // the same token is refused on another tenant's host
    const onBeta = await request(beta.primaryHost, '/api/auth/me', { headers: { authorization: `Bearer ${accessToken}` } })
    expect(onBeta.status).toBe(401)
    expect(await onBeta.json()).toMatchObject({ error: { code: 'invalid_token' } })
    const onAlpha = await request(alpha.primaryHost, '/api/auth/me', { headers: { authorization: `Bearer ${accessToken}` } })
    expect(onAlpha.status).toBe(200)
  })

  it('is not offered on the marketing host', async () => {
    const res = await new Browser(ROOT).login('someone@example.test')
    expect(res.status).toBe(404)
  })

  it('answers an unknown email exactly like a wrong password', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    const wrong = await new Browser(alpha.primaryHost).login(user.email, 'not-the-password')
    const unknown = await new Browser(alpha.primaryHost).login(`nobody-${crypto.randomUUID()}@example.test`, 'not-the-password')
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(unknown.status)
    expect(await wrong.json()).toEqual(await unknown.json())
  })

  it('refuses a disabled account with the same answer', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    await withDatabase(({ pool }) => pool.query('UPDATE public.users SET is_active = false WHERE id = $1', [user.id]))
    const res = await new Browser(alpha.primaryHost).login(user.email)
    expect(res.status).toBe(401)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_credentials' } })
  })

  it('validates the body', async () => {
    const browser = new Browser(alpha.primaryHost)
    const missing = await browser.fetch('/api/auth/login', { json: { email: 'x@example.test' } })
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ error: { code: 'invalid_input', details: [{ path: 'password' }] } })
    const wrongType = await browser.fetch('/api/auth/login', { json: { email: 42, password: true } })
    expect(wrongType.status).toBe(400)
    const huge = await browser.fetch('/api/auth/login', { json: { email: 'x@example.test', password: 'p'.repeat(70_000) } })
    expect(huge.status).toBe(413)
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } })
  })
})

describe('brute-force protection', () => {
  it('locks an account after repeated failures, across requests and for the right password too', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    for (let i = 0; i < 5; i++) {
      expect((await new Browser(alpha.primaryHost).login(user.email, `wrong-${i}`)).status).toBe(401)
    }
    const locked = await new Browser(alpha.primaryHost).login(user.email)
    expect(locked.status).toBe(429)
    expect(await locked.json()).toMatchObject({ error: { code: 'too_many_attempts', details: { retryAfterSeconds: expect.any(Number) } } })
    expect(await auditEntries({ action: 'login.lockout', effectiveUserId: user.id })).toHaveLength(1)
  })

  it('locks an unknown email the same way (no enumeration through lockouts)', async () => {
    const ghost = `ghost-${crypto.randomUUID()}@example.test`
    for (let i = 0; i < 5; i++) await new Browser(alpha.primaryHost).login(ghost, 'whatever-password')
    expect((await new Browser(alpha.primaryHost).login(ghost, 'whatever-password')).status).toBe(429)
  })

  it('throttles one IP that tries many accounts', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`
    const statuses: number[] = []
    for (let i = 0; i < 31; i++) {
      const res = await new Browser(alpha.primaryHost).fetch('/api/auth/login', {
        json: { email: `spray-${i}-${crypto.randomUUID()}@example.test`, password: 'guess-guess' },
        headers: { 'cf-connecting-ip': ip },
      })
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true)
    expect(statuses[30]).toBe(429)
  })
})

describe('sessions', () => {
  it('rotates the refresh token and revokes the family when a used one comes back', async () => {
    const user = await makeUser('TENANT_MANAGER', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    await browser.login(user.email)
    const firstRefresh = browser.jar.get('ss_refresh')!

    const refreshed = await browser.fetch('/api/auth/refresh', { json: {} })
    expect(refreshed.status).toBe(200)
    const secondRefresh = browser.jar.get('ss_refresh')!
    expect(secondRefresh).not.toBe(firstRefresh)

    // an attacker replays the first token
    const thief = new Browser(alpha.primaryHost)
    thief.jar.set('ss_refresh', firstRefresh)
    const replay = await thief.fetch('/api/auth/refresh', { json: {} })
    expect(replay.status).toBe(401)

    // the whole family is gone: the legitimate holder is signed out too
    expect((await browser.fetch('/api/auth/refresh', { json: {} })).status).toBe(401)
    expect((await browser.fetch('/api/auth/me')).status).toBe(401)
    expect(await auditEntries({ action: 'session.refresh_reuse' })).not.toHaveLength(0)
  })

  it('logout ends the session at once, even for a copied access token', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    const { accessToken } = (await (await browser.login(user.email)).json()) as { accessToken: string }
    expect((await browser.fetch('/api/auth/logout', { json: {} })).status).toBe(200)
    const copied = await request(alpha.primaryHost, '/api/auth/me', { headers: { authorization: `Bearer ${accessToken}` } })
    expect(copied.status).toBe(401)
    expect(browser.jar.get('ss_access')).toBeUndefined()
  })

  it('refuses a cookie-authenticated write without the CSRF header', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    await browser.login(user.email)
    const res = await browser.fetch('/api/auth/logout', { json: {}, headers: { 'x-csrf-token': 'forged' } })
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'csrf_failed' } })
    expect((await browser.fetch('/api/auth/me')).status).toBe(200)
  })

  it('changing the password ends every other session and keeps this one signed in', async () => {
    const user = await makeUser('TENANT_OWNER', alpha.id)
    const laptop = new Browser(alpha.primaryHost)
    const phone = new Browser(alpha.primaryHost)
    await laptop.login(user.email)
    await phone.login(user.email)
    const wrong = await laptop.fetch('/api/auth/password', { json: { currentPassword: 'nope-nope-nope', newPassword: 'a-brand-new-password' } })
    expect(wrong.status).toBe(401)
    const changed = await laptop.fetch('/api/auth/password', { json: { currentPassword: PASSWORD, newPassword: 'a-brand-new-password' } })
    expect(changed.status).toBe(200)
    expect((await laptop.fetch('/api/auth/me')).status).toBe(200)
    expect((await phone.fetch('/api/auth/me')).status).toBe(401)
    expect((await new Browser(alpha.primaryHost).login(user.email)).status).toBe(401)
    expect((await new Browser(alpha.primaryHost).login(user.email, 'a-brand-new-password')).status).toBe(200)
  })

  it('disabling a user ends their sessions at once', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    await browser.login(user.email)
    const res = await request(PLATFORM, `/api/platform/users/${user.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TEST_PLATFORM_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ isActive: false }),
    })
    expect(res.status).toBe(200)
    expect((await browser.fetch('/api/auth/me')).status).toBe(401)
  })
})

describe('the platform host', () => {
  it("clears a tenant user's session cookie and shows the platform sign-in", async () => {
    const user = await makeUser('TENANT_OWNER', alpha.id)
    const tenantBrowser = new Browser(alpha.primaryHost)
    await tenantBrowser.login(user.email)
    // the same cookies presented to the platform host (as if the cookie jar were shared)
    const platform = new Browser(PLATFORM)
    for (const name of ['ss_access', 'ss_refresh', 'ss_csrf']) platform.jar.set(name, tenantBrowser.jar.get(name)!)
    const page = await platform.fetch('/')
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('Platform sign-in')
    expect(html).not.toContain(user.email)
    expect(platform.jar.get('ss_access')).toBeUndefined()
    expect(platform.jar.get('ss_refresh')).toBeUndefined()
    // and not redirected into the tenant
    expect(page.headers.get('location')).toBeNull()
  })
})

describe('password reset by email', () => {
  async function outboxFor(email: string) {
    return withDatabase(async ({ pool }) => (await pool.query('SELECT subject, body FROM public.outbox_messages WHERE recipient = $1', [email])).rows)
  }

  it('emails a link that sets a new password once', async () => {
    const user = await makeUser('CUSTOMER', alpha.id)
    const browser = new Browser(alpha.primaryHost)
    const asked = await browser.fetch('/api/auth/password-reset', { json: { email: user.email } })
    expect(asked.status).toBe(202)
    const [mail] = await outboxFor(user.email)
    expect(mail.subject).toBe('Reset your password')
    const link = /https?:\/\/\S+reset-password\?token=(\S+)/.exec(mail.body)!
    expect(link[0]).toContain(alpha.primaryHost)
    const token = decodeURIComponent(link[1]!)
    const done = await browser.fetch('/api/auth/password-reset/confirm', { json: { token, newPassword: 'reset-new-password' } })
    expect(done.status).toBe(200)
    expect((await new Browser(alpha.primaryHost).login(user.email, 'reset-new-password')).status).toBe(200)
    const again = await browser.fetch('/api/auth/password-reset/confirm', { json: { token, newPassword: 'another-password' } })
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ error: { code: 'invalid_token' } })
  })

  it('answers an unknown email the same way and sends nothing', async () => {
    const email = `nobody-${crypto.randomUUID()}@example.test`
    const res = await new Browser(alpha.primaryHost).fetch('/api/auth/password-reset', { json: { email } })
    expect(res.status).toBe(202)
    expect(await outboxFor(email)).toEqual([])
  })

  it("does not reset another host's account", async () => {
    const user = await makeUser('CUSTOMER', alpha.id)
    await new Browser(beta.primaryHost).fetch('/api/auth/password-reset', { json: { email: user.email } })
    expect(await outboxFor(user.email)).toEqual([])
  })
})
