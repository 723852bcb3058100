// Tenant settings and the team, through the API on a real database and the R2 binding: what owners
// and managers may change, what bad input gets, what the public pages and new resources take from
// the settings, the logo's storage and caching, invitations and role changes.
import { beforeAll, describe, expect, it } from 'vitest'
import { Browser, createTenant, makeUser, request, withDatabase, type CreatedTenant } from '../../test/helpers'

// A 1×1 PNG, and a PNG header claiming 5000×10 px (enough for the type and size to be read).
const PNG_1PX = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
function pngHeader(width: number, height: number): Uint8Array {
  const bytes = new Uint8Array(PNG_1PX)
  const view = new DataView(bytes.buffer)
  view.setUint32(16, width)
  view.setUint32(20, height)
  return bytes
}
const SVG = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>')

let shop: CreatedTenant
let other: CreatedTenant
let owner: Browser
let manager: Browser
let staff: Browser
let ownerUser: { id: string; email: string }
let managerUser: { id: string; email: string }
let staffUser: { id: string; email: string }

async function json(res: Response) {
  return (await res.json()) as Record<string, any>
}

async function settingsRows(schema: string) {
  return withDatabase(async ({ pool }) => (await pool.query(`SELECT key, value FROM ${schema}.settings ORDER BY key`)).rows)
}

beforeAll(async () => {
  shop = await createTenant('settings', 'Settings Spa')
  other = await createTenant('settings-other', 'Other Spa')
  ownerUser = await makeUser('TENANT_OWNER', shop.id)
  managerUser = await makeUser('TENANT_MANAGER', shop.id)
  staffUser = await makeUser('TENANT_STAFF', shop.id)
  owner = new Browser(shop.primaryHost)
  manager = new Browser(shop.primaryHost)
  staff = new Browser(shop.primaryHost)
  for (const [b, u] of [[owner, ownerUser], [manager, managerUser], [staff, staffUser]] as const) expect((await b.login(u.email)).status).toBe(200)
})

