// The OpenAPI 3.1 document of /api, built from the routes themselves: each route's access(...)
// declaration and its doc(...) marker (summary, zod schemas of body and query, via z.toJSONSchema).
import type { Hono, MiddlewareHandler } from 'hono'
import { z } from 'zod'
import { ACCESS, type AccessRule } from './identity/access'

export const DOC = Symbol.for('smoothschedule.doc')

export interface RouteDoc {
  summary: string
  tag?: string
  body?: z.ZodType
  query?: z.ZodType
  /** the success status, 200 unless said */
  status?: number
}

export type DocMiddleware = MiddlewareHandler & { [DOC]: RouteDoc }

export function doc(route: RouteDoc): DocMiddleware {
  const passThrough: MiddlewareHandler = (_c, next) => next()
  return Object.assign(passThrough, { [DOC]: route })
}

function jsonSchema(schema: z.ZodType) {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return rest
}

function tagOf(path: string): string {
  const part = path.split('/')[2] ?? 'api'
  return { auth: 'Identity', platform: 'Platform', tenant: 'Business portal', public: 'Public booking', health: 'Operations' }[part] ?? part
}

// Hono keeps routes in a list; the same method+path appears once per handler in its chain.
type RouteEntry = { method: string; path: string; handler: unknown }

export function buildOpenApi(app: Hono<any>, info: { title: string; version: string }) {
  const grouped = new Map<string, { method: string; path: string; access?: AccessRule; doc?: RouteDoc }>()
  for (const route of app.routes as RouteEntry[]) {
    if (!route.path.startsWith('/api/') || route.path.endsWith('*') || route.method === 'ALL') continue
    const key = `${route.method} ${route.path}`
    const entry = grouped.get(key) ?? { method: route.method, path: route.path }
    const handler = route.handler as Record<symbol, unknown>
    if (handler[ACCESS]) entry.access = handler[ACCESS] as AccessRule
    if (handler[DOC]) entry.doc = handler[DOC] as RouteDoc
    grouped.set(key, entry)
  }
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path, access, doc: d } of grouped.values()) {
    const openPath = path.replace(/:([A-Za-z]+)/g, '{$1}')
    const parameters: unknown[] = [...path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }))
    if (d?.query) {
      const q = jsonSchema(d.query) as { properties?: Record<string, unknown>; required?: string[] }
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema })
      }
    }
    const status = String(d?.status ?? (method === 'POST' ? 201 : 200))
    const secured = access && access.kind !== 'public'
    ;(paths[openPath] ??= {})[method.toLowerCase()] = {
      summary: d?.summary ?? `${method} ${path}`,
      tags: [d?.tag ?? tagOf(path)],
      ...(parameters.length ? { parameters } : {}),
      ...(d?.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(d.body) } } } } : {}),
      security: secured ? [{ cookieAuth: [] }, { bearerAuth: [] }] : [],
      ...(access ? { 'x-access': access.kind === 'action' ? access.action : access.kind } : {}),
      responses: {
        [status]: { description: 'Success' },
        '4XX': { description: 'The request was refused; the body says why.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
    }
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'SmoothSchedule Edge API. Every error is `{ "error": { "code", "message", "details?" } }`.' },
    paths,
    components: {
      securitySchemes: {
        cookieAuth: { type: 'apiKey', in: 'cookie', name: 'ss_access', description: 'Browser session; writes must echo the ss_csrf cookie in x-csrf-token.' },
        bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
      },
    },
  }
}
