// /api/auth/*: sign-in, session, password, MFA and masquerade endpoints (thin adapters over account.ts,
// masquerade.ts and sessions.ts). /auth/handoff carries a masquerade across hosts.
import { Hono, type Context } from 'hono'
import { doc } from '../openapi'
import { getCookie } from 'hono/cookie'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { readJson } from '../validation'
import { accountOwner, isPublic, signedIn } from './access'
import {
  changePassword,
  confirmMfaEnrolment,
  confirmPasswordReset,
  disableMfa,
  mfaLogin,
  passwordLogin,
  requestPasswordReset,
  startMfaEnrolment,
  type HostScope,
  type LoginOutcome,
} from './account'
import { audienceOf, clearAuthCookies, clientIp, COOKIES, startBrowserSession, type Auth } from './auth'
import { startMasquerade, stopMasquerade } from './masquerade'
import { loadSession, revokeSession, rotateRefreshToken, type SessionContext } from './sessions'
import { ACCESS_TTL_SECONDS, audienceFor, signHandoffToken, verifyHandoffToken } from './tokens'
import { email, newPassword } from './users'
import { audit } from '../platform/audit'
import { hubClient } from '../scheduling/hub-client'

export const authRoutes = new Hono<AppEnv>()

function hostScope(c: Context<AppEnv>): HostScope {
  const tenancy = c.get('tenancy')
  const audience = audienceOf(tenancy)
  if (!audience) throw new AppError(404, 'not_found', 'Sign-in is served on the platform host and on business hosts.')
  return { tenantId: tenancy.kind === 'tenant' ? tenancy.tenant.id : null, audience }
}

const client = (c: Context<AppEnv>) => ({ ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null })
const secrets = (c: Context<AppEnv>) => ({ keys: c.get('settings').AUTH_SIGNING_KEYS, dataKey: c.get('settings').DATA_ENCRYPTION_KEY })
const pool = (c: Context<AppEnv>) => c.get('database')().pool

/** On a business host, the live sockets opened with an ended session close at once. */
async function closeSessionSockets(c: Context<AppEnv>, sessionId: string): Promise<void> {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') return
  await hubClient(c.env.TENANT_HUB, { tenantId: tenancy.tenant.id, schemaName: tenancy.tenant.schemaName }).endSession(sessionId)
}

function userSession(c: Context<AppEnv>): SessionContext {
  const auth = c.get('auth') as Extract<Auth, { kind: 'user' }> | null
  if (!auth || auth.kind !== 'user') throw new AppError(401, 'unauthenticated', 'Sign in first.')
  return auth
}

export function describeSession(ctx: SessionContext) {
  return {
    user: {
      id: ctx.user.id,
      email: ctx.user.email,
      displayName: ctx.user.displayName,
      role: ctx.user.role,
      tenantId: ctx.user.tenantId,
      mfaEnabled: ctx.user.mfaEnabled,
      isTemporary: ctx.user.isTemporary,
    },
    masquerade: ctx.realUser
      ? { active: true as const, realUser: { id: ctx.realUser.id, email: ctx.realUser.email, role: ctx.realUser.role } }
      : { active: false as const },
    session: { id: ctx.session.id, expiresAt: ctx.session.expiresAt.toISOString() },
  }
}

async function respondWithSession(c: Context<AppEnv>, outcome: LoginOutcome, status: 200 | 201 = 200) {
  if (outcome.kind === 'mfa-required') return c.json({ mfaRequired: true, mfaToken: outcome.mfaToken }, 200)
  const accessToken = await startBrowserSession(c, outcome.ctx, outcome.refreshToken)
  return c.json({ ...describeSession(outcome.ctx), accessToken, expiresIn: ACCESS_TTL_SECONDS }, status)
}

const loginBody = z.object({ email, password: z.string().min(1, 'password is required').max(200) })

authRoutes.post('/login', isPublic, doc({ summary: 'Sign in with email and password (then /login/mfa if asked)', body: loginBody, status: 200 }), async (c) => {
  const input = await readJson(c, loginBody)
  return respondWithSession(c, await passwordLogin(pool(c), secrets(c), hostScope(c), client(c), input))
})

