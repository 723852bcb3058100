// Platform administration against a real database: tenant lifecycle (suspension, deletion after a
// grace period), custom domains verified through a local DNS-over-HTTPS resolver, the primary
// switch and host-cache invalidation, plan limits, the dashboard, and what each platform role may do.
import { env } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { Browser, createTenant, makeUser, request, ROOT, uniqueSlug, withDatabase, type CreatedTenant } from '../../test/helpers'
import { purgeDueTenants } from './tenants'

const PLATFORM = `platform.${ROOT}`
let manager: Browser
let support: Browser
let sales: Browser

async function json(res: Response) {
  return (await res.json()) as Record<string, any>
}

/** Publishes TXT records on the local resolver the Worker verifies against. */
async function publishTxt(name: string, values: string[]) {
  const url = env.DNS_RESOLVER_URL!.replace('/dns-query', `/records/${name}`)
  const res = await fetch(url, { method: 'PUT', body: JSON.stringify(values) })
  expect(res.status).toBe(200)
}

async function signIn(role: 'PLATFORM_MANAGER' | 'PLATFORM_SUPPORT' | 'PLATFORM_SALES') {
  const user = await makeUser(role, null)
  const b = new Browser(PLATFORM)
  expect((await b.login(user.email)).status).toBe(200)
  return b
}

beforeAll(async () => {
  ;[manager, support, sales] = await Promise.all([signIn('PLATFORM_MANAGER'), signIn('PLATFORM_SUPPORT'), signIn('PLATFORM_SALES')])
})

