// Platform API access until accounts exist: a long random secret (PLATFORM_BOOTSTRAP_TOKEN)
// presented as a Bearer token, compared in constant time. See docs/decisions/002.
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context'
import { AppError } from '../errors'

/** workerd's SubtleCrypto has timingSafeEqual; the DOM typings the Remix app needs do not. */
type WorkersSubtleCrypto = SubtleCrypto & { timingSafeEqual(a: ArrayBuffer, b: ArrayBuffer): boolean }

async function digest(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest('SHA-256', new TextEncoder().encode(value))
}

export const requirePlatformToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  const expected = c.get('settings').PLATFORM_BOOTSTRAP_TOKEN
  if (!expected) {
    throw new AppError(503, 'platform_api_disabled', 'The platform API is disabled: PLATFORM_BOOTSTRAP_TOKEN is not set.')
  }
  const header = c.req.header('authorization') ?? ''
  const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : ''
  const [a, b] = await Promise.all([digest(presented), digest(expected)])
  // Digests have equal length, so timingSafeEqual never throws and leaks nothing about the length.
  if (!presented || !(crypto.subtle as WorkersSubtleCrypto).timingSafeEqual(a, b)) {
    throw new AppError(401, 'unauthorized', 'A valid platform token is required (Authorization: Bearer <token>).')
  }
  await next()
}