authRoutes.post('/login/mfa', isPublic, doc({ summary: 'Second sign-in step: a TOTP or recovery code', status: 200 }), async (c) => {
  const input = await readJson(c, z.object({ mfaToken: z.string().min(10).max(2000), code: z.string().min(6).max(20) }))
  return respondWithSession(c, await mfaLogin(pool(c), secrets(c), hostScope(c), client(c), input))
})

authRoutes.post('/refresh', isPublic, doc({ summary: 'Rotate the refresh token (cookie) and get a new access token', status: 200 }), async (c) => {
  const scope = hostScope(c)
  const presented = getCookie(c, COOKIES.refresh)
  if (!presented) throw new AppError(401, 'no_session', 'No refresh token: sign in.')
  const rotated = await rotateRefreshToken(pool(c), presented, scope.tenantId)
  if (!rotated.ok) {
    clearAuthCookies(c)
    if (rotated.reason === 'reused') {
      await audit(pool(c), { action: 'session.refresh_reuse', ip: clientIp(c), sessionId: rotated.sessionId ?? null, tenantId: scope.tenantId })
    }
    throw new AppError(401, 'session_expired', 'Your session has ended; sign in again.')
  }
  const ctx = await loadSession(pool(c), rotated.sessionId)
  if (!ctx || ctx.session.tenantId !== scope.tenantId) {
    clearAuthCookies(c)
    throw new AppError(401, 'session_expired', 'Your session has ended; sign in again.')
  }
  return respondWithSession(c, { kind: 'session', ctx, refreshToken: rotated.refreshToken })
})

authRoutes.post('/logout', signedIn, doc({ summary: 'End this session', status: 200 }), async (c) => {
  const ctx = userSession(c)
  await revokeSession(pool(c), ctx.session.id, 'logout')
  await closeSessionSockets(c, ctx.session.id)
  await audit(pool(c), { action: 'logout', actorUserId: ctx.realUser?.id ?? ctx.user.id, effectiveUserId: ctx.user.id, tenantId: ctx.user.tenantId, ip: clientIp(c), sessionId: ctx.session.id })
  clearAuthCookies(c)
  return c.json({ ok: true })
})

authRoutes.get('/me', signedIn, doc({ summary: 'Who is signed in, and the real user behind a masquerade' }), (c) => c.json(describeSession(userSession(c))))

authRoutes.post('/password', accountOwner, doc({ summary: 'Change your password (ends other sessions)', status: 200 }), async (c) => {
  const input = await readJson(c, z.object({ currentPassword: z.string().min(1).max(200), newPassword }))
  const opened = await changePassword(pool(c), userSession(c), hostScope(c), client(c), input)
  return respondWithSession(c, { kind: 'session', ...opened })
})

authRoutes.post('/password-reset', isPublic, doc({ summary: 'Email a password-reset link', status: 202 }), async (c) => {
  const input = await readJson(c, z.object({ email }))
  await requestPasswordReset(pool(c), hostScope(c), client(c), { email: input.email, origin: new URL(c.req.url).origin })
  return c.json({ ok: true, message: 'If an account with that email exists here, a reset link is on its way.' }, 202)
})

authRoutes.post('/password-reset/confirm', isPublic, doc({ summary: 'Set a new password from a reset link', status: 200 }), async (c) => {
  const input = await readJson(c, z.object({ token: z.string().min(20).max(200), newPassword }))
  await confirmPasswordReset(pool(c), hostScope(c), client(c), input)
  return c.json({ ok: true })
})

authRoutes.post('/mfa/setup', accountOwner, doc({ summary: 'Start TOTP enrolment: secret, otpauth URI and QR code', status: 200 }), async (c) => c.json(await startMfaEnrolment(pool(c), secrets(c), userSession(c))))

authRoutes.post('/mfa/confirm', accountOwner, doc({ summary: 'Confirm TOTP enrolment with a code; returns recovery codes', status: 200 }), async (c) => {
  const { code } = await readJson(c, z.object({ code: z.string().min(6).max(10) }))
  const result = await confirmMfaEnrolment(pool(c), secrets(c), userSession(c), hostScope(c), client(c), code)
  const accessToken = await startBrowserSession(c, result.ctx, result.refreshToken)
  return c.json({ recoveryCodes: result.recoveryCodes, ...describeSession(result.ctx), accessToken })
})

