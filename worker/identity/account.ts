// Account flows as domain functions: sign-in (password, then TOTP when enrolled), password change
// and reset, MFA enrolment. Routes in routes.ts adapt them to HTTP and cookies.
import type { Pool } from '@neondatabase/serverless'
import { queueEmail } from '../communication/outbox'
import { AppError } from '../errors'
import { audit } from '../platform/audit'
import { enrolment, matchTotp, newRecoveryCodes, newTotpSecret, normalizeRecoveryCode } from './mfa'
import { randomToken, sha256Hex, verifyPassword } from './passwords'
import { seal, unseal } from './sealed'
import { createSession, loadSession, revokeUserSessions, type SessionContext } from './sessions'
import { clearFailures, lockedFor, recordFailure, throttleKeys, type ThrottleKey } from './throttle'
import { signMfaToken, verifyMfaToken, type Audience, type SigningKeys } from './tokens'
import { findUserForLogin, setPassword } from './users'

export interface HostScope {
  /** null on the platform host */
  tenantId: string | null
  audience: Audience
}

export interface Client {
  ip: string | null
  userAgent: string | null
}

export interface Secrets {
  keys: SigningKeys
  dataKey: string
}

export type LoginOutcome =
  | { kind: 'session'; ctx: SessionContext; refreshToken: string }
  | { kind: 'mfa-required'; mfaToken: string }

function tooMany(seconds: number): AppError {
  return new AppError(429, 'too_many_attempts', `Too many failed attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`, {
    retryAfterSeconds: seconds,
  })
}

const INVALID = () => new AppError(401, 'invalid_credentials', 'Email or password is incorrect.')

async function openSession(pool: Pool, userId: string, scope: HostScope, client: Client) {
  const { sessionId, refreshToken } = await createSession(pool, { userId, tenantId: scope.tenantId, ...client })
  const ctx = await loadSession(pool, sessionId)
  if (!ctx) throw new Error('a session just created could not be loaded')
  return { ctx, refreshToken }
}

/**
 * Password step. Unknown email, wrong password, disabled account and an account of another host all
 * answer the same way, take the same work (a PBKDF2 run) and count against the same counters.
 */
export async function passwordLogin(
  pool: Pool,
  secrets: Secrets,
  scope: HostScope,
  client: Client,
  input: { email: string; password: string },
): Promise<LoginOutcome> {
  const keys: ThrottleKey[] = [throttleKeys.account(input.email), ...(client.ip ? [throttleKeys.ip(client.ip)] : [])]
  const locked = await lockedFor(pool, keys)
  if (locked > 0) {
    await audit(pool, { action: 'login.locked_out', tenantId: scope.tenantId, ip: client.ip, detail: { email: input.email } })
    throw tooMany(locked)
  }
  const found = await findUserForLogin(pool, input.email)
  const passwordOk = await verifyPassword(input.password, found?.passwordHash)
  const user = found?.user
  const fitsHost = !!user && user.isActive && user.tenantId === scope.tenantId
  if (!passwordOk || !fitsHost) {
    let lockedNow = 0
    for (const key of keys) lockedNow = Math.max(lockedNow, await recordFailure(pool, key))
    await audit(pool, {
      action: 'login.failed',
      effectiveUserId: user?.id ?? null,
      tenantId: scope.tenantId,
      ip: client.ip,
      detail: { email: input.email, reason: !user ? 'unknown_email' : !passwordOk ? 'wrong_password' : !user.isActive ? 'disabled' : 'wrong_host' },
    })
    if (lockedNow > 0) {
      await audit(pool, { action: 'login.lockout', effectiveUserId: user?.id ?? null, tenantId: scope.tenantId, ip: client.ip, detail: { email: input.email, seconds: lockedNow } })
    }
    throw INVALID()
  }
  await clearFailures(pool, [throttleKeys.account(input.email)])
  if (user.mfaEnabled) {
    return { kind: 'mfa-required', mfaToken: await signMfaToken(secrets.keys, scope.audience, user.id) }
  }
  const opened = await openSession(pool, user.id, scope, client)
  await audit(pool, { action: 'login.succeeded', actorUserId: user.id, effectiveUserId: user.id, tenantId: scope.tenantId, ip: client.ip, sessionId: opened.ctx.session.id })
  return { kind: 'session', ...opened }
}

/** Checks a TOTP code (replay-proof) or a recovery code (single use) for the user. */
async function checkSecondFactor(pool: Pool, secrets: Secrets, userId: string, code: string): Promise<'totp' | 'recovery' | null> {
  const { rows } = await pool.query<{ mfa_secret: string | null; mfa_last_step: string | null }>(
    'SELECT mfa_secret, mfa_last_step FROM public.users WHERE id = $1',
    [userId],
  )
  const row = rows[0]
  if (!row?.mfa_secret) return null
  const secret = await unseal(secrets.dataKey, row.mfa_secret)
  const step = matchTotp(secret, code, Date.now(), row.mfa_last_step === null ? null : Number(row.mfa_last_step))
  if (step !== null) {
    // Compare-and-set, so two requests with the same code cannot both pass.
    const taken = await pool.query(
      'UPDATE public.users SET mfa_last_step = $2 WHERE id = $1 AND (mfa_last_step IS NULL OR mfa_last_step < $2)',
      [userId, step],
    )
    return taken.rowCount === 1 ? 'totp' : null
  }
  const normalized = normalizeRecoveryCode(code)
  if (normalized.length !== 10) return null
  const used = await pool.query(
    'UPDATE public.recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL',
    [userId, await sha256Hex(normalized)],
  )
  return used.rowCount === 1 ? 'recovery' : null
}