describe('business settings', () => {
  it('start from defaults, change only the fields sent, and reach the public pages and routing at once', async () => {
    const initial = await json(await owner.fetch('/api/tenant/settings'))
    expect(initial.settings).toMatchObject({
      name: 'Settings Spa',
      locale: 'en-US',
      branding: { primaryColor: '#2459d6', logo: null },
      cancellationPolicy: { cutoffMinutes: 1440, text: null },
      bookingPage: { showPrices: true, allowCancel: true, allowReschedule: true },
    })
    expect(initial.settings.businessHours).toHaveLength(5)

    const res = await manager.fetch('/api/tenant/settings', {
      method: 'PATCH',
      json: { name: 'Settings Spa & Sauna', timeZone: 'Europe/Berlin', locale: 'de-DE', branding: { primaryColor: '#AA3366' }, bookingPage: { headline: 'Book your sauna' } },
    })
    expect(res.status).toBe(200)
    const { settings } = await json(res)
    expect(settings).toMatchObject({ name: 'Settings Spa & Sauna', timeZone: 'Europe/Berlin', locale: 'de-DE' })
    expect(settings.branding).toMatchObject({ primaryColor: '#aa3366', accentColor: '#1e7a3a' })
    expect(settings.bookingPage).toMatchObject({ headline: 'Book your sauna', showPrices: true, allowCancel: true })

    // a second partial update keeps the first one's fields
    await owner.fetch('/api/tenant/settings', { method: 'PATCH', json: { branding: { accentColor: '#112233' }, bookingPage: { showPrices: false } } })
    const branding = await json(await request(shop.primaryHost, '/api/public/branding'))
    expect(branding).toMatchObject({
      name: 'Settings Spa & Sauna',
      timeZone: 'Europe/Berlin',
      branding: { primaryColor: '#aa3366', accentColor: '#112233' },
      bookingPage: { headline: 'Book your sauna', showPrices: false },
    })
    // the landing and booking pages use the new name, colours and headline
    const page = await (await request(shop.primaryHost, '/book')).text()
    expect(page).toContain('Settings Spa &amp; Sauna')
    expect(page).toContain('--brand:#aa3366')
    expect(page).toContain('Book your sauna')
    expect(page).toContain('lang="de-DE"')
  })

  it.each([
    [{ timeZone: 'Mars/Olympus' }, 'timeZone'],
    [{ name: 'x' }, 'name'],
    [{ locale: 'xx-XX' }, 'locale'],
    [{ branding: { primaryColor: 'red' } }, 'branding.primaryColor'],
    [{ businessHours: [{ weekday: 1, start: '09:00', end: '12:00' }, { weekday: 1, start: '11:00', end: '13:00' }] }, 'businessHours'],
    [{ businessHours: [{ weekday: 8, start: '09:00', end: '12:00' }] }, 'businessHours.0.weekday'],
    [{ cancellationPolicy: { cutoffMinutes: 999999 } }, 'cancellationPolicy.cutoffMinutes'],
    [{ bookingPage: { showPrices: 'yes' } }, 'bookingPage.showPrices'],
    [{ colour: '#000000' }, ''],
    [{ name: 'Good Name', timeZone: 'Nowhere/Land' }, 'timeZone'],
  ])('refuses %j with a 400 naming %s and changes nothing', async (body, path) => {
    const before = await settingsRows(shop.schemaName)
    const beforeName = (await json(await owner.fetch('/api/tenant/settings'))).settings.name
    const res = await owner.fetch('/api/tenant/settings', { method: 'PATCH', json: body })
    expect(res.status).toBe(400)
    const error = (await json(res)).error
    expect(error.code).toBe('invalid_input')
    expect(error.details.map((d: { path: string }) => d.path)).toContain(path)
    expect(await settingsRows(shop.schemaName)).toEqual(before)
    expect((await json(await owner.fetch('/api/tenant/settings'))).settings.name).toBe(beforeName)
  })

  it('are for owners and managers only; staff, customers and strangers are refused', async () => {
    const customer = await makeUser('CUSTOMER', shop.id)
    const customerBrowser = new Browser(shop.primaryHost)
    await customerBrowser.login(customer.email)
    for (const b of [staff, customerBrowser]) {
      expect((await b.fetch('/api/tenant/settings')).status).toBe(403)
      expect((await b.fetch('/api/tenant/settings', { method: 'PATCH', json: { name: 'Hijacked' } })).status).toBe(403)
    }
    expect((await request(shop.primaryHost, '/api/tenant/settings')).status).toBe(401)
    // an owner of this business is nobody on another business's host
    const elsewhere = new Browser(other.primaryHost)
    expect((await elsewhere.login(ownerUser.email)).status).toBe(401)
    expect((await json(await owner.fetch('/api/tenant/settings'))).settings.name).not.toBe('Hijacked')
  })

  it('give new resources the default hours and new services the default cut-off', async () => {
    const hours = [
      { weekday: 2, start: '10:00', end: '14:00' },
      { weekday: 2, start: '15:00', end: '19:00' },
      { weekday: 6, start: '08:00', end: '12:00' },
    ]
    expect((await owner.fetch('/api/tenant/settings', { method: 'PATCH', json: { businessHours: hours, cancellationPolicy: { cutoffMinutes: 180, text: 'Free cancellation up to 3 hours before.' } } })).status).toBe(200)
    const resource = (await json(await owner.fetch('/api/tenant/resources', { json: { kind: 'room', name: 'Sauna', timeZone: 'Europe/Berlin' } }))).resource
    const stored = await withDatabase(async ({ pool }) =>
      (await pool.query(`SELECT weekday, to_char(start_time, 'HH24:MI') AS start, to_char(end_time, 'HH24:MI') AS end FROM ${shop.schemaName}.weekly_hours WHERE resource_id = $1 ORDER BY weekday, start_time`, [resource.id])).rows,
    )
    expect(stored).toEqual(hours)
    const service = (await json(await owner.fetch('/api/tenant/services', { json: { name: 'Sauna hour', durationMinutes: 60, resourceGroups: [[resource.id]] } }))).service
    expect(service.cancellationCutoffMinutes).toBe(180)
    // a service naming its own cut-off keeps it
    const own = (await json(await owner.fetch('/api/tenant/services', { json: { name: 'Late sauna', durationMinutes: 60, cancellationCutoffMinutes: 30, resourceGroups: [[resource.id]] } }))).service
    expect(own.cancellationCutoffMinutes).toBe(30)
  })

  it('can stop customers cancelling or moving online; the manage link then refuses with a reason', async () => {
    const resource = (await json(await owner.fetch('/api/tenant/resources', { json: { kind: 'staff', name: 'Mia', timeZone: 'UTC' } }))).resource
    await owner.fetch(`/api/tenant/resources/${resource.id}/hours`, { method: 'PUT', json: { rules: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '24:00' })) } })
    const service = (await json(await owner.fetch('/api/tenant/services', { json: { name: 'Massage', durationMinutes: 60, slotIntervalMinutes: 60, minNoticeMinutes: 0, cancellationCutoffMinutes: 0, resourceGroups: [[resource.id]] } }))).service
    const start = new Date(Math.ceil(Date.now() / 3600_000) * 3600_000 + 3 * 24 * 3600_000).toISOString()
    const booked = await request(shop.primaryHost, '/api/public/bookings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serviceId: service.id, start, customer: { name: 'Pat', email: `pat-${crypto.randomUUID().slice(0, 6)}@example.test` } }),
    })
    expect(booked.status).toBe(201)
    const { manageToken } = await json(booked)

    await owner.fetch('/api/tenant/settings', { method: 'PATCH', json: { bookingPage: { allowCancel: false, allowReschedule: false } } })
    const cancel = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/cancel`, { method: 'POST' })
    expect(cancel.status).toBe(409)
    expect((await json(cancel)).error.code).toBe('online_cancellation_off')
    const move = await request(shop.primaryHost, `/api/public/bookings/${manageToken}/reschedule`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start: new Date(Date.parse(start) + 3600_000).toISOString() }),
    })
    expect((await json(move)).error.code).toBe('online_reschedule_off')
    const page = await (await request(shop.primaryHost, `/manage/${manageToken}`)).text()
    expect(page).not.toContain('data-testid="cancel-link"')
    expect(page).toContain('data-testid="changes-offline"')

    await owner.fetch('/api/tenant/settings', { method: 'PATCH', json: { bookingPage: { allowCancel: true, allowReschedule: true } } })
    expect((await request(shop.primaryHost, `/api/public/bookings/${manageToken}/cancel`, { method: 'POST' })).status).toBe(200)
  })
})

describe('the logo', () => {
  const upload = (b: Browser, bytes: Uint8Array, type = 'image/png') => b.fetch('/api/tenant/settings/logo', { method: 'PUT', headers: { 'content-type': type }, body: bytes as Uint8Array<ArrayBuffer> })

  it('is stored in R2 under the host tenant, served with its type and long caching, and answers 304 when unchanged', async () => {
    const res = await upload(owner, PNG_1PX)
    expect(res.status).toBe(200)
    const { branding } = await json(res)
    expect(branding.logo).toMatchObject({ contentType: 'image/png', width: 1, height: 1, bytes: PNG_1PX.byteLength })
    expect(branding.logo.url).toMatch(/^\/api\/public\/branding\/logo\?v=[0-9a-f]{16}$/)

    const served = await request(shop.primaryHost, branding.logo.url)
    expect(served.status).toBe(200)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(served.headers.get('x-content-type-options')).toBe('nosniff')
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG_1PX)
    const etag = served.headers.get('etag')!
    const again = await request(shop.primaryHost, '/api/public/branding/logo', { headers: { 'if-none-match': etag } })
    expect(again.status).toBe(304)
    expect(again.headers.get('cache-control')).toBe('public, max-age=300, must-revalidate')
    // the booking pages show it
    expect(await (await request(shop.primaryHost, '/book')).text()).toContain(branding.logo.url.replace('&', '&amp;'))
    // another business has no logo, whatever the URL says
    expect((await request(other.primaryHost, branding.logo.url)).status).toBe(404)
  })

  it.each([
    ['an SVG (it can carry script)', SVG, 'image/svg+xml', 415, 'unsupported_logo_type'],
    ['bytes that are not an image', new TextEncoder().encode('hello, this is not a picture at all'), 'image/png', 415, 'unsupported_logo_type'],
    ['a PNG sent as JPEG', PNG_1PX, 'image/jpeg', 415, 'logo_type_mismatch'],
    ['a 5000 px wide image', pngHeader(5000, 10), 'image/png', 400, 'logo_too_big'],
    ['600 KiB', new Uint8Array(600 * 1024), 'image/png', 413, 'logo_too_large'],
    ['nothing', new Uint8Array(0), 'image/png', 400, 'invalid_logo'],
  ])('refuses %s and keeps the logo it had', async (_label, bytes, type, status, code) => {
    const before = (await json(await owner.fetch('/api/tenant/settings'))).settings.branding.logo
    const res = await upload(owner, bytes as Uint8Array, type as string)
    expect(res.status).toBe(status)
    expect((await json(res)).error.code).toBe(code)
    expect((await json(await owner.fetch('/api/tenant/settings'))).settings.branding.logo).toEqual(before)
  })

  it('can be removed by a manager, not by staff; the image is gone from the bucket', async () => {
    await upload(owner, PNG_1PX)
    expect((await staff.fetch('/api/tenant/settings/logo', { method: 'DELETE' })).status).toBe(403)
    const res = await manager.fetch('/api/tenant/settings/logo', { method: 'DELETE' })
    expect(res.status).toBe(200)
    expect((await json(res)).branding.logo).toBeNull()
    expect((await request(shop.primaryHost, '/api/public/branding/logo')).status).toBe(404)
    const { env } = await import('cloudflare:test')
    const left = await env.UPLOADS.list({ prefix: `tenants/${shop.id}/` })
    expect(left.objects).toHaveLength(0)
  })
})

describe('the team', () => {
  async function outboxLink(to: string) {
    return withDatabase(async ({ pool }) => {
      const { rows } = await pool.query(`SELECT subject, body FROM public.outbox_messages WHERE lower(recipient) = lower($1) ORDER BY created_at DESC LIMIT 1`, [to])
      return { subject: rows[0]?.subject as string, token: /token=([^&\s]+)/.exec(rows[0]?.body ?? '')?.[1] }
    })
  }

  it('invites a manager by email; the link sets a password and they can sign in', async () => {
    const email = `new-manager-${crypto.randomUUID().slice(0, 6)}@example.test`
    const res = await owner.fetch('/api/tenant/invitations', { json: { email, displayName: 'Nora', role: 'TENANT_MANAGER' } })
    expect(res.status).toBe(201)
    const invited = await json(res)
    expect(invited.user).toMatchObject({ email, role: 'TENANT_MANAGER', tenantId: shop.id })
    const team = (await json(await manager.fetch('/api/tenant/team'))).team as { email: string; joined: boolean }[]
    expect(team.find((m) => m.email === email)).toMatchObject({ joined: false })

    const mail = await outboxLink(email)
    expect(mail.subject).toContain('Settings Spa')
    expect(mail.token).toBeTruthy()
    const nora = new Browser(shop.primaryHost)
    expect((await nora.login(email, 'any-password-123')).status).toBe(401)
    const set = await request(shop.primaryHost, '/api/auth/password-reset/confirm', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: decodeURIComponent(mail.token!), newPassword: 'nora-chose-this-1' }),
    })
    expect(set.status).toBe(200)
    expect((await nora.login(email, 'nora-chose-this-1')).status).toBe(200)
    expect((await nora.fetch('/api/tenant/settings')).status).toBe(200)
  })

  it('refuses a taken email, a customer role and a manager inviting an owner, writing nothing', async () => {
    const before = await withDatabase(async ({ pool }) => (await pool.query('SELECT count(*)::int AS n FROM public.users WHERE tenant_id = $1', [shop.id])).rows[0].n)
    const taken = await owner.fetch('/api/tenant/invitations', { json: { email: staffUser.email, role: 'TENANT_STAFF' } })
    expect(taken.status).toBe(409)
    expect((await json(taken)).error.code).toBe('email_taken')
    expect((await owner.fetch('/api/tenant/invitations', { json: { email: 'c@example.test', role: 'CUSTOMER' } })).status).toBe(400)
    expect((await owner.fetch('/api/tenant/invitations', { json: { email: 'not-an-email', role: 'TENANT_STAFF' } })).status).toBe(400)
    const byManager = await manager.fetch('/api/tenant/invitations', { json: { email: `o-${crypto.randomUUID().slice(0, 6)}@example.test`, role: 'TENANT_OWNER' } })
    expect(byManager.status).toBe(403)
    expect((await json(byManager)).error.code).toBe('owners_only')
    expect((await staff.fetch('/api/tenant/invitations', { json: { email: 'x@example.test', role: 'TENANT_STAFF' } })).status).toBe(403)
    const after = await withDatabase(async ({ pool }) => (await pool.query('SELECT count(*)::int AS n FROM public.users WHERE tenant_id = $1', [shop.id])).rows[0].n)
    expect(after).toBe(before)
  })

  it('lets managers change staff but never owners; nobody changes their own role', async () => {
    const promoted = await manager.fetch(`/api/tenant/users/${staffUser.id}`, { method: 'PATCH', json: { role: 'TENANT_MANAGER' } })
    expect(promoted.status).toBe(200)
    expect((await json(promoted)).user.role).toBe('TENANT_MANAGER')
    // the new role takes effect on a new session: the old one is closed
    expect((await staff.fetch('/api/tenant/settings')).status).toBe(401)
    await staff.login(staffUser.email)
    expect((await staff.fetch('/api/tenant/settings')).status).toBe(200)

    const demoteOwner = await manager.fetch(`/api/tenant/users/${ownerUser.id}`, { method: 'PATCH', json: { role: 'TENANT_STAFF' } })
    expect(demoteOwner.status).toBe(403)
    expect((await json(demoteOwner)).error.code).toBe('owners_only')
    expect((await manager.fetch(`/api/tenant/users/${ownerUser.id}`, { method: 'PATCH', json: { isActive: false } })).status).toBe(403)
    expect((await manager.fetch(`/api/tenant/users/${staffUser.id}`, { method: 'PATCH', json: { role: 'TENANT_OWNER' } })).status).toBe(403)
    expect((await manager.fetch(`/api/tenant/users/${managerUser.id}`, { method: 'PATCH', json: { isActive: false } })).status).toBe(409)
    const self = await owner.fetch(`/api/tenant/users/${ownerUser.id}`, { method: 'PATCH', json: { role: 'TENANT_MANAGER' } })
    expect(self.status).toBe(409)
    expect((await json(self)).error.code).toBe('own_account')
    // the owner is still the owner
    const team = (await json(await owner.fetch('/api/tenant/team'))).team as { id: string; role: string }[]
    expect(team.find((m) => m.id === ownerUser.id)?.role).toBe('TENANT_OWNER')
    await manager.fetch(`/api/tenant/users/${staffUser.id}`, { method: 'PATCH', json: { role: 'TENANT_STAFF' } })
  })

  it('switching an account off ends its sessions; switching it on lets it sign in again', async () => {
    const member = await makeUser('TENANT_STAFF', shop.id)
    const b = new Browser(shop.primaryHost)
    await b.login(member.email)
    expect((await b.fetch('/api/auth/me')).status).toBe(200)
    expect((await manager.fetch(`/api/tenant/users/${member.id}`, { method: 'PATCH', json: { isActive: false } })).status).toBe(200)
    expect((await b.fetch('/api/auth/me')).status).toBe(401)
    expect((await b.login(member.email)).status).toBe(401)
    expect((await manager.fetch(`/api/tenant/users/${member.id}`, { method: 'PATCH', json: { isActive: true } })).status).toBe(200)
    expect((await b.login(member.email)).status).toBe(200)
  })

  it("cannot reach another business's people or a customer account", async () => {
    const stranger = await makeUser('TENANT_STAFF', other.id)
    const res = await owner.fetch(`/api/tenant/users/${stranger.id}`, { method: 'PATCH', json: { isActive: false } })
    expect(res.status).toBe(404)
    const customer = await makeUser('CUSTOMER', shop.id)
    const promote = await owner.fetch(`/api/tenant/users/${customer.id}`, { method: 'PATCH', json: { role: 'TENANT_MANAGER' } })
    expect(promote.status).toBe(409)
    expect((await json(promote)).error.code).toBe('not_staff')
    expect((await owner.fetch(`/api/tenant/users/${stranger.id}/invitation`, { method: 'POST' })).status).toBe(404)
  })

  it('keeps one active owner when two owners demote each other at the same moment', async () => {
    const biz = await createTenant('two-owners', 'Two Owners')
    const a = await makeUser('TENANT_OWNER', biz.id)
    const b = await makeUser('TENANT_OWNER', biz.id)
    const ba = new Browser(biz.primaryHost)
    const bb = new Browser(biz.primaryHost)
    await ba.login(a.email)
    await bb.login(b.email)
    const results = await Promise.all([
      ba.fetch(`/api/tenant/users/${b.id}`, { method: 'PATCH', json: { role: 'TENANT_STAFF' } }),
      bb.fetch(`/api/tenant/users/${a.id}`, { method: 'PATCH', json: { role: 'TENANT_STAFF' } }),
    ])
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1)
    for (const r of results) expect([200, 401, 409]).toContain(r.status)
    const owners = await withDatabase(async ({ pool }) => (await pool.query(`SELECT count(*)::int AS n FROM public.users WHERE tenant_id = $1 AND role = 'TENANT_OWNER' AND is_active`, [biz.id])).rows[0].n)
    expect(owners).toBeGreaterThanOrEqual(1)
  })
})
