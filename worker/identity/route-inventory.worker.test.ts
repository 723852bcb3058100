// Every /api route declares who may call it (access(...)); a route without one fails this test.
import { describe, expect, it } from 'vitest'
import { createApp } from '../app'
import { ACCESS } from './access'

describe('route inventory', () => {
  it('has an authorization declaration on every /api endpoint', () => {
    const app = createApp()
    const endpoints = new Map<string, boolean>()
    for (const route of app.routes) {
      if (!route.path.startsWith('/api')) continue
      if (route.method === 'ALL' && route.path.endsWith('*') && !(ACCESS in route.handler)) continue // middleware
      const key = `${route.method} ${route.path}`
      endpoints.set(key, (endpoints.get(key) ?? false) || ACCESS in route.handler)
    }
    const undeclared = [...endpoints].filter(([, declared]) => !declared).map(([key]) => key)
    expect(undeclared).toEqual([])
    expect(endpoints.size).toBeGreaterThan(20)
    expect([...endpoints.keys()]).toContain('POST /api/auth/masquerade')
  })
})

describe('OpenAPI document', () => {
  it('describes every /api endpoint with its access rule, and request schemas where there are bodies', async () => {
    const { request } = await import('../../test/helpers')
    const res = await request('platform.lvh.me', '/api/openapi.json')
    expect(res.status).toBe(200)
    const document = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { summary: string; 'x-access'?: string; requestBody?: unknown }>> }
    expect(document.openapi).toBe('3.1.0')
    const app = createApp()
    const documented = new Set(Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)))
    const endpoints = app.routes
      .filter((r) => r.path.startsWith('/api/') && !r.path.endsWith('*') && r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:([A-Za-z]+)/g, '{$1}')}`)
    for (const endpoint of endpoints) expect(documented, endpoint).toContain(endpoint)
    const booking = document.paths['/api/public/bookings']!.post!
    expect(booking['x-access']).toBe('public')
    expect(JSON.stringify(booking.requestBody)).toContain('serviceId')
    expect(document.paths['/api/tenant/events']!.get!['x-access']).toBe('tenant.calendar.read_own')
    for (const ops of Object.values(document.paths)) for (const op of Object.values(ops)) expect(op.summary).not.toMatch(/^(GET|POST|PUT|PATCH|DELETE) /)
  })
})