export async function mfaLogin(
  pool: Pool,
  secrets: Secrets,
  scope: HostScope,
  client: Client,
  input: { mfaToken: string; code: string },
): Promise<LoginOutcome> {
  const userId = await verifyMfaToken(secrets.keys, input.mfaToken, scope.audience)
  if (!userId) throw new AppError(401, 'invalid_mfa_token', 'The sign-in step expired; enter your password again.')
  const key = throttleKeys.mfa(userId)
  const locked = await lockedFor(pool, [key, ...(client.ip ? [throttleKeys.ip(client.ip)] : [])])
  if (locked > 0) throw tooMany(locked)
  const factor = await checkSecondFactor(pool, secrets, userId, input.code)
  if (!factor) {
    const lockedNow = await recordFailure(pool, key)
    await audit(pool, { action: 'mfa.failed', effectiveUserId: userId, tenantId: scope.tenantId, ip: client.ip, detail: { locked: lockedNow } })
    throw new AppError(401, 'invalid_code', 'That code is not valid.')
  }
  await clearFailures(pool, [key])
  const opened = await openSession(pool, userId, scope, client)
  if (opened.ctx.user.tenantId !== scope.tenantId || !opened.ctx.user.isActive) throw INVALID()
  await audit(pool, { action: 'login.succeeded', actorUserId: userId, effectiveUserId: userId, tenantId: scope.tenantId, ip: client.ip, sessionId: opened.ctx.session.id, detail: { mfa: factor } })
  return { kind: 'session', ...opened }
}

/** Changes the password, ends every session of the user, and opens a fresh one for this client. */
export async function changePassword(
  pool: Pool,
  current: SessionContext,
  scope: HostScope,
  client: Client,
  input: { currentPassword: string; newPassword: string },
) {
  const found = await findUserForLogin(pool, current.user.email)
  const key = throttleKeys.account(current.user.email)
  if ((await lockedFor(pool, [key])) > 0) throw tooMany(await lockedFor(pool, [key]))
  if (!found || !(await verifyPassword(input.currentPassword, found.passwordHash))) {
    await recordFailure(pool, key)
    throw new AppError(401, 'invalid_credentials', 'The current password is incorrect.')
  }
  await setPassword(pool, current.user.id, input.newPassword)
  await audit(pool, { action: 'password.changed', actorUserId: current.user.id, effectiveUserId: current.user.id, tenantId: current.user.tenantId, ip: client.ip, sessionId: current.session.id })
  await queueEmail(pool, {
    tenantId: current.user.tenantId,
    to: current.user.email,
    subject: 'Your password was changed',
    body: 'The password of your SmoothSchedule account was just changed and every other session was signed out. If this was not you, reset your password now.',
    template: 'password.changed',
  })
  return openSession(pool, current.user.id, scope, client)
}

export const RESET_TTL_SECONDS = 30 * 60

