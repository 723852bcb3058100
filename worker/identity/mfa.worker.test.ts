// Two-step sign-in with TOTP: enrolment, sign-in, replay, recovery codes, revocation, disabling.
import { beforeAll, describe, expect, it } from 'vitest'
import { Browser, createTenant, makeUser, PASSWORD, type CreatedTenant } from '../../test/helpers'
import { totpCodeAt } from './mfa'

let alpha: CreatedTenant
beforeAll(async () => {
  alpha = await createTenant('mfa-alpha', 'Alpha MFA')
})

async function enrol(email: string) {
  const browser = new Browser(alpha.primaryHost)
  await browser.login(email)
  const setup = await browser.fetch('/api/auth/mfa/setup', { json: {} })
  expect(setup.status).toBe(200)
  const { secret, otpauthUri, qrSvg } = (await setup.json()) as { secret: string; otpauthUri: string; qrSvg: string }
  expect(otpauthUri).toMatch(/^otpauth:\/\/totp\/SmoothSchedule:/)
  expect(qrSvg).toContain('<svg')
  const wrong = await browser.fetch('/api/auth/mfa/confirm', { json: { code: '000000' } })
  expect(wrong.status).toBe(400)
  const confirmed = await browser.fetch('/api/auth/mfa/confirm', { json: { code: totpCodeAt(secret, Date.now()) } })
  expect(confirmed.status).toBe(200)
  const { recoveryCodes } = (await confirmed.json()) as { recoveryCodes: string[] }
  return { browser, secret, recoveryCodes }
}

describe('TOTP sign-in', () => {
  it('asks for a code after the password, accepts a fresh one once, and refuses a replay', async () => {
    const user = await makeUser('TENANT_MANAGER', alpha.id)
    const other = new Browser(alpha.primaryHost)
    await other.login(user.email)
    const { browser, secret, recoveryCodes } = await enrol(user.email)
    expect(recoveryCodes).toHaveLength(10)
    // enabling MFA ended other sessions and kept this one
    expect((await other.fetch('/api/auth/me')).status).toBe(401)
    expect((await browser.fetch('/api/auth/me')).status).toBe(200)

    const step1 = await new Browser(alpha.primaryHost).login(user.email)
    const { mfaRequired, mfaToken } = (await step1.json()) as { mfaRequired: boolean; mfaToken: string }
    expect(mfaRequired).toBe(true)
    expect(step1.headers.getSetCookie().some((c) => c.startsWith('ss_access='))).toBe(false)

    const wrong = await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code: '123456' } })
    expect(wrong.status).toBe(401)

    // the enrolment used the current step; the next step's code (one step of skew) is fresh
    const code = totpCodeAt(secret, Date.now() + 30_000)
    const ok = await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code } })
    expect(ok.status).toBe(200)
    const replay = await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code } })
    expect(replay.status).toBe(401)

    // a recovery code works once
    const viaRecovery = await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code: recoveryCodes[0] } })
    expect(viaRecovery.status).toBe(200)
    expect((await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code: recoveryCodes[0] } })).status).toBe(401)
  })

  it('never lets a valid code stand in for the password', async () => {
    const user = await makeUser('TENANT_MANAGER', alpha.id)
    const { secret } = await enrol(user.email)
    const res = await new Browser(alpha.primaryHost).login(user.email, 'wrong-password')
    expect(res.status).toBe(401)
    expect(await res.json()).not.toHaveProperty('mfaToken')
    const forged = await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', {
      json: { mfaToken: 'eyJhbGciOiJIUzI1NiJ9.e30.invalid-signature', code: totpCodeAt(secret, Date.now() + 30_000) },
    })
    expect(forged.status).toBe(401)
  })

  it('locks the second step after repeated wrong codes', async () => {
    const user = await makeUser('TENANT_STAFF', alpha.id)
    await enrol(user.email)
    const { mfaToken } = (await (await new Browser(alpha.primaryHost).login(user.email)).json()) as { mfaToken: string }
    for (let i = 0; i < 5; i++) {
      expect((await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code: '000000' } })).status).toBe(401)
    }
    expect((await new Browser(alpha.primaryHost).fetch('/api/auth/login/mfa', { json: { mfaToken, code: '000000' } })).status).toBe(429)
  })

  it('turns off with the password and a code, and ends other sessions', async () => {
    const user = await makeUser('TENANT_OWNER', alpha.id)
    const { browser, recoveryCodes } = await enrol(user.email)
    const wrong = await browser.fetch('/api/auth/mfa/disable', { json: { password: 'not-it-at-all', code: recoveryCodes[1] } })
    expect(wrong.status).toBe(401)
    const off = await browser.fetch('/api/auth/mfa/disable', { json: { password: PASSWORD, code: recoveryCodes[2] } })
    expect(off.status).toBe(200)
    const login = await new Browser(alpha.primaryHost).login(user.email)
    expect(await login.json()).toMatchObject({ user: { mfaEnabled: false } })
  })
})
