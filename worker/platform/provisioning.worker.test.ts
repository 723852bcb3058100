// Tenant provisioning through the platform API and the domain function, on a real database.
import { describe, expect, it } from 'vitest'
import { tenantMigrations, type Migration } from '../../db/migrate'
import { createTenant, platformPost, request, ROOT, uniqueSlug, withDatabase } from '../../test/helpers'
import { provisionTenant } from './tenants'

async function footprint(slug: string) {
  return withDatabase(async ({ pool }) => {
    const schema = `t_${slug.replace(/-/g, '_')}`
    const [tenants, schemas, domains, ledger] = await Promise.all([
      pool.query('SELECT 1 FROM public.tenants WHERE slug = $1', [slug]),
      pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]),
      pool.query(`SELECT 1 FROM public.domains WHERE host = $1`, [`${slug}.${ROOT}`]),
      pool.query('SELECT 1 FROM public.schema_migrations WHERE schema_name = $1', [schema]),
    ])
    return { tenants: tenants.rowCount, schemas: schemas.rowCount, domains: domains.rowCount, ledger: ledger.rowCount }
  })
}

const nothing = { tenants: 0, schemas: 0, domains: 0, ledger: 0 }

describe('POST /api/platform/tenants', () => {
  it('creates the tenant row, its schema with every tenant migration, and a verified primary domain', async () => {
    const slug = uniqueSlug('fresh')
    const res = await platformPost('/api/platform/tenants', { slug, name: 'Fresh Clinic', timeZone: 'Europe/London' })
    expect(res.status).toBe(201)
    const { tenant } = (await res.json()) as { tenant: { id: string; schemaName: string; primaryHost: string } }
    expect(tenant).toMatchObject({ schemaName: `t_${slug.replace(/-/g, '_')}`, primaryHost: `${slug}.${ROOT}` })

    await withDatabase(async ({ pool }) => {
      const ledger = await pool.query('SELECT version FROM public.schema_migrations WHERE schema_name = $1 ORDER BY version', [
        tenant.schemaName,
      ])
      expect(ledger.rows.map((r) => r.version)).toEqual(tenantMigrations.map((m) => m.version))
      const tables = await pool.query('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [tenant.schemaName])
      expect(tables.rows.map((r) => r.table_name)).toContain('settings')
      const domain = await pool.query('SELECT is_primary, verified_at FROM public.domains WHERE tenant_id = $1', [tenant.id])
      expect(domain.rows).toEqual([{ is_primary: true, verified_at: expect.any(Date) }])
    })
    // reachable straight away
    expect(await (await request(tenant.primaryHost, '/')).text()).toContain('Fresh Clinic')
  })

  it.each([
    [{ slug: 'Bad Slug!', name: 'X' }, 'slug'],
    [{ slug: 'ab', name: 'X' }, 'slug'],
    [{ slug: 'www', name: 'X' }, 'slug'],
    [{ slug: 'platform', name: 'X' }, 'slug'],
    [{ slug: 'a--b', name: 'X' }, 'slug'],
    [{ slug: 'valid-slug', name: '' }, 'name'],
    [{ slug: 'valid-slug', name: 'X', timeZone: 'Nowhere/Land' }, 'timeZone'],
    [{ slug: 'valid-slug', name: 'X', plan: 'platinum' }, 'plan'],
    [{ name: 'X' }, 'slug'],
  ])('rejects %j with a 400 naming %s, and writes nothing', async (body, field) => {
    const res = await platformPost('/api/platform/tenants', body)
    expect(res.status).toBe(400)
    const json = (await res.json()) as { error: { code: string; details: { path: string }[] } }
    expect(json.error.code).toBe('invalid_input')
    expect(json.error.details.map((d) => d.path)).toContain(field)
    const slug = (body as { slug?: string }).slug
    if (slug) expect(await footprint(slug.toLowerCase())).toEqual(nothing)
  })

  it('rejects a taken slug with 409 and leaves the first tenant as it was', async () => {
    const first = await createTenant('taken', 'First Owner')
    const res = await platformPost('/api/platform/tenants', { slug: first.slug, name: 'Second Owner' })
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'slug_taken' } })
    await withDatabase(async ({ pool }) => {
      const rows = await pool.query('SELECT name FROM public.tenants WHERE slug = $1', [first.slug])
      expect(rows.rows).toEqual([{ name: 'First Owner' }])
    })
  })

  it('gives exactly one of several simultaneous requests for a slug its tenant', async () => {
    const slug = uniqueSlug('race')
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => platformPost('/api/platform/tenants', { slug, name: `Racer ${i}` })),
    )
    const statuses = results.map((r) => r.status).sort()
    expect(statuses).toEqual([201, 409, 409, 409])
    expect(await footprint(slug)).toEqual({ tenants: 1, schemas: 1, domains: 1, ledger: tenantMigrations.length })
  })

  it('refuses malformed JSON and other content types', async () => {
    const malformed = await request(`platform.${ROOT}`, '/api/platform/tenants', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${(await import('../../test/constants')).TEST_PLATFORM_TOKEN}` },
      body: '{"slug": "x",',
    })
    expect(malformed.status).toBe(400)
    expect(await malformed.json()).toMatchObject({ error: { code: 'malformed_json' } })

    const form = await request(`platform.${ROOT}`, '/api/platform/tenants', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${(await import('../../test/constants')).TEST_PLATFORM_TOKEN}` },
      body: 'slug=x',
    })
    expect(form.status).toBe(415)
  })

  it('requires a platform credential', async () => {
    const slug = uniqueSlug('noauth')
    const none = await request(`platform.${ROOT}`, '/api/platform/tenants', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slug, name: 'X' }),
    })
    expect(none.status).toBe(401)
    const wrong = await platformPost('/api/platform/tenants', { slug, name: 'X' }, 'not-the-token')
    expect(wrong.status).toBe(401)
    expect(await wrong.json()).toMatchObject({ error: { code: 'invalid_token' } })
    expect(await footprint(slug)).toEqual(nothing)
    expect((await request(`platform.${ROOT}`, '/api/platform/tenants')).status).toBe(401)
  })

  it('lists tenants with their primary host', async () => {
    const t = await createTenant('listed', 'Listed Ltd')
    const res = await request(`platform.${ROOT}`, '/api/platform/tenants', {
      headers: { authorization: `Bearer ${(await import('../../test/constants')).TEST_PLATFORM_TOKEN}` },
    })
    const body = (await res.json()) as { tenants: { slug: string; primaryHost: string }[] }
    expect(body.tenants).toContainEqual(expect.objectContaining({ slug: t.slug, primaryHost: `${t.slug}.${ROOT}` }))
  })
})

describe('provisionTenant', () => {
  it('leaves no half-made tenant when a tenant migration fails', async () => {
    const slug = uniqueSlug('broken')
    const broken: Migration = { version: '999', name: 'broken', sql: 'CREATE TABLE __SCHEMA__.oops (id int REFERENCES nowhere(id));', checksum: 'x' }
    await withDatabase(async ({ pool }) => {
      await expect(provisionTenant(pool, ROOT, { slug, name: 'Broken' }, { migrations: [...tenantMigrations, broken] })).rejects.toThrow(
        /nowhere/,
      )
    })
    expect(await footprint(slug)).toEqual(nothing)
    // and the slug is still free afterwards
    const res = await platformPost('/api/platform/tenants', { slug, name: 'Works Now' })
    expect(res.status).toBe(201)
  })
})
