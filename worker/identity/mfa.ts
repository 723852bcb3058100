// TOTP (RFC 6238) second factor with otpauth: secrets, the otpauth:// URI and QR code for
// enrolment, replay-proof verification (a time step is accepted once), and recovery codes.
import { Secret, TOTP } from 'otpauth'
import { renderSVG } from 'uqr'
import { randomToken, sha256Hex } from './passwords'

export const TOTP_PERIOD = 30
const ISSUER = 'SmoothSchedule'

function totp(secretBase32: string, label = 'account') {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: TOTP_PERIOD, secret: Secret.fromBase32(secretBase32) })
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

export function enrolment(secretBase32: string, accountLabel: string) {
  const uri = totp(secretBase32, accountLabel).toString()
  return { secret: secretBase32, otpauthUri: uri, qrSvg: renderSVG(uri) }
}

/** For tests and tools: the code a correct authenticator shows at `timestamp`. */
export function totpCodeAt(secretBase32: string, timestamp: number): string {
  return totp(secretBase32).generate({ timestamp })
}

/**
 * Returns the time step the code belongs to (allowing one step of clock skew either way), or
 * null. A step at or before `lastStep` was already used: refused, so a code cannot be replayed.
 */
export function matchTotp(secretBase32: string, code: string, now: number, lastStep: number | null): number | null {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return null
  const delta = totp(secretBase32).validate({ token, timestamp: now, window: 1 })
  if (delta === null) return null
  const step = Math.floor(now / 1000 / TOTP_PERIOD) + delta
  if (lastStep !== null && step <= lastStep) return null
  return step
}

export function normalizeRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase()
}

export async function newRecoveryCodes(count = 10): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: count }, () => {
    const raw = randomToken(8).replace(/[^A-Za-z0-9]/g, '').toLowerCase().padEnd(10, '0').slice(0, 10)
    return `${raw.slice(0, 5)}-${raw.slice(5)}`
  })
  return { codes, hashes: await Promise.all(codes.map((c) => sha256Hex(normalizeRecoveryCode(c)))) }
}