/** Always succeeds from the caller's view; an email goes out only if the account exists on this host. */
export async function requestPasswordReset(pool: Pool, scope: HostScope, client: Client, input: { email: string; origin: string }) {
  const found = await findUserForLogin(pool, input.email)
  if (!found || !found.user.isActive || found.user.tenantId !== scope.tenantId) {
    await audit(pool, { action: 'password.reset_requested', tenantId: scope.tenantId, ip: client.ip, detail: { email: input.email, matched: false } })
    return
  }
  const token = randomToken(32)
  await pool.query(
    `INSERT INTO public.password_reset_tokens (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
    [await sha256Hex(token), found.user.id, RESET_TTL_SECONDS],
  )
  const link = `${input.origin}/reset-password?token=${encodeURIComponent(token)}`
  await queueEmail(pool, {
    tenantId: found.user.tenantId,
    to: found.user.email,
    subject: 'Reset your password',
    body: `Someone asked to reset the password of your account. Open this link within 30 minutes to choose a new one:\n\n${link}\n\nIf it was not you, ignore this email; your password stays as it is.`,
    template: 'password.reset',
  })
  await audit(pool, { action: 'password.reset_requested', effectiveUserId: found.user.id, tenantId: scope.tenantId, ip: client.ip, detail: { matched: true } })
}

export async function confirmPasswordReset(pool: Pool, scope: HostScope, client: Client, input: { token: string; newPassword: string }) {
  const { rows } = await pool.query<{ user_id: string; tenant_id: string | null }>(
    `UPDATE public.password_reset_tokens r SET used_at = now() FROM public.users u
      WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND u.id = r.user_id AND u.is_active
        AND u.tenant_id IS NOT DISTINCT FROM $2
      RETURNING r.user_id, u.tenant_id`,
    [await sha256Hex(input.token), scope.tenantId],
  )
  const row = rows[0]
  if (!row) throw new AppError(400, 'invalid_token', 'This reset link is invalid, used or expired; ask for a new one.')
  await setPassword(pool, row.user_id, input.newPassword)
  await clearFailures(pool, [throttleKeys.mfa(row.user_id)])
  await audit(pool, { action: 'password.reset_completed', actorUserId: row.user_id, effectiveUserId: row.user_id, tenantId: row.tenant_id, ip: client.ip })
}

export async function startMfaEnrolment(pool: Pool, secrets: Secrets, current: SessionContext) {
  if (current.user.mfaEnabled) throw new AppError(409, 'mfa_already_enabled', 'Two-step sign-in is already on; turn it off first to re-enrol.')
  const secret = newTotpSecret()
  await pool.query('UPDATE public.users SET mfa_pending_secret = $2 WHERE id = $1', [current.user.id, await seal(secrets.dataKey, secret)])
  return enrolment(secret, current.user.email)
}

async function notifyMfaChange(pool: Pool, user: SessionContext['user'], enabled: boolean) {
  await queueEmail(pool, {
    tenantId: user.tenantId,
    to: user.email,
    subject: enabled ? 'Two-step sign-in is on' : 'Two-step sign-in was turned off',
    body: enabled
      ? 'Two-step sign-in was turned on for your account; other sessions were signed out. Keep your recovery codes somewhere safe.'
      : 'Two-step sign-in was turned off for your account and other sessions were signed out. If this was not you, reset your password now.',
    template: enabled ? 'mfa.enabled' : 'mfa.disabled',
  })
}

export async function confirmMfaEnrolment(pool: Pool, secrets: Secrets, current: SessionContext, scope: HostScope, client: Client, code: string) {
  const { rows } = await pool.query<{ mfa_pending_secret: string | null }>('SELECT mfa_pending_secret FROM public.users WHERE id = $1', [current.user.id])
  const pending = rows[0]?.mfa_pending_secret
  if (!pending) throw new AppError(409, 'no_enrolment', 'Start enrolment first (POST /api/auth/mfa/setup).')
  const step = matchTotp(await unseal(secrets.dataKey, pending), code, Date.now(), null)
  if (step === null) throw new AppError(400, 'invalid_code', 'That code does not match; check the time on your device and try again.')
  const { codes, hashes } = await newRecoveryCodes()
  await pool.query(
    `UPDATE public.users SET mfa_secret = mfa_pending_secret, mfa_pending_secret = NULL, mfa_enabled_at = now(), mfa_last_step = $2, updated_at = now() WHERE id = $1`,
    [current.user.id, step],
  )
  await pool.query('DELETE FROM public.recovery_codes WHERE user_id = $1', [current.user.id])
  await pool.query('INSERT INTO public.recovery_codes (user_id, code_hash) SELECT $1, unnest($2::text[])', [current.user.id, hashes])
  await revokeUserSessions(pool, current.user.id, 'mfa enabled')
  await audit(pool, { action: 'mfa.enabled', actorUserId: current.user.id, effectiveUserId: current.user.id, tenantId: current.user.tenantId, ip: client.ip, sessionId: current.session.id })
  await notifyMfaChange(pool, current.user, true)
  return { recoveryCodes: codes, ...(await openSession(pool, current.user.id, scope, client)) }
}

export async function disableMfa(
  pool: Pool,
  secrets: Secrets,
  current: SessionContext,
  scope: HostScope,
  client: Client,
  input: { password: string; code: string },
) {
  if (!current.user.mfaEnabled) throw new AppError(409, 'mfa_not_enabled', 'Two-step sign-in is not on.')
  const found = await findUserForLogin(pool, current.user.email)
  const passwordOk = await verifyPassword(input.password, found?.passwordHash)
  const factor = passwordOk ? await checkSecondFactor(pool, secrets, current.user.id, input.code) : null
  if (!passwordOk || !factor) {
    await recordFailure(pool, throttleKeys.mfa(current.user.id))
    throw new AppError(401, 'invalid_credentials', 'The password or code is incorrect.')
  }
  await pool.query(
    `UPDATE public.users SET mfa_secret = NULL, mfa_pending_secret = NULL, mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = now() WHERE id = $1`,
    [current.user.id],
  )
  await pool.query('DELETE FROM public.recovery_codes WHERE user_id = $1', [current.user.id])
  await revokeUserSessions(pool, current.user.id, 'mfa disabled')
  await audit(pool, { action: 'mfa.disabled', actorUserId: current.user.id, effectiveUserId: current.user.id, tenantId: current.user.tenantId, ip: client.ip, sessionId: current.session.id })
  await notifyMfaChange(pool, current.user, false)
  return openSession(pool, current.user.id, scope, client)
}
