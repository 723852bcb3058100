// Reading and validating request input at the edge: malformed or invalid input is a 400 that says what was wrong.
import type { Context } from 'hono'
import { z } from 'zod'
import { AppError } from './errors'

export function zodDetails(error: z.ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
}

export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? ''
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json.')
  }
  let body: unknown
  try {
    body = await c.req.json()
  } catch {
    throw new AppError(400, 'malformed_json', 'The request body is not valid JSON.')
  }
  const nul = findNul(body)
  if (nul !== null) throw new AppError(400, 'invalid_input', 'Text may not contain NUL characters.', [{ path: nul, message: 'contains a NUL character' }])
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    throw new AppError(400, 'invalid_input', 'The request body is invalid.', zodDetails(parsed.error))
  }
  return parsed.data
}

/** Postgres text cannot hold U+0000; find the first string that has one (its path), or null. */
export function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = findNul(v, path ? `${path}.${i}` : String(i))
      if (found !== null) return found
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findNul(v, path ? `${path}.${k}` : k)
      if (found !== null) return found
    }
  }
  return null
}

export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.infer<S> {
  const query = c.req.query()
  const nul = findNul(query)
  if (nul !== null) throw new AppError(400, 'invalid_query', 'The query string may not contain NUL characters.', [{ path: nul, message: 'contains a NUL character' }])
  const parsed = schema.safeParse(query)
  if (!parsed.success) throw new AppError(400, 'invalid_query', 'The query string is invalid.', zodDetails(parsed.error))
  return parsed.data
}

export function readParam(c: Context, name: string, schema: z.ZodType<string> = z.uuid()): string {
  const parsed = schema.safeParse(c.req.param(name))
  if (!parsed.success) throw new AppError(400, 'invalid_id', `${name} must be a valid id.`, zodDetails(parsed.error))
  return parsed.data
}