authRoutes.post('/mfa/disable', accountOwner, doc({ summary: 'Turn TOTP off (password and a code)', status: 200 }), async (c) => {
  const input = await readJson(c, z.object({ password: z.string().min(1).max(200), code: z.string().min(6).max(20) }))
  const opened = await disableMfa(pool(c), secrets(c), userSession(c), hostScope(c), client(c), input)
  return respondWithSession(c, { kind: 'session', ...opened })
})

function originFor(c: Context<AppEnv>, host: string): string {
  const url = new URL(c.req.url)
  return `${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`
}

authRoutes.post('/masquerade', signedIn, doc({ summary: 'Act as another user (per the masquerade matrix)' }), async (c) => {
  const { userId } = await readJson(c, z.object({ userId: z.uuid() }))
  const { ctx, refreshToken, target } = await startMasquerade(pool(c), userSession(c), userId, client(c))
  const here = hostScope(c)
  if (ctx.session.tenantId === here.tenantId) {
    await startBrowserSession(c, ctx, refreshToken)
    return c.json({ ...describeSession(ctx), redirectTo: '/' }, 201)
  }
  // The target lives on another host: hand the new session over through a one-minute, one-use link.
  const root = c.get('settings').ROOT_DOMAIN
  const host = ctx.session.tenantId ? (target.tenantPrimaryHost ?? `${target.tenantSlug}.${root}`) : `platform.${root}`
  const token = await signHandoffToken(c.get('settings').AUTH_SIGNING_KEYS, audienceFor(ctx.session.tenantId), ctx.session.id, refreshToken)
  return c.json({ ...describeSession(ctx), redirectTo: `${originFor(c, host)}/auth/handoff?token=${encodeURIComponent(token)}` }, 201)
})

authRoutes.post('/masquerade/stop', signedIn, doc({ summary: 'Stop masquerading and return to your own session', status: 200 }), async (c) => {
  const { parent, refreshToken } = await stopMasquerade(pool(c), userSession(c), client(c))
  await closeSessionSockets(c, userSession(c).session.id)
  clearAuthCookies(c)
  const here = hostScope(c)
  if (!parent || !refreshToken) return c.json({ ok: true, redirectTo: '/login' })
  if (parent.session.tenantId === here.tenantId) {
    await startBrowserSession(c, parent, refreshToken)
    return c.json({ ok: true, ...describeSession(parent), redirectTo: '/' })
  }
  // The original session lives on another host, where its cookies still are.
  const root = c.get('settings').ROOT_DOMAIN
  const { rows } = parent.session.tenantId
    ? await pool(c).query<{ host: string }>('SELECT host FROM public.domains WHERE tenant_id = $1 AND is_primary', [parent.session.tenantId])
    : { rows: [{ host: `platform.${root}` }] }
  return c.json({ ok: true, redirectTo: `${originFor(c, rows[0]?.host ?? `platform.${root}`)}/` })
})

/** GET /auth/handoff?token=… — not under /api: a browser navigation that sets cookies and goes home. */
export const handoffRoute = new Hono<AppEnv>()
handoffRoute.get('/', isPublic, async (c) => {
  const audience = audienceOf(c.get('tenancy'))
  const token = c.req.query('token')
  const claims = audience && token ? await verifyHandoffToken(c.get('settings').AUTH_SIGNING_KEYS, token, audience) : null
  if (!claims) return c.redirect('/login?error=handoff', 303)
  const rotated = await rotateRefreshToken(pool(c), claims.refreshToken, hostScope(c).tenantId) // single use: a replay revokes the session
  const ctx = rotated.ok && rotated.sessionId === claims.sessionId ? await loadSession(pool(c), rotated.sessionId) : null
  const scope = hostScope(c)
  if (!rotated.ok || !ctx || ctx.session.tenantId !== scope.tenantId) return c.redirect('/login?error=handoff', 303)
  await startBrowserSession(c, ctx, rotated.refreshToken)
  return c.redirect('/', 303)
})
