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
