// Password hashing with WebCrypto PBKDF2-SHA256 (salted, slow) and constant-time comparison.
// workerd caps PBKDF2 at 100,000 iterations; the stored format names its parameters so a
// stronger KDF can be rolled in on next login (docs/decisions/006).
const ITERATIONS = 100_000
const SALT_BYTES = 16
const HASH_BYTES = 32

const encoder = new TextEncoder()

function toBase64(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s)
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text)
  const bytes = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i)
  return bytes
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(password.normalize('NFKC')), 'PBKDF2', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BYTES * 8)
  return new Uint8Array(bits)
}

/** Constant-time equality of two byte strings of equal length. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES))
  const hash = await derive(password, salt, ITERATIONS)
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`
}

function parseStored(stored: string) {
  const [scheme, iterations, salt, hash, extra] = stored.split('$')
  if (scheme !== 'pbkdf2-sha256' || iterations !== String(ITERATIONS) || !salt || !hash || extra !== undefined) return null
  try {
    const parsed = { iterations: ITERATIONS, salt: fromBase64(salt), hash: fromBase64(hash) }
    return parsed.salt.length >= 8 && parsed.hash.length === HASH_BYTES ? parsed : null
  } catch {
    return null // not base64
  }
}

/** False for a wrong password, a missing hash or a corrupt one; the work done is the same in every case. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = stored ? parseStored(stored) : null
  const actual = await derive(password, parsed?.salt ?? new Uint8Array(SALT_BYTES), ITERATIONS)
  return parsed !== null && constantTimeEqual(actual, parsed.hash)
}

export function needsRehash(stored: string): boolean {
  return !stored.startsWith(`pbkdf2-sha256$${ITERATIONS}$`)
}

export const base64 = { encode: toBase64, decode: fromBase64 }

/** SHA-256 hex of a high-entropy secret (refresh tokens, reset tokens, recovery codes). */
export async function sha256Hex(value: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(value)))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A URL-safe random token with `bytes` of entropy. */
export function randomToken(bytes = 32): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
