import { describe, expect, it } from 'vitest'
import { HostCache, resolveTenancy, type TenantLookup, type TenantSummary } from './tenancy'

function tenant(slug: string): TenantSummary {
  return {
    id: `id-${slug}`,
    slug,
    name: `${slug} Ltd`,
    schemaName: `t_${slug}`,
    status: 'active',
    timeZone: 'UTC',
    plan: 'free',
    shard: 'main',
    isDemo: false,
  }
}

/** An in-memory directory of tenants that counts how often it is asked. */
function directory(slugs: Record<string, TenantSummary>, domains: Record<string, TenantSummary> = {}) {
  const calls = { bySlug: 0, byVerifiedDomain: 0 }
  const lookup: TenantLookup = {
    async bySlug(slug) {
      calls.bySlug++
      return slugs[slug] ?? null
    },
    async byVerifiedDomain(host) {
      calls.byVerifiedDomain++
      return domains[host] ?? null
    },
  }
  return { lookup, calls }
}

describe('resolveTenancy', () => {
  const acme = tenant('acme')

  it('resolves a subdomain to its tenant and a verified custom domain to its tenant', async () => {
    const { lookup } = directory({ acme }, { 'book.acme.com': acme })
    const cache = new HostCache()
    const sub = await resolveTenancy('acme.lvh.me', { rootDomain: 'lvh.me', lookup, cache })
    expect(sub).toMatchObject({ ok: true, tenancy: { kind: 'tenant', via: 'subdomain', tenant: { id: 'id-acme' } } })
    const custom = await resolveTenancy('book.acme.com', { rootDomain: 'lvh.me', lookup, cache })
    expect(custom).toMatchObject({ ok: true, tenancy: { kind: 'tenant', via: 'custom-domain', tenant: { id: 'id-acme' } } })
  })

  it('answers 404 for a slug or domain that belongs to no tenant', async () => {
    const { lookup } = directory({ acme })
    expect(await resolveTenancy('nosuch.lvh.me', { rootDomain: 'lvh.me', lookup, cache: new HostCache() })).toMatchObject({
      ok: false,
      status: 404,
      code: 'unknown_host',
    })
    expect(await resolveTenancy('elsewhere.com', { rootDomain: 'lvh.me', lookup, cache: new HostCache() })).toMatchObject({
      ok: false,
      status: 404,
    })
  })

  it('answers 400 for a malformed host, without asking the database', async () => {
    const { lookup, calls } = directory({ acme })
    expect(await resolveTenancy('no spaces allowed', { rootDomain: 'lvh.me', lookup })).toMatchObject({
      ok: false,
      status: 400,
      code: 'invalid_host',
    })
    expect(calls).toEqual({ bySlug: 0, byVerifiedDomain: 0 })
  })

  it('asks the database once per host within the TTL, then again after it', async () => {
    let now = 1_000_000
    const cache = new HostCache(100, () => now)
    const { lookup, calls } = directory({ acme })
    for (let i = 0; i < 5; i++) await resolveTenancy('acme.lvh.me:8787', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 30 })
    expect(calls.bySlug).toBe(1)
    now += 31_000
    await resolveTenancy('acme.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 30 })
    expect(calls.bySlug).toBe(2)
  })

  it('remembers a miss for at most 5 seconds, so a new tenant appears quickly', async () => {
    let now = 0
    const cache = new HostCache(100, () => now)
    const slugs: Record<string, TenantSummary> = {}
    const { lookup } = directory(slugs)
    expect((await resolveTenancy('fresh.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 30 })).ok).toBe(false)
    slugs.fresh = tenant('fresh')
    now += 4_000
    expect((await resolveTenancy('fresh.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 30 })).ok).toBe(false)
    now += 2_000
    expect((await resolveTenancy('fresh.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 30 })).ok).toBe(true)
  })

  it('keeps subdomain and custom-domain entries apart and bounds its size', async () => {
    const cache = new HostCache(2)
    const { lookup, calls } = directory({ a1: tenant('a1'), a2: tenant('a2'), a3: tenant('a3') })
    for (const slug of ['a1', 'a2', 'a3']) await resolveTenancy(`${slug}.lvh.me`, { rootDomain: 'lvh.me', lookup, cache })
    await resolveTenancy('a1.lvh.me', { rootDomain: 'lvh.me', lookup, cache }) // evicted: asked again
    expect(calls.bySlug).toBe(4)
  })

  it('with a TTL of 0 never caches', async () => {
    const cache = new HostCache()
    const { lookup, calls } = directory({ acme })
    await resolveTenancy('acme.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 0 })
    await resolveTenancy('acme.lvh.me', { rootDomain: 'lvh.me', lookup, cache, ttlSeconds: 0 })
    expect(calls.bySlug).toBe(2)
  })
})
