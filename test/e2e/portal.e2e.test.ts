// The team's portal on the demo business: the owner sets up a room, a service and a customer and books
// them; bad input saves nothing; staff are read-only but for their own time; it all works without JS.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

const BUSINESS_ZONE = 'America/New_York'
const DAY = 24 * 3600_000

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** YYYY-MM-DD on the business's clock, `days` from now. */
function businessDate(days: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(Date.now() + days * DAY))
}

async function signIn(email: string, options: { javaScript?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const login = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: BUSINESS_ZONE })
  const page = await login.newPage()
  await page.goto(urlFor('demo', '/login'))
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(DEV_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('signed-in-as').waitFor()
  if (options.javaScript !== false) return { context: login, page }
  // Signing in needs JavaScript; the portal itself must not. Carry the session over.
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, javaScriptEnabled: false, storageState: await login.storageState() })
  await login.close()
  return { context, page: await context.newPage() }
}

async function text(page: Page, testId: string): Promise<string> {
  const locator = page.getByTestId(testId)
  await locator.first().waitFor({ state: 'visible' })
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim()
}

/** The same range on every day of the week, in the given row of each day, saved. */
async function saveHours(page: Page, row: number, start: string, end: string) {
  for (let weekday = 1; weekday <= 7; weekday++) {
    await page.locator(`input[name="hours.${weekday}.${row}.start"]`).fill(start)
    await page.locator(`input[name="hours.${weekday}.${row}.end"]`).fill(end)
  }
  // The notice of an earlier save may still be showing: wait for this save's own answer first.
  const saved = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/portal/resources/'))
  await page.getByTestId('save-hours').click()
  expect((await saved).status()).toBeLessThan(400)
  await page.getByTestId('resource-notice').getByText('The weekly hours are saved.').waitFor()
}

/** A room open 08:00–20:00 every day and a service it delivers. */
async function addRoomWithService(page: Page, room: string, service: string) {
  await page.goto(urlFor('demo', '/portal/resources'))
  const form = page.getByTestId('resource-form')
  await form.getByLabel('Kind').selectOption('room')
  await form.getByLabel('Name').fill(room)
  await form.getByLabel('Capacity').fill('2')
  await form.getByTestId('create-resource').click()
  await page.waitForURL(/\/portal\/resources\/[0-9a-f-]{36}\?notice=created/)
  await saveHours(page, 0, '08:00', '20:00')

  await page.goto(urlFor('demo', '/portal/services/new'))
  await page.getByLabel('Name', { exact: true }).fill(service)
  await page.getByLabel('Duration (minutes)').fill('45')
  await page.getByLabel('Price', { exact: true }).fill('40')
  await page.getByTestId('group0').getByLabel(room).check()
  await page.getByTestId('create-service').click()
  await page.waitForURL(/\/portal\/services\?notice=created/)
}

