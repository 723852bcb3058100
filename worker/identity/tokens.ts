// Signed tokens (jose, HS256 pinned): short-lived access tokens, and single-purpose tokens for the
// MFA step and the cross-host masquerade hand-off. Keys come from AUTH_SIGNING_KEYS ("kid:secret,…",
// the first one signs, all verify), so keys rotate by prepending a new one.
import { jwtVerify, SignJWT, errors as joseErrors, type JWTPayload } from 'jose'
import type { Role } from './permissions'

export const ISSUER = 'smoothschedule'
const ALGORITHM = 'HS256'
export const ACCESS_TTL_SECONDS = 10 * 60

export interface SigningKey {
  kid: string
  secret: Uint8Array
}

export interface SigningKeys {
  current: SigningKey
  byKid: Map<string, SigningKey>
}

export function parseSigningKeys(spec: string): SigningKeys {
  const list = spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const colon = part.indexOf(':')
      const kid = part.slice(0, colon)
      const secret = part.slice(colon + 1)
      if (colon < 1 || !/^[A-Za-z0-9._-]{1,40}$/.test(kid)) throw new Error('AUTH_SIGNING_KEYS entries look like kid:secret')
      if (secret.length < 32) throw new Error(`AUTH_SIGNING_KEYS: the secret of key "${kid}" must be at least 32 characters`)
      return { kid, secret: new TextEncoder().encode(secret) }
    })
  if (list.length === 0) throw new Error('AUTH_SIGNING_KEYS is empty')
  const kids = new Set(list.map((k) => k.kid))
  if (kids.size !== list.length) throw new Error('AUTH_SIGNING_KEYS: each key id may appear once (rotate by adding a new id)')
  return { current: list[0]!, byKid: new Map(list.map((k) => [k.kid, k])) }
}

/** The audience pins a token to one host scope: the platform, or one tenant. */
export type Audience = 'platform' | `tenant:${string}`

export function audienceFor(tenantId: string | null): Audience {
  return tenantId ? `tenant:${tenantId}` : 'platform'
}

export interface AccessClaims {
  sub: string
  sid: string
  role: Role
  tid: string | null
  /** the real user, when this session is a masquerade */
  act: string | null
}

type Purpose = 'access' | 'mfa' | 'handoff' | 'realtime'

async function sign(keys: SigningKeys, purpose: Purpose, audience: Audience, ttlSeconds: number, payload: JWTPayload, subject: string) {
  return new SignJWT({ ...payload, pur: purpose })
    .setProtectedHeader({ alg: ALGORITHM, kid: keys.current.kid, typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setSubject(subject)
    .setIssuedAt()
    .setJti(crypto.randomUUID())
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keys.current.secret)
}

async function verify(keys: SigningKeys, token: string, purpose: Purpose, audience: Audience): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(
      token,
      (header) => {
        const key = header.kid ? keys.byKid.get(header.kid) : undefined
        if (!key) throw new joseErrors.JWKSNoMatchingKey()
        return key.secret
      },
      { algorithms: [ALGORITHM], issuer: ISSUER, audience, typ: 'JWT', requiredClaims: ['exp', 'sub', 'jti'] },
    )
    return payload.pur === purpose ? payload : null
  } catch {
    return null
  }
}

export function signAccessToken(keys: SigningKeys, audience: Audience, claims: AccessClaims, ttlSeconds = ACCESS_TTL_SECONDS) {
  return sign(keys, 'access', audience, ttlSeconds, { sid: claims.sid, role: claims.role, tid: claims.tid, act: claims.act }, claims.sub)
}

export async function verifyAccessToken(keys: SigningKeys, token: string, audience: Audience): Promise<AccessClaims | null> {
  const payload = await verify(keys, token, 'access', audience)
  if (!payload || typeof payload.sid !== 'string' || typeof payload.role !== 'string') return null
  return {
    sub: payload.sub!,
    sid: payload.sid,
    role: payload.role as Role,
    tid: typeof payload.tid === 'string' ? payload.tid : null,
    act: typeof payload.act === 'string' ? payload.act : null,
  }
}

/** Proof that the password step succeeded; the MFA step must follow within 5 minutes. */
export function signMfaToken(keys: SigningKeys, audience: Audience, userId: string) {
  return sign(keys, 'mfa', audience, 5 * 60, {}, userId)
}

export async function verifyMfaToken(keys: SigningKeys, token: string, audience: Audience): Promise<string | null> {
  return (await verify(keys, token, 'mfa', audience))?.sub ?? null
}

/** Carries a freshly made masquerade session to another host, once, within a minute. */
export function signHandoffToken(keys: SigningKeys, audience: Audience, sessionId: string, refreshToken: string) {
  return sign(keys, 'handoff', audience, 60, { rt: refreshToken }, sessionId)
}

export async function verifyHandoffToken(keys: SigningKeys, token: string, audience: Audience) {
  const payload = await verify(keys, token, 'handoff', audience)
  return payload && typeof payload.rt === 'string' ? { sessionId: payload.sub!, refreshToken: payload.rt } : null
}

/** How long a realtime ticket may wait before it is used to open a socket. */
export const REALTIME_TICKET_TTL_SECONDS = 60

export type RealtimeTicket = { kind: 'session'; sessionId: string; userId: string } | { kind: 'booking'; bookingId: string; eventId: string }

/** A short-lived ticket for `/ws?token=`, for clients that cannot send the session cookie. */
export function signRealtimeTicket(keys: SigningKeys, audience: Audience, ticket: RealtimeTicket) {
  return ticket.kind === 'session'
    ? sign(keys, 'realtime', audience, REALTIME_TICKET_TTL_SECONDS, { sid: ticket.sessionId }, ticket.userId)
    : sign(keys, 'realtime', audience, REALTIME_TICKET_TTL_SECONDS, { bkg: ticket.bookingId, evt: ticket.eventId }, `booking:${ticket.bookingId}`)
}

export async function verifyRealtimeTicket(keys: SigningKeys, token: string, audience: Audience): Promise<RealtimeTicket | null> {
  const payload = await verify(keys, token, 'realtime', audience)
  if (!payload) return null
  if (typeof payload.sid === 'string') return { kind: 'session', sessionId: payload.sid, userId: payload.sub! }
  if (typeof payload.bkg === 'string' && typeof payload.evt === 'string') return { kind: 'booking', bookingId: payload.bkg, eventId: payload.evt }
  return null
}
