// Host-based routing end to end inside the Workers runtime: which host reaches whose data.
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../worker/app'
import { hostCache } from '../worker/identity/tenancy'
import { updateTenantProfile } from '../worker/platform/tenant-profile'
import { createTenant, request, ROOT, uniqueSlug, withDatabase, type CreatedTenant } from './helpers'

let alpha: CreatedTenant
let beta: CreatedTenant

async function setTagline(tenant: CreatedTenant, tagline: string) {
  await withDatabase((database) =>
    updateTenantProfile(database.db, { ...tenant, status: 'active', timeZone: 'UTC', plan: 'free', shard: 'main', isDemo: false }, { tagline }),
  )
}

beforeAll(async () => {
  alpha = await createTenant('alpha', 'Alpha Physio')
  beta = await createTenant('beta', 'Beta Barbers')
  // Same key, same table name, in both schemas: each host must see only its own row.
  await setTagline(alpha, 'Alpha tagline: sports injuries fixed')
  await setTagline(beta, 'Beta tagline: sharp fades')
})

describe('platform and marketing hosts', () => {
  it('serves the marketing page on the bare root and www', async () => {
    for (const host of [ROOT, `www.${ROOT}`]) {
      const res = await request(host, '/')
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('Scheduling that never double-books.')
    }
  })

  it('serves the platform sign-in on platform.<root> to a visitor', async () => {
    const res = await request(`platform.${ROOT}`, '/')
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Platform sign-in')
    expect(html).not.toContain('Alpha Physio')
  })

  it('reports health as JSON on the platform host', async () => {
    const res = await request(`platform.${ROOT}`, '/api/health')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ status: 'ok', database: { ok: true }, durableObject: { ok: true }, host: { kind: 'platform' } })
  })
})

describe('tenant hosts', () => {
  it("shows each tenant's own landing page", async () => {
    const a = await (await request(alpha.primaryHost, '/')).text()
    expect(a).toContain('Alpha Physio')
    expect(a).toContain('Alpha tagline: sports injuries fixed')
    expect(a).not.toContain('Beta')
    const b = await (await request(beta.primaryHost, '/')).text()
    expect(b).toContain('Beta Barbers')
    expect(b).toContain('Beta tagline: sharp fades')
    expect(b).not.toContain('Alpha')
  })

  it('reads same-named rows only from its own schema through the API', async () => {
    const res = await request(alpha.primaryHost, '/api/tenant')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      tenant: expect.objectContaining({ slug: alpha.slug, name: 'Alpha Physio', tagline: 'Alpha tagline: sports injuries fixed' }),
    })
  })

  it('ignores anything but the Host when deciding the tenant', async () => {
    const res = await request(alpha.primaryHost, `/api/tenant?tenant=${beta.slug}`, {
      headers: {
        'x-forwarded-host': beta.primaryHost,
        'x-smoothschedule-tenant-id': beta.id,
        'x-tenant': beta.slug,
      },
    })
    const body = (await res.json()) as { tenant: { slug: string; tagline: string } }
    expect(body.tenant.slug).toBe(alpha.slug)
    expect(body.tenant.tagline).not.toContain('Beta')
  })

  it('answers the health check with the tenant named', async () => {
    const res = await request(beta.primaryHost, '/api/health')
    expect(await res.json()).toMatchObject({ status: 'ok', host: { kind: 'tenant', tenant: beta.slug } })
  })

  it('serves a 404 page for a path no route claims', async () => {
    const res = await request(alpha.primaryHost, '/no/such/page')
    expect(res.status).toBe(404)
    expect(await res.text()).toContain('There is nothing at this address.')
  })
})

describe('custom domains', () => {
  it('routes a verified custom domain to its tenant, and an unverified one nowhere', async () => {
    const verified = `book.${uniqueSlug('alpha')}.example`
    const pending = `www.${uniqueSlug('alpha')}.example`
    await withDatabase(async ({ pool }) => {
      await pool.query(
        `INSERT INTO public.domains (host, tenant_id, is_custom, verification_token, verified_at) VALUES ($1, $2, true, 'tok1', now()), ($3, $2, true, 'tok2', NULL)`,
        [verified, alpha.id, pending],
      )
    })
    const res = await request(verified, '/api/tenant')
    expect(res.status).toBe(200)
    expect(((await res.json()) as { tenant: { slug: string } }).tenant.slug).toBe(alpha.slug)
    expect(await (await request(verified, '/')).text()).toContain('Alpha Physio')

    const unverified = await request(pending, '/api/tenant')
    expect(unverified.status).toBe(404)
    expect(await unverified.json()).toMatchObject({ error: { code: 'unknown_host' } })
  })
})

describe('hosts that belong to no tenant', () => {
  it.each([
    [`nosuch-${crypto.randomUUID().slice(0, 6)}.${ROOT}`],
    [`a.b.${ROOT}`],
    [`api.${ROOT}`],
    ['unclaimed.example.org'],
    ['127.0.0.1'],
  ])('%s gets a 404 JSON error on the API and a 404 page elsewhere, with no tenant data', async (host) => {
    const api = await request(host, '/api/tenant')
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ error: { code: 'unknown_host', message: expect.stringContaining('No business lives at') } })

    const page = await request(host, '/')
    expect(page.status).toBe(404)
    const html = await page.text()
    expect(html).toContain('No business lives at')
    expect(html).not.toContain('Alpha')
    expect(html).not.toContain('Beta')

    expect((await request(host, '/api/health')).status).toBe(404)
  })

  it('answers a malformed Host header with 400, as JSON and as a page', async () => {
    const app = createApp()
    const ctx = { waitUntil: () => {}, passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext
    for (const host of ['bad host', 'under_score.lvh.me', 'x'.repeat(300)]) {
      const api = await app.fetch(new Request('http://placeholder/api/tenant', { headers: { host } }), env, ctx)
      expect(api.status).toBe(400)
      expect(await api.json()).toMatchObject({ error: { code: 'invalid_host' } })
      const page = await app.fetch(new Request('http://placeholder/', { headers: { host } }), env, ctx)
      expect(page.status).toBe(400)
      expect(await page.text()).toContain('not a valid host name')
    }
  })

  it('does not serve a suspended tenant', async () => {
    const gamma = await createTenant('gamma', 'Gamma Gym')
    await withDatabase(({ pool }) => pool.query(`UPDATE public.tenants SET status = 'suspended' WHERE id = $1`, [gamma.id]))
    hostCache.clear()
    const res = await request(gamma.primaryHost, '/api/tenant')
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({ error: { code: 'tenant_suspended' } })
    expect((await request(gamma.primaryHost, '/')).status).toBe(403)
  })
})

describe('API errors', () => {
  it('answers unknown API routes with a JSON 404', async () => {
    const res = await request(alpha.primaryHost, '/api/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
  })

  it('serves the platform API only on the platform host', async () => {
    const res = await request(alpha.primaryHost, '/api/platform/tenants')
    expect(res.status).toBe(404)
  })

  it('serves the tenant API only on a tenant host', async () => {
    const res = await request(`platform.${ROOT}`, '/api/tenant')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'not_found' } })
  })
})
