// Authentication of each request: a Bearer or cookie access token pinned to this host's audience,
// checked against its live session in the database (so logout, disabling and password/MFA changes
// take effect at once). Cookies are host-only, HttpOnly, SameSite=Lax, Secure in production.
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { randomToken } from './passwords'
import { loadSession, rotateRefreshToken, touchSession, type SessionContext } from './sessions'
import { ACCESS_TTL_SECONDS, audienceFor, signAccessToken, verifyAccessToken, type Audience } from './tokens'
import type { Tenancy } from './tenancy'

export const COOKIES = { access: 'ss_access', refresh: 'ss_refresh', csrf: 'ss_csrf' } as const
export const CSRF_HEADER = 'x-csrf-token'

export type Auth =
  | ({ kind: 'user'; via: 'cookie' | 'bearer' } & SessionContext)
  /** the platform bootstrap token (docs/decisions/002): acts as SUPERUSER, audited as such */
  | { kind: 'bootstrap' }

export function audienceOf(tenancy: Tenancy): Audience | null {
  if (tenancy.kind === 'tenant') return audienceFor(tenancy.tenant.id)
  if (tenancy.kind === 'platform') return 'platform'
  return null
}

export function clientIp(c: Context): string | null {
  return c.req.header('cf-connecting-ip') ?? null
}

function cookieOptions(c: Context<AppEnv>, maxAge: number, httpOnly = true) {
  return { path: '/', httpOnly, secure: c.get('settings').ENVIRONMENT === 'production', sameSite: 'Lax' as const, maxAge }
}

export function clearAuthCookies(c: Context<AppEnv>) {
  for (const name of Object.values(COOKIES)) deleteCookie(c, name, { path: '/' })
}

/** Signs an access token for the session and sets the three cookies. Returns the access token. */
export async function startBrowserSession(c: Context<AppEnv>, ctx: SessionContext, refreshToken: string): Promise<string> {
  const accessToken = await signAccessToken(c.get('settings').AUTH_SIGNING_KEYS, audienceFor(ctx.session.tenantId), {
    sub: ctx.user.id,
    sid: ctx.session.id,
    role: ctx.user.role,
    tid: ctx.user.tenantId,
    act: ctx.realUser?.id ?? null,
  })
  const refreshMaxAge = Math.max(60, Math.floor((ctx.session.expiresAt.getTime() - Date.now()) / 1000))
  setCookie(c, COOKIES.access, accessToken, cookieOptions(c, ACCESS_TTL_SECONDS))
  setCookie(c, COOKIES.refresh, refreshToken, cookieOptions(c, refreshMaxAge))
  setCookie(c, COOKIES.csrf, getCookie(c, COOKIES.csrf) ?? randomToken(18), cookieOptions(c, refreshMaxAge, false))
  return accessToken
}

/** A session may be used only on the host scope it was made for. */
export function sessionFitsHost(ctx: SessionContext, tenancy: Tenancy): boolean {
  if (tenancy.kind === 'tenant') return ctx.session.tenantId === tenancy.tenant.id && ctx.user.tenantId === tenancy.tenant.id
  if (tenancy.kind === 'platform') return ctx.session.tenantId === null && ctx.user.tenantId === null
  return false
}

async function bootstrapMatches(c: Context<AppEnv>, presented: string): Promise<boolean> {
  const expected = c.get('settings').PLATFORM_BOOTSTRAP_TOKEN
  if (!expected || c.get('tenancy').kind !== 'platform') return false
  const enc = new TextEncoder()
  const [a, b] = await Promise.all([crypto.subtle.digest('SHA-256', enc.encode(presented)), crypto.subtle.digest('SHA-256', enc.encode(expected))])
  return (crypto.subtle as SubtleCrypto & { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean }).timingSafeEqual(a, b)
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set('auth', null)
  const tenancy = c.get('tenancy')
  const audience = audienceOf(tenancy)
  const header = c.req.header('authorization')
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined
  const cookieToken = getCookie(c, COOKIES.access)
  const pool = () => c.get('database')().pool

  if (bearer && (await bootstrapMatches(c, bearer))) {
    c.set('auth', { kind: 'bootstrap' })
    return next()
  }

  const token = bearer ?? cookieToken
  if (token && audience) {
    const claims = await verifyAccessToken(c.get('settings').AUTH_SIGNING_KEYS, token, audience)
    const ctx = claims ? await loadSession(pool(), claims.sid) : null
    if (ctx && claims && ctx.user.id === claims.sub && sessionFitsHost(ctx, tenancy)) {
      c.set('auth', { kind: 'user', via: bearer ? 'bearer' : 'cookie', ...ctx })
    } else if (bearer) {
      throw new AppError(401, 'invalid_token', 'The access token is invalid, expired, or not for this host.')
    } else {
      // A cookie that does not fit this host (another tenant's, a tenant user's on the platform host,
      // an ended session): clear it, so the visitor simply sees the sign-in page.
      clearAuthCookies(c)
    }
  } else if (token && !audience && !bearer) {
    clearAuthCookies(c)
  }

  // Page navigations renew an expired access token from the refresh cookie; API clients call
  // /api/auth/refresh themselves (parallel API calls would otherwise trip reuse detection).
  const refresh = getCookie(c, COOKIES.refresh)
  const isApi = c.req.path.startsWith('/api/')
  // Not on /ws either: a 101 answer is no place for new cookies, and a rotated refresh token the
  // browser never stored would trip reuse detection on its next page load.
  if (!c.get('auth') && !bearer && refresh && audience && !isApi && c.req.path !== '/ws' && c.req.method === 'GET') {
    const rotated = await rotateRefreshToken(pool(), refresh, tenancy.kind === 'tenant' ? tenancy.tenant.id : null)
    const ctx = rotated.ok ? await loadSession(pool(), rotated.sessionId) : null
    if (rotated.ok && ctx && sessionFitsHost(ctx, tenancy)) {
      await startBrowserSession(c, ctx, rotated.refreshToken)
      c.set('auth', { kind: 'user', via: 'cookie', ...ctx })
    } else {
      clearAuthCookies(c)
    }
  }

  const auth = c.get('auth')
  if (auth?.kind === 'user') {
    // Cookies ride along on cross-site requests; a state change by cookie must echo the CSRF cookie.
    if (auth.via === 'cookie' && isApi && !SAFE_METHODS.has(c.req.method)) {
      const expected = getCookie(c, COOKIES.csrf)
      if (!expected || c.req.header(CSRF_HEADER) !== expected) {
        throw new AppError(403, 'csrf_failed', `Send the value of the ${COOKIES.csrf} cookie in the ${CSRF_HEADER} header.`)
      }
    }
    await touchSession(pool(), auth.session.id)
  }
  await next()
}