/** POSTs a form as the browser would (same Origin, its cookies), to 127.0.0.1 with the Host header (no DNS here). */
function postForm(url: string, fields: Record<string, string>, cookie: string): Promise<{ status: number; location?: string }> {
  const { host, origin, port, pathname, search } = new URL(url)
  const body = new URLSearchParams(fields).toString()
  const headers = { host, origin, cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname + search, method: 'POST', headers }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('portal', () => {
  it('the owner adds a room with hours, a service and a customer, and books an appointment shown in the week', async () => {
    const stamp = Date.now().toString(36)
    const room = `Treatment room ${stamp}`
    const serviceName = `Sports massage ${stamp}`
    const customer = { name: `Cora Client ${stamp}`, email: `cora.${stamp}@example.com` }
    const { context, page } = await signIn('owner@demo.lvh.me')

    // The calendar carries the portal's navigation.
    await page.goto(urlFor('demo', '/portal'))
    await page.getByTestId('calendar-week').waitFor()
    expect(await text(page, 'portal-nav')).toMatch(/Calendar.*Resources.*Services.*Customers.*Closures.*New appointment/)
    await screenshot(page, 'portal-calendar')

    // ---- a room ----
    await page.getByTestId('portal-nav').getByRole('link', { name: 'Resources' }).click()
    await page.waitForURL(/\/portal\/resources$/)
    await page.getByTestId('resource-list').waitFor()
    expect(await page.getByTestId('resource-row').count()).toBeGreaterThanOrEqual(3)
    const form = page.getByTestId('resource-form')
    await form.getByLabel('Kind').selectOption('room')
    await form.getByLabel('Name').fill(room)
    await form.getByLabel('Capacity').fill('0')
    await form.getByTestId('create-resource').click()
    expect(await text(page, 'capacity-error')).toBe('Must be at least 1.')
    await screenshot(page, 'portal-resources-invalid')
    await form.getByLabel('Capacity').fill('2')
    await form.getByTestId('create-resource').click()
    await page.waitForURL(/\/portal\/resources\/[0-9a-f-]{36}\?notice=created/)
    const resourceUrl = page.url().split('?')[0]!
    // the URL changes a moment before the page does
    await page.getByTestId('page-title').filter({ hasText: room }).waitFor()
    // a new resource starts with the business's default hours (Settings): Monday to Friday 09:00–17:00
    expect(await page.getByLabel('Monday range 1 start').inputValue()).toBe('09:00')
    expect(await page.getByLabel('Friday range 1 end').inputValue()).toBe('17:00')
    expect(await page.getByLabel('Sunday range 1 start').inputValue()).toBe('')

    // Hours that end before they start: the message on that range, and nothing saved.
    await page.getByLabel('Monday range 1 start').fill('17:00')
    await page.getByLabel('Monday range 1 end').fill('09:00')
    await page.getByLabel('Tuesday range 1 start').fill('09:00')
    await page.getByLabel('Tuesday range 1 end').fill('17:00')
    await page.getByTestId('save-hours').click()
    expect(await text(page, 'hours-1-0-error')).toBe('Each range must end after it starts.')
    expect(await text(page, 'hours-error')).toContain('Nothing was saved')
    await screenshot(page, 'portal-resource-hours-invalid')
    await page.goto(resourceUrl)
    // nothing was saved: the hours it started with are still there
    expect(await page.getByLabel('Monday range 1 start').inputValue()).toBe('09:00')
    expect(await page.getByLabel('Monday range 1 end').inputValue()).toBe('17:00')

    // Every day 08:00–12:00, then a second range 13:00–20:00 in the row that appears after saving.
    await saveHours(page, 0, '08:00', '12:00')
    await saveHours(page, 1, '13:00', '20:00')
    await page.goto(resourceUrl)
    expect(await page.getByLabel('Friday range 1 start').inputValue()).toBe('08:00')
    expect(await page.getByLabel('Friday range 2 end').inputValue()).toBe('20:00')
    expect(await page.getByLabel('Friday range 3 start').inputValue()).toBe('')

    // A date with other hours, and time off, both well after the appointment booked below.
    const override = page.getByTestId('override-form')
    await override.getByLabel('Date').fill(businessDate(30))
    await override.getByLabel('Range 1 start').fill('10:00')
    await override.getByLabel('Range 1 end').fill('14:00')
    await override.getByTestId('save-override').click()
    await page.getByTestId('resource-notice').getByText('The hours for that date are saved.').waitFor()
    expect(await text(page, 'override-list')).toContain('10:00–14:00')
    const block = page.getByTestId('block-form')
    await block.getByLabel('From').fill(`${businessDate(31)}T10:00`)
    await block.getByLabel('Until').fill(`${businessDate(31)}T09:00`)
    await block.getByTestId('save-block').click()
    expect(await text(page, 'endsAt-error')).toBe('Must end after it starts.')
    await block.getByLabel('Until').fill(`${businessDate(31)}T16:30`)
    await block.getByLabel('Reason (optional)').fill('Deep clean')
    await block.getByTestId('save-block').click()
    await page.getByTestId('resource-notice').getByText('The time is blocked.').waitFor()
    expect(await text(page, 'block-list')).toMatch(/10:00 AM – 4:30 PM/)
    await screenshot(page, 'portal-resource')

    // ---- a service the room delivers ----
    await page.getByTestId('portal-nav').getByRole('link', { name: 'Services' }).click()
    await page.waitForURL(/\/portal\/services$/)
    await page.getByTestId('add-service').click()
    await page.waitForURL(/\/portal\/services\/new$/)
    await page.getByLabel('Name', { exact: true }).fill(serviceName)
    await page.getByLabel('Duration (minutes)').fill('45')
    await page.getByLabel('Price', { exact: true }).fill('40')
    await page.getByLabel('Deposit').fill('50')
    // no resource ticked
    await page.getByTestId('create-service').click()
    expect(await text(page, 'group0-error')).toBe('Choose at least one resource that delivers this service.')
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe(serviceName)
    await screenshot(page, 'portal-service-invalid')
    // and a deposit above the price
    await page.getByTestId('group0').getByLabel(room).check()
    await page.getByTestId('create-service').click()
    await page.getByTestId('group0-error').waitFor({ state: 'detached' })
    expect(await text(page, 'deposit-error')).toBe('The deposit cannot be more than the price.')
    await page.getByLabel('Deposit').fill('10')
    await page.getByTestId('create-service').click()
    await page.waitForURL(/\/portal\/services\?notice=created/)
    await page.getByTestId('services-notice').waitFor()
    // the refused attempts saved nothing
    const serviceRows = page.getByTestId('service-row').filter({ hasText: serviceName })
    expect(await serviceRows.count()).toBe(1)
    expect(await serviceRows.innerText()).toContain(room)
    expect(await serviceRows.innerText()).toContain('$40.00')
    await screenshot(page, 'portal-services')

    // ---- a customer ----
    await page.getByTestId('portal-nav').getByRole('link', { name: 'Customers' }).click()
    await page.waitForURL(/\/portal\/customers$/)
    const customerForm = page.getByTestId('customer-form')
    await customerForm.getByLabel('Name').fill(customer.name)
    await customerForm.getByLabel('Email').fill('cora-at-example')
    await customerForm.getByTestId('save-customer').click()
    expect(await text(page, 'email-error')).toBe('Enter a valid email address.')
    await customerForm.getByLabel('Email').fill(customer.email)
    await customerForm.getByLabel('Phone (optional)').fill('+1 555 010 2030')
    await customerForm.getByTestId('save-customer').click()
    await page.getByTestId('customers-notice').getByText('The customer is added.').waitFor()
    await page.goto(urlFor('demo', `/portal/customers?q=${encodeURIComponent(`client ${stamp}`)}`))
    expect(await page.getByTestId('customer-row').count()).toBe(1)
    expect(await text(page, 'customer-list')).toContain(customer.email)
    // changing them keeps the email and the phone on file
    await page.getByTestId('customer-row').getByRole('link', { name: 'Change' }).click()
    await customerForm.getByRole('heading', { name: 'Change customer' }).waitFor()
    expect(await customerForm.getByLabel('Email').inputValue()).toBe(customer.email)
    await customerForm.getByLabel('Name').fill(`${customer.name} Jr`)
    await customerForm.getByTestId('save-customer').click()
    await page.getByTestId('customers-notice').getByText('The customer is updated.').waitFor()
    expect(await text(page, 'customer-list')).toContain(`${customer.name} Jr`)
    expect(await text(page, 'customer-list')).toContain('+1 555 010 2030')
    await screenshot(page, 'portal-customers')

    // ---- a new appointment for that customer, tomorrow ----
    const tomorrow = businessDate(1)
    await page.getByTestId('new-appointment').click()
    await page.waitForURL(/\/portal\/appointments\/new/)
    await page.getByTestId('service-select').selectOption({ label: `${serviceName} · 45 min · $40.00` })
    await page.getByTestId('date-input').fill(tomorrow)
    await page.getByTestId('show-times').click()
    await page.getByTestId('slot-choice').first().waitFor()
    const serviceId = new URL(page.url()).searchParams.get('service')!
    // an unknown email for an "existing" customer, and no time chosen
    await page.getByTestId('existing-customer').check()
    await page.getByTestId('existing-email').fill(`nobody.${stamp}@example.com`)
    await page.getByTestId('book-appointment').click()
    expect(await text(page, 'slot-error')).toBe('Choose one of the free times.')
    expect(await text(page, 'existingEmail-error')).toContain('No customer has this email')
    await screenshot(page, 'portal-appointment-invalid')

    const slot = page.getByTestId('slot-choice').first()
    const start = (await slot.locator('input').getAttribute('value'))!.split('|')[0]!
    const time = new Intl.DateTimeFormat('en-US', { timeZone: BUSINESS_ZONE, hour: 'numeric', minute: '2-digit' }).format(new Date(start))
    await slot.click()
    await page.getByTestId('existing-email').fill(customer.email)
    await page.getByLabel('Notes for the appointment (optional)').fill('Booked by phone')
    await screenshot(page, 'portal-appointment')
    await page.getByTestId('book-appointment').click()
    await page.waitForURL(/\/portal\?.*notice=booked/)
    expect(await text(page, 'portal-notice')).toBe('The appointment is booked.')
    const day = page.locator(`[data-testid="calendar-day"][data-date="${tomorrow}"]`)
    const event = day.getByTestId('event').filter({ hasText: `${customer.name} Jr` })
    await event.waitFor()
    expect(await event.getAttribute('data-status')).toBe('confirmed')
    const card = (await event.innerText()).replace(/\s+/g, ' ')
    expect(card).toContain(serviceName)
    expect(card).toContain(time.replace(/\s/g, ' '))
    await screenshot(page, 'portal-booked-week')

    // The time is no longer free.
    await page.goto(urlFor('demo', `/portal/appointments/new?service=${serviceId}&date=${tomorrow}`))
    await page.getByTestId('slot-choices').waitFor()
    expect(await page.locator(`input[name="slot"][value^="${start}|"]`).count()).toBe(0)
    await context.close()
  })

  it('staff see the catalog read-only, block time on their own calendar only, and may not close the business', async () => {
    // visitors sign in first; customers have no portal
    const visitor = await browser.newPage()
    await visitor.goto(urlFor('demo', '/portal/resources'))
    await visitor.waitForURL(/\/login$/)
    await visitor.close()
    const customer = await signIn('customer@demo.lvh.me')
    for (const path of ['/portal/resources', '/portal/customers', '/portal/appointments/new']) {
      expect((await customer.page.goto(urlFor('demo', path)))?.status()).toBe(403)
    }
    await customer.context.close()

    const { context, page } = await signIn('staff@demo.lvh.me')
    await page.goto(urlFor('demo', '/portal/resources'))
    await page.getByTestId('resource-list').waitFor()
    expect(await page.getByTestId('resource-form').count()).toBe(0)
    const own = page.getByTestId('resource-row').filter({ hasText: 'Your calendar' })
    expect(await own.innerText()).toContain('Stella (massage)')
    expect(await text(page, 'portal-nav')).not.toContain('Closures')
    await screenshot(page, 'portal-staff-resources')

    // Their own resource: time off, but not its hours.
    await own.getByRole('link').click()
    await page.getByTestId('block-form').waitFor()
    expect(await page.getByTestId('hours-form').count()).toBe(0)
    await page.getByLabel('From').fill(`${businessDate(45)}T09:00`)
    await page.getByLabel('Until').fill(`${businessDate(45)}T12:00`)
    await page.getByTestId('save-block').click()
    await page.getByTestId('resource-notice').getByText('The time is blocked.').waitFor()
    await screenshot(page, 'portal-staff-own-resource')

    // Someone else's: nothing to change.
    await page.goto(urlFor('demo', '/portal/resources'))
    await page.getByTestId('resource-row').filter({ hasText: 'Marco (physio)' }).getByRole('link').click()
    await page.getByTestId('page-title').filter({ hasText: 'Marco (physio)' }).waitFor()
    expect(await page.getByTestId('block-form').count()).toBe(0)

    await page.goto(urlFor('demo', '/portal/services'))
    expect(await page.getByTestId('add-service').count()).toBe(0)
    expect((await page.goto(urlFor('demo', '/portal/services/new')))?.status()).toBe(403)
    expect((await page.goto(urlFor('demo', '/portal/closures')))?.status()).toBe(403)

    // Booking: only the services their own calendar delivers.
    await page.goto(urlFor('demo', '/portal/appointments/new'))
    const offered = await page.getByTestId('service-select').locator('option').allInnerTexts()
    expect(offered.some((o) => o.startsWith('Massage, 60 minutes'))).toBe(true)
    expect(offered.some((o) => o.startsWith('Morning yoga class'))).toBe(false)
    await context.close()
  })

  it('works without JavaScript (room, hours, service, closure, booking), and a booking sent twice books once', async () => {
    const stamp = Date.now().toString(36)
    const serviceName = `Reflexology ${stamp}`
    const { context, page } = await signIn('owner@demo.lvh.me', { javaScript: false })
    await addRoomWithService(page, `Quiet room ${stamp}`, serviceName)
    // A business-wide closure, far beyond every service's booking horizon.
    await page.goto(urlFor('demo', '/portal/closures'))
    const closure = page.getByTestId('closure-form')
    await closure.getByLabel('From').fill(`${businessDate(300)}T00:00`)
    await closure.getByLabel('Until').fill(`${businessDate(300)}T00:00`)
    await closure.getByTestId('save-closure').click()
    expect(await text(page, 'endsAt-error')).toBe('Must end after it starts.')
    await closure.getByLabel('Until').fill(`${businessDate(302)}T00:00`)
    await closure.getByLabel('Reason (optional)').fill('Staff retreat')
    await closure.getByTestId('save-closure').click()
    await page.getByTestId('closures-notice').waitFor()
    expect(await page.getByTestId('closure').count()).toBeGreaterThanOrEqual(1)
    await screenshot(page, 'portal-closures')

    // The appointment, for a new customer, the day after tomorrow.
    const date = businessDate(2)
    await page.goto(urlFor('demo', `/portal/appointments/new?date=${date}`))
    await page.getByTestId('service-select').selectOption({ label: `${serviceName} · 45 min · $40.00` })
    await page.getByTestId('show-times').click()
    await page.waitForURL(/service=/)
    await page.getByTestId('slot-choice').first().click()
    await page.getByTestId('new-customer').check()
    const name = `Nell No-Script ${stamp}`
    await page.locator('input[name="name"]').fill(name)
    await page.locator('input[name="email"]').fill(`nell.${stamp}@example.com`)
    await screenshot(page, 'portal-appointment-nojs')

    // The form as the browser would send it, twice: one booking, the same answer.
    const fields = await page.getByTestId('appointment-form').evaluate((form) =>
      Object.fromEntries([...new FormData(form as HTMLFormElement).entries()].map(([k, v]) => [k, String(v)])),
    )
    const action = new URL((await page.getByTestId('appointment-form').getAttribute('action'))!, page.url()).href
    const cookie = (await context.cookies(action)).map((c) => `${c.name}=${c.value}`).join('; ')
    const one = await postForm(action, fields, cookie)
    const two = await postForm(action, fields, cookie)
    expect(one.status).toBe(302)
    expect(two.location).toBe(one.location)
    expect(one.location).toContain('notice=booked')

    // The browser's own submit carries the same key: the same calendar, one appointment.
    await page.getByTestId('book-appointment').click()
    await page.waitForURL(/\/portal\?.*notice=booked/)
    const day = page.locator(`[data-testid="calendar-day"][data-date="${date}"]`)
    await day.getByTestId('event').filter({ hasText: name }).waitFor()
    expect(await day.getByTestId('event').filter({ hasText: name }).count()).toBe(1)
    await screenshot(page, 'portal-booked-nojs')
    await context.close()
  })
})
