// Builds the Hono app: middleware order, API routers, the /ws upgrade and the Remix catch-all.
import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { z } from 'zod'
import { connectDatabase, type Database } from '../db/client'
import { PRINCIPAL_HEADER, SCHEMA_HEADER, TENANT_ID_HEADER } from '../durable-objects/tenant-hub'
import { socketPrincipal } from './realtime/connect'
import { realtimeRoutes } from './realtime/routes'
import type { AppEnv } from './context'
import { settingsOf } from './env'
import { AppError, pgErrorCode } from './errors'
import { databaseTenantLookup, resolveTenancy } from './identity/tenancy'
import { relayJustWritten } from './jobs/due'
import { communicationRoutes } from './communication/routes'
import { bodyLimit } from 'hono/body-limit'
import { isPublic } from './identity/access'
import { authenticate, type Auth } from './identity/auth'
import { authRoutes, describeSession, handoffRoute } from './identity/routes'
import { healthReport } from './platform/health'
import { publicRoutes, schedulingRoutes } from './scheduling/routes'
import { hubClient } from './scheduling/hub-client'
import { buildOpenApi, doc } from './openapi'
import { platformRoutes } from './platform/routes'
import { brandingRoutes, tenantRoutes } from './platform/tenant-routes'
import { LOGO_MAX_BYTES } from './platform/tenant-settings'
import { domainAdaptersFor } from './platform/domains'
import { handleRemixRequest } from './remix-handler'
import { zodDetails } from './validation'
import type { HostError } from '../app/load-context'

const isApi = (c: Context) => c.req.path === '/api' || c.req.path.startsWith('/api/')

function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } }
}