describe('tenants', () => {
  it('are listed with search and paging, and shown with their usage', async () => {
    const tag = uniqueSlug('find')
    const a = await createTenant(`${tag}-a`, `Findable ${tag} A`)
    await createTenant(`${tag}-b`, `Findable ${tag} B`)
    const page1 = await json(await manager.fetch(`/api/platform/tenants?q=${tag}&limit=1`))
    expect(page1.total).toBe(2)
    expect(page1.tenants).toHaveLength(1)
    const page2 = await json(await manager.fetch(`/api/platform/tenants?q=${tag}&limit=1&offset=1`))
    expect(page2.tenants).toHaveLength(1)
    expect(page2.tenants[0].id).not.toBe(page1.tenants[0].id)
    // a LIKE wildcard is a character, not a pattern
    expect((await json(await manager.fetch(`/api/platform/tenants?q=%25%25%25`))).total).toBe(0)

    const owner = await makeUser('TENANT_OWNER', a.id)
    const ob = new Browser(a.primaryHost)
    await ob.login(owner.email)
    await ob.fetch('/api/tenant/resources', { json: { kind: 'room', name: 'Room', timeZone: 'UTC' } })
    const detail = (await json(await support.fetch(`/api/platform/tenants/${a.id}`))).tenant
    expect(detail.usage).toMatchObject({ users: 1, staff: 1, customers: 0, resources: 1, services: 0, eventsThisMonth: 0 })
    expect(detail.domains).toEqual([expect.objectContaining({ host: a.primaryHost, isPrimary: true, isCustom: false })])
  })

  it('are created with their first owner invited, or not at all when the owner email is taken', async () => {
    const slug = uniqueSlug('owned')
    const email = `first-owner-${crypto.randomUUID().slice(0, 6)}@example.test`
    const res = await manager.fetch('/api/platform/tenants', { json: { slug, name: 'Owned Spa', ownerEmail: email } })
    expect(res.status).toBe(201)
    const body = await json(res)
    expect(body.owner.user).toMatchObject({ email, role: 'TENANT_OWNER', tenantId: body.tenant.id })
    const mail = await withDatabase(async ({ pool }) => (await pool.query('SELECT body FROM public.outbox_messages WHERE recipient = $1', [email])).rows[0]?.body as string)
    expect(mail).toContain(`http://${slug}.${ROOT}/reset-password?token=`)
    const again = uniqueSlug('owned')
    const taken = await manager.fetch('/api/platform/tenants', { json: { slug: again, name: 'Taken Spa', ownerEmail: email } })
    expect(taken.status).toBe(409)
    expect((await json(taken)).error.code).toBe('email_taken')
    await withDatabase(async ({ pool }) => expect((await pool.query('SELECT 1 FROM public.tenants WHERE slug = $1', [again])).rowCount).toBe(0))
  })

  it('suspended: pages show a notice, the API answers 403, the data stays; reactivation restores it', async () => {
    const t = await createTenant('suspend', 'Suspend Spa')
    const owner = await makeUser('TENANT_OWNER', t.id)
    expect((await request(t.primaryHost, '/api/tenant')).status).toBe(200)
    const bad = await manager.fetch(`/api/platform/tenants/${t.id}/suspend`, { json: { reason: '' } })
    expect(bad.status).toBe(400)
    expect((await json(bad)).error.details[0].path).toBe('reason')
    const res = await manager.fetch(`/api/platform/tenants/${t.id}/suspend`, { json: { reason: 'unpaid invoices' } })
    expect(res.status).toBe(200)
    expect((await json(res)).tenant).toMatchObject({ status: 'suspended', suspendedReason: 'unpaid invoices' })
    const api = await request(t.primaryHost, '/api/tenant')
    expect(api.status).toBe(403)
    expect((await json(api)).error.code).toBe('tenant_suspended')
    const page = await request(t.primaryHost, '/book')
    expect(page.status).toBe(403)
    expect(await page.text()).toContain('not taking bookings')
    const signIn = await new Browser(t.primaryHost).login(owner.email)
    expect(signIn.status).toBe(403)
    await withDatabase(async ({ pool }) => {
      expect((await pool.query(`SELECT 1 FROM public.users WHERE id = $1`, [owner.id])).rowCount).toBe(1)
    })
    expect((await manager.fetch(`/api/platform/tenants/${t.id}/reactivate`, { method: 'POST' })).status).toBe(200)
    expect((await request(t.primaryHost, '/api/tenant')).status).toBe(200)
  })

  it('are deleted only after an explicit confirmation and the grace period; then the schema is gone', async () => {
    const t = await createTenant('delete', 'Delete Spa')
    const wrong = await manager.fetch(`/api/platform/tenants/${t.id}/delete`, { json: { confirm: 'not-the-slug' } })
    expect(wrong.status).toBe(422)
    expect((await json(wrong)).error.code).toBe('confirmation_mismatch')
    expect((await json(await manager.fetch(`/api/platform/tenants/${t.id}`))).tenant.deleteAfter).toBeNull()

    const res = await manager.fetch(`/api/platform/tenants/${t.id}/delete`, { json: { confirm: t.slug, graceDays: 7 } })
    expect(res.status).toBe(200)
    const scheduled = (await json(res)).tenant
    expect(scheduled.status).toBe('suspended')
    const graceMs = Date.parse(scheduled.deleteAfter) - Date.now()
    expect(graceMs).toBeGreaterThan(6.9 * 86_400_000)
    expect((await request(t.primaryHost, '/api/tenant')).status).toBe(403)

    await withDatabase(async ({ pool }) => {
      // the cron before the grace period ends drops nothing
      expect((await purgeDueTenants(pool)).map((p) => p.id)).not.toContain(t.id)
      expect((await pool.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [t.schemaName])).rowCount).toBe(1)
      // and after it, everything of the tenant
      const purged = await purgeDueTenants(pool, new Date(Date.now() + 8 * 86_400_000))
      expect(purged.map((p) => p.id)).toContain(t.id)
      expect((await pool.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = $1`, [t.schemaName])).rowCount).toBe(0)
      expect((await pool.query(`SELECT 1 FROM public.tenants WHERE id = $1`, [t.id])).rowCount).toBe(0)
      expect((await pool.query(`SELECT 1 FROM public.domains WHERE tenant_id = $1`, [t.id])).rowCount).toBe(0)
    })
  })

  it('enforce their plan: the free plan stops at its resource limit with a clear answer', async () => {
    const t = await createTenant('plan', 'Plan Spa')
    const owner = await makeUser('TENANT_OWNER', t.id)
    const ob = new Browser(t.primaryHost)
    await ob.login(owner.email)
    for (let i = 0; i < 10; i++) expect((await ob.fetch('/api/tenant/resources', { json: { kind: 'room', name: `Room ${i}`, timeZone: 'UTC' } })).status).toBe(201)
    const over = await ob.fetch('/api/tenant/resources', { json: { kind: 'room', name: 'One too many', timeZone: 'UTC' } })
    expect(over.status).toBe(409)
    const error = (await json(over)).error
    expect(error.code).toBe('plan_limit_reached')
    expect(error.message).toContain('Free plan allows 10 resources')
    const plans = (await json(await support.fetch('/api/platform/plans'))).plans
    expect(plans.map((p: { id: string }) => p.id)).toEqual(['free', 'pro', 'business'])
  })
})

describe('custom domains', () => {
  let shop: CreatedTenant
  beforeAll(async () => {
    shop = await createTenant('domains', 'Domain Spa')
  })

  it('route only after verification by TXT record; a wrong token is refused with what was seen', async () => {
    const host = `book-${crypto.randomUUID().slice(0, 6)}.example.com`
    const added = await manager.fetch(`/api/platform/tenants/${shop.id}/domains`, { json: { host: host.toUpperCase() } })
    expect(added.status).toBe(201)
    const { domain } = await json(added)
    expect(domain).toMatchObject({ host, verifiedAt: null, isPrimary: false, isCustom: true })
    expect(domain.instructions.txtName).toBe(`_smoothschedule-verify.${host}`)
    // not routable yet
    expect((await request(host, '/api/tenant')).status).toBe(404)

    await publishTxt(domain.instructions.txtName, ['smoothschedule-verify=wrong-token'])
    const wrong = await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${domain.id}/verify`, { method: 'POST' })
    expect(wrong.status).toBe(422)
    expect((await json(wrong)).error.message).toContain('wrong-token')
    expect((await request(host, '/api/tenant')).status).toBe(404)

    await publishTxt(domain.instructions.txtName, ['v=spf1 -all', domain.instructions.txtValue])
    const ok = await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${domain.id}/verify`, { method: 'POST' })
    expect(ok.status).toBe(200)
    expect((await json(ok)).domain.verifiedAt).toBeTruthy()
    // the cached "unknown host" was dropped: it answers for the business at once
    const res = await request(host, '/api/tenant')
    expect(res.status).toBe(200)
    expect((await json(res)).tenant.name).toBe('Domain Spa')

    // primary switch, then removal: routing stops at once, the subdomain becomes primary again
    const primary = await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${domain.id}/primary`, { method: 'POST' })
    expect((await json(primary)).domains.find((d: { isPrimary: boolean }) => d.isPrimary).host).toBe(host)
    const removed = await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${domain.id}`, { method: 'DELETE' })
    expect(removed.status).toBe(200)
    expect((await json(removed)).domains).toEqual([expect.objectContaining({ host: shop.primaryHost, isPrimary: true })])
    expect((await request(host, '/api/tenant')).status).toBe(404)
  })

  it('refuse bad, reserved, duplicate and already-verified hosts, writing nothing', async () => {
    const other = await createTenant('domains-b', 'Other Domain Spa')
    const host = `taken-${crypto.randomUUID().slice(0, 6)}.example.org`
    const { domain } = await json(await manager.fetch(`/api/platform/tenants/${other.id}/domains`, { json: { host } }))
    await publishTxt(domain.instructions.txtName, [domain.instructions.txtValue])
    expect((await manager.fetch(`/api/platform/tenants/${other.id}/domains/${domain.id}/verify`, { method: 'POST' })).status).toBe(200)

    const count = () => withDatabase(async ({ pool }) => (await pool.query('SELECT count(*)::int AS n FROM public.domains WHERE tenant_id = $1', [shop.id])).rows[0].n)
    const before = await count()
    for (const [body, status, code] of [
      [{ host: 'not a host' }, 400, 'invalid_input'],
      [{ host: `anything.${ROOT}` }, 400, 'invalid_input'],
      [{ host: ROOT }, 400, 'invalid_input'],
      [{ host: '10.0.0.1' }, 400, 'invalid_input'],
      [{ host }, 409, 'domain_taken'],
      [{ host: `x.${host}`, extra: 1 }, 400, 'invalid_input'],
    ] as const) {
      const res = await manager.fetch(`/api/platform/tenants/${shop.id}/domains`, { json: body })
      expect(res.status, JSON.stringify(body)).toBe(status)
      expect((await json(res)).error.code).toBe(code)
    }
    const dup = `dup-${crypto.randomUUID().slice(0, 6)}.example.net`
    expect((await manager.fetch(`/api/platform/tenants/${shop.id}/domains`, { json: { host: dup } })).status).toBe(201)
    const again = await manager.fetch(`/api/platform/tenants/${shop.id}/domains`, { json: { host: dup } })
    expect(again.status).toBe(409)
    expect((await json(again)).error.code).toBe('domain_exists')
    const elsewhere = await manager.fetch(`/api/platform/tenants/${other.id}/domains`, { json: { host: dup } })
    expect((await json(elsewhere)).error.code).toBe('domain_claimed')
    expect(await count()).toBe(before + 1)
    // an unverified domain cannot be primary; the subdomain cannot be removed
    const list = (await json(await manager.fetch(`/api/platform/tenants/${shop.id}`))).tenant.domains as { id: string; host: string; isCustom: boolean }[]
    const pending = list.find((d) => d.host === dup)!
    expect((await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${pending.id}/primary`, { method: 'POST' })).status).toBe(409)
    const sub = list.find((d) => !d.isCustom)!
    expect((await json(await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${sub.id}`, { method: 'DELETE' }))).error.code).toBe('subdomain_stays')
    // another tenant's domain id is unknown here
    expect((await manager.fetch(`/api/platform/tenants/${shop.id}/domains/${domain.id}`, { method: 'DELETE' })).status).toBe(404)
  })
})

describe("a business's own domains", () => {
  it('owners and managers add and verify them on their host; staff and other businesses cannot', async () => {
    const t = await createTenant('own-domain', 'Own Domain Spa')
    const owner = await makeUser('TENANT_OWNER', t.id)
    const staffUser = await makeUser('TENANT_STAFF', t.id)
    const ob = new Browser(t.primaryHost)
    await ob.login(owner.email)
    const sb = new Browser(t.primaryHost)
    await sb.login(staffUser.email)
    const host = `own-${crypto.randomUUID().slice(0, 6)}.example.com`
    expect((await sb.fetch('/api/tenant/domains', { json: { host } })).status).toBe(403)
    const added = await ob.fetch('/api/tenant/domains', { json: { host } })
    expect(added.status).toBe(201)
    const { domain } = await json(added)
    await publishTxt(domain.instructions.txtName, [domain.instructions.txtValue])
    expect((await ob.fetch(`/api/tenant/domains/${domain.id}/verify`, { method: 'POST' })).status).toBe(200)
    expect((await json(await request(host, '/api/tenant'))).tenant.name).toBe('Own Domain Spa')
    // another business's owner cannot touch it, even by id
    const other = await createTenant('own-domain-b', 'Other')
    const otherOwner = await makeUser('TENANT_OWNER', other.id)
    const xb = new Browser(other.primaryHost)
    await xb.login(otherOwner.email)
    expect((await xb.fetch(`/api/tenant/domains/${domain.id}`, { method: 'DELETE' })).status).toBe(404)
    expect((await request(host, '/api/tenant')).status).toBe(200)
    expect((await ob.fetch(`/api/tenant/domains/${domain.id}`, { method: 'DELETE' })).status).toBe(200)
    expect((await request(host, '/api/tenant')).status).toBe(404)
  })
})

describe('demo businesses', () => {
  it('sales create one with sample data and act as its owner; it is deleted when it expires', async () => {
    const res = await sales.fetch('/api/platform/demos', { json: { name: 'Prospect Spa', days: 3 } })
    expect(res.status).toBe(201)
    const demo = await json(res)
    expect(demo.tenant.slug).toMatch(/^demo-[a-z0-9]{8}$/)
    expect(Date.parse(demo.tenant.demoExpiresAt) - Date.now()).toBeGreaterThan(2.9 * 86_400_000)
    expect(demo.owner).toMatchObject({ role: 'TENANT_OWNER', isTemporary: true })
    expect(demo.bookings).toBeGreaterThan(20)
    const detail = (await json(await sales.fetch(`/api/platform/tenants/${demo.tenant.id}`))).tenant
    expect(detail).toMatchObject({ isDemo: true, usage: { resources: 3, services: 3 } })
    // its booking page works, with the sample services
    const services = await json(await request(demo.tenant.primaryHost, '/api/public/services'))
    expect(services.services.map((s: { name: string }) => s.name)).toContain('Massage, 60 minutes')

    // sales may act as the demo's owner, and as nobody in a real business
    const acting = await sales.fetch('/api/auth/masquerade', { json: { userId: demo.owner.id } })
    expect(acting.status).toBe(201)
    await sales.fetch('/api/auth/masquerade/stop', { method: 'POST' })
    const real = await createTenant('real', 'Real Spa')
    const realOwner = await makeUser('TENANT_OWNER', real.id)
    expect((await sales.fetch('/api/auth/masquerade', { json: { userId: realOwner.id } })).status).toBe(403)

    // support cannot create demos; bad input is refused
    expect((await support.fetch('/api/platform/demos', { json: {} })).status).toBe(403)
    expect((await sales.fetch('/api/platform/demos', { json: { days: 90 } })).status).toBe(400)

    await withDatabase(async ({ pool }) => {
      expect((await purgeDueTenants(pool)).map((p) => p.id)).not.toContain(demo.tenant.id)
      const purged = await purgeDueTenants(pool, new Date(Date.now() + 4 * 86_400_000))
      expect(purged.map((p) => p.id)).toContain(demo.tenant.id)
      expect((await pool.query('SELECT 1 FROM public.users WHERE id = $1', [demo.owner.id])).rowCount).toBe(0)
    })
    expect((await request(demo.tenant.primaryHost, '/api/public/services')).status).toBe(404)
  })
})

describe('platform roles', () => {
  it('support reads tenants but changes nothing; sales see and read demo tenants only', async () => {
    const t = await createTenant('roles', 'Roles Spa')
    expect((await support.fetch(`/api/platform/tenants/${t.id}`)).status).toBe(200)
    expect((await support.fetch(`/api/platform/tenants/${t.id}/suspend`, { json: { reason: 'support tries' } })).status).toBe(403)
    expect((await support.fetch(`/api/platform/tenants/${t.id}/domains`, { json: { host: 'support.example.com' } })).status).toBe(403)
    expect((await support.fetch('/api/platform/tenants', { json: { slug: uniqueSlug('sup'), name: 'No' } })).status).toBe(403)

    expect((await sales.fetch(`/api/platform/tenants/${t.id}`)).status).toBe(404)
    const listed = (await json(await sales.fetch('/api/platform/tenants?limit=100'))).tenants as { isDemo: boolean }[]
    expect(listed.every((x) => x.isDemo)).toBe(true)
    expect((await sales.fetch(`/api/platform/tenants/${t.id}/suspend`, { json: { reason: 'sales tries' } })).status).toBe(403)
    const demo = await sales.fetch('/api/platform/tenants', { json: { slug: uniqueSlug('demo-sales'), name: 'Sales demo', isDemo: true } })
    expect(demo.status).toBe(201)
    const demoId = (await json(demo)).tenant.id
    expect((await sales.fetch(`/api/platform/tenants/${demoId}`)).status).toBe(200)
    // nobody signed in: nothing
    expect((await request(PLATFORM, '/api/platform/tenants')).status).toBe(401)
  })

  it('the dashboard counts tenants, users, bookings today and failed jobs', async () => {
    const before = (await json(await manager.fetch('/api/platform/dashboard'))).dashboard
    await createTenant('dash', 'Dash Spa')
    await withDatabase(({ pool }) => pool.query(`INSERT INTO public.job_runs (message_id, type, status, attempts, last_error) VALUES ($1, 'system.ping', 'failed', 3, 'provider down')`, [`dash-${crypto.randomUUID()}`]))
    const after = (await json(await support.fetch('/api/platform/dashboard'))).dashboard
    expect(after.tenants.total).toBe(before.tenants.total + 1)
    expect(after.failedJobs.last24h).toBe(before.failedJobs.last24h + 1)
    expect(after).toMatchObject({ users: { total: expect.any(Number) }, bookingsToday: expect.any(Number) })
    const salesView = (await json(await sales.fetch('/api/platform/dashboard'))).dashboard
    expect(salesView.tenants.total).toBe(salesView.tenants.demo)
  })
})