export function createApp() {
  const app = new Hono<AppEnv>()

  app.use('*', async (c, next) => {
    c.set('settings', settingsOf(c.env))
    c.set('requestId', c.req.header('cf-ray') ?? crypto.randomUUID())
    let database: Database | undefined
    const opened: Database[] = []
    c.set('database', () => {
      if (!database) {
        database = connectDatabase({ databaseUrl: c.get('settings').DATABASE_URL, wsProxy: c.get('settings').NEON_WS_PROXY })
        opened.push(database)
      }
      return database
    })
    c.set('releaseDatabase', async () => {
      const current = database
      database = undefined
      await current?.close()
    })
    const startedAt = new Date()
    try {
      await next()
    } finally {
      if (opened.length) {
        // A write may have left due jobs (a booking's confirmation): relay them before closing.
        const relay =
          c.req.method !== 'GET' && c.req.method !== 'HEAD'
            ? relayJustWritten(c.get('database')().pool, c.env.JOBS, startedAt).catch((error) => console.error('jobs: relay after the request failed (the cron will retry):', error))
            : Promise.resolve()
        const closing = relay.then(() => Promise.all(opened.map((d) => d.close())))
        try {
          c.executionCtx.waitUntil(closing)
        } catch {
          await closing // no execution context (direct app.fetch in tests)
        }
      }
    }
  })

  // Tenancy: the Host header alone decides whose data a request can reach.
  app.use('*', async (c, next) => {
    const settings = c.get('settings')
    const outcome = await resolveTenancy(c.req.header('host') ?? new URL(c.req.url).host, {
      rootDomain: settings.ROOT_DOMAIN,
      ttlSeconds: settings.HOST_CACHE_TTL_SECONDS,
      lookup: databaseTenantLookup(c.get('database')().db),
    })
    let hostError: HostError | null = null
    if (!outcome.ok) hostError = { status: outcome.status, code: outcome.code, message: outcome.message }
    else if (outcome.tenancy.kind === 'tenant' && outcome.tenancy.tenant.status !== 'active') {
      hostError = { status: 403, code: 'tenant_suspended', message: `${outcome.tenancy.tenant.name} is not taking bookings at the moment.` }
    }
    if (hostError) {
      if (isApi(c) || c.req.path === '/ws') return c.json(errorBody(hostError.code, hostError.message), hostError.status)
      return renderPage(c, null, hostError)
    }
    if (outcome.ok) c.set('tenancy', outcome.tenancy)
    await next()
  })

  app.use('*', authenticate)
  const apiBodyLimit = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) => c.json(errorBody('payload_too_large', 'The request body is larger than 64 KiB.'), 413),
  })
  const logoBodyLimit = bodyLimit({
    maxSize: LOGO_MAX_BYTES,
    onError: (c) => c.json(errorBody('logo_too_large', `The logo is larger than ${LOGO_MAX_BYTES / 1024} KiB.`), 413),
  })
  app.use('/api/*', (c, next) => (c.req.method === 'PUT' && c.req.path === '/api/tenant/settings/logo' ? logoBodyLimit(c, next) : apiBodyLimit(c, next)))

  app.get('/api/health', isPublic, doc({ summary: 'Reachability of the Worker, the database and the Durable Object' }), healthReport)
  let openApi: ReturnType<typeof buildOpenApi> | undefined
  app.get('/api/openapi.json', isPublic, doc({ summary: 'This document' }), (c) =>
    c.json((openApi ??= buildOpenApi(app, { title: 'SmoothSchedule Edge', version: '0.1.0' }))),
  )
  app.route('/api/auth', authRoutes)
  app.route('/api/platform', platformRoutes)
  app.route('/api/tenant', tenantRoutes)
  app.route('/api/tenant', schedulingRoutes)
  app.route('/api/tenant', communicationRoutes)
  app.route('/api/public/branding', brandingRoutes)
  app.route('/api/public', publicRoutes)
  app.route('/api/realtime', realtimeRoutes)
  app.all('/api/*', isPublic, (c) => c.json(errorBody('not_found', `No API route ${c.req.method} ${c.req.path}.`), 404))
  app.all('/api', isPublic, (c) => c.json(errorBody('not_found', 'See /api/health.'), 404))
  app.route('/auth/handoff', handoffRoute)

  app.get('/ws', async (c) => {
    const tenancy = c.get('tenancy')
    if (tenancy.kind !== 'tenant') return c.json(errorBody('not_found', 'Realtime is served on a business host only.'), 404)
    if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
      return c.json(errorBody('upgrade_required', 'GET /ws must be a WebSocket upgrade.'), 426)
    }
    const principal = await socketPrincipal(c)
    await c.get('releaseDatabase')() // a socket lives long; its request must not keep a connection
    // Only what the hub needs, set here: nothing the client sent is passed on.
    const headers = new Headers({ upgrade: 'websocket' })
    headers.set(TENANT_ID_HEADER, tenancy.tenant.id)
    headers.set(SCHEMA_HEADER, tenancy.tenant.schemaName)
    headers.set(PRINCIPAL_HEADER, JSON.stringify(principal))
    const topics = c.req.query('topics')
    const url = new URL('https://tenant-hub/ws')
    if (topics) url.searchParams.set('topics', topics.slice(0, 2000))
    const stub = c.env.TENANT_HUB.get(c.env.TENANT_HUB.idFromName(tenancy.tenant.id))
    return stub.fetch(new Request(url, { headers }))
  })

  app.all('*', (c) => renderPage(c, c.get('tenancy'), null))

  app.onError((error, c) => {
    if (error instanceof AppError) {
      return c.json(errorBody(error.code, error.message, error.details), error.status)
    }
    if (error instanceof z.ZodError) {
      return c.json(errorBody('invalid_input', 'The request is invalid.', zodDetails(error)), 400)
    }
    if (pgErrorCode(error) === '53300' || /too many (clients|connections)/i.test(String((error as Error)?.message))) {
      // The database has no connection slot free: a passing overload, not a bug.
      c.header('Retry-After', '2')
      return c.json(errorBody('database_busy', 'We are very busy right now; please try again in a moment.'), 503)
    }
    if (error instanceof HTTPException) {
      return c.json(errorBody('http_error', error.message || 'Request failed.'), error.status)
    }
    console.error(`[${c.get('requestId') ?? '-'}] unhandled error on ${c.req.method} ${c.req.path}:`, error)
    const body = errorBody('internal_error', 'Something went wrong on our side; it has been logged.')
    if (isApi(c)) return c.json(body, 500)
    return c.html('<!doctype html><title>Error</title><h1>Something went wrong</h1><p>It has been logged.</p>', 500)
  })

  return app
}

function authSummary(auth: Auth | null | undefined) {
  return auth?.kind === 'user' ? describeSession(auth) : null
}

async function renderPage(c: Context<AppEnv>, tenancy: AppEnv['Variables']['tenancy'] | null, hostError: HostError | null) {
  const settings = c.get('settings')
  // Cookies set earlier in this request (a renewed session, a cleared one) must reach the browser
  // on the page Remix renders, which is a Response of its own.
  const pendingCookies = c.res.headers.getSetCookie()
  const response = await handleRemixRequest(
    c.req.raw,
    {
      tenancy,
      hostError,
      rootDomain: settings.ROOT_DOMAIN,
      environment: settings.ENVIRONMENT,
      db: () => c.get('database')().db,
      pool: () => c.get('database')().pool,
      auth: authSummary(c.get('auth')),
      hub: tenancy?.kind === 'tenant' ? hubClient(c.env.TENANT_HUB, { tenantId: tenancy.tenant.id, schemaName: tenancy.tenant.schemaName }) : null,
      clientIp: c.req.header('cf-connecting-ip') ?? null,
      uploads: c.env.UPLOADS,
      dataKey: c.get('settings').DATA_ENCRYPTION_KEY,
      domainAdapters: domainAdaptersFor(settings),
    },
    settings.ENVIRONMENT,
  )
  if (pendingCookies.length === 0) return response
  const merged = new Response(response.body, response)
  for (const cookie of pendingCookies) merged.headers.append('set-cookie', cookie)
  return merged
}
