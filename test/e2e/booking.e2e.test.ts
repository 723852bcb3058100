// Self-booking in a real browser on the seeded demo business: a customer books a massage, staff
// see it on their calendar, the customer moves it and cancels it through the manage link; the
// same booking works with JavaScript switched off, twice-sent forms book once, and a time taken
// meanwhile is refused with the times still free.
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

const BUSINESS_ZONE = 'America/New_York'
const MASSAGE = 'Massage, 60 minutes'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** YYYY-MM-DD of an instant on the business's clock (what the portal's ?date= means). */
function businessDate(iso: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso))
}

/** The instant a slot button books: its value is `start ISO|resourceIds`. */
async function slotStart(page: Page, index = 0): Promise<{ value: string; start: string }> {
  const value = (await page.getByTestId('slot').nth(index).getAttribute('value'))!
  return { value, start: value.split('|')[0]! }
}

/**
 * POSTs a form as a browser would (same Origin). Node cannot resolve *.lvh.me without DNS, so it
 * asks 127.0.0.1 and names the host in the Host header.
 */
function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; location: string | undefined }> {
  const target = new URL(url)
  const body = new URLSearchParams(fields).toString()
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: 'POST',
        headers: { host: target.host, origin: target.origin, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function text(page: Page, testId: string): Promise<string> {
  const locator = page.getByTestId(testId)
  await locator.first().waitFor({ state: 'visible' })
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim()
}

/** "Later →", then wait until the new week is on screen (the URL changes a moment before the page does). */
async function nextWeek(page: Page, scope = page.locator('body')) {
  await scope.getByTestId('next-week').click()
  await page.waitForURL(/week=\d{4}-\d{2}-\d{2}/)
  const week = new URL(page.url()).searchParams.get('week')!
  await scope.locator(`[data-testid="slot-day"][data-date="${week}"]`).waitFor()
}

async function openMassage(page: Page) {
  await page.goto(urlFor('demo', '/book'))
  await page.getByTestId('service').filter({ hasText: MASSAGE }).click()
  await page.waitForURL(/\/book\/[0-9a-f-]{36}/)
  await page.getByTestId('slot-week').waitFor()
}

async function fillDetails(page: Page, customer: { name: string; email: string; phone?: string }) {
  await page.getByLabel('Name').fill(customer.name)
  await page.getByLabel('Email').fill(customer.email)
  await page.getByLabel('Phone (optional)').fill(customer.phone ?? '')
}

async function staffSignIn(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: BUSINESS_ZONE })
  const page = await context.newPage()
  await page.goto(urlFor('demo', '/login'))
  await page.getByLabel('Email').fill('staff@demo.lvh.me')
  await page.getByLabel('Password').fill(DEV_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('signed-in-as').waitFor()
  return { context, page }
}

describe('booking', () => {
  it('a customer books a massage, staff see it, the customer reschedules and cancels it', async () => {
    // The customer's browser is in London: the times follow the browser's zone.
    const customer = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Europe/London' })
    const page = await customer.newPage()
    const who = { name: `Avery Tester ${Date.now()}`, email: `avery.${Date.now()}@example.com`, phone: '+1 555 123 4567' }

    await page.goto(urlFor('demo'))
    await page.getByTestId('book-online').click()
    await page.waitForURL(/\/book$/)
    // the seeded services are offered (other tests may add more)
    const offered = await text(page, 'service-list')
    for (const name of ['Massage, 60 minutes', 'Physio assessment', 'Morning yoga class']) expect(offered).toContain(name)
    expect(await text(page, 'service-list')).toContain('$90.00')
    await screenshot(page, 'booking-services')

    await page.getByTestId('service').filter({ hasText: MASSAGE }).click()
    await page.waitForURL(/tz=Europe%2FLondon/)
    await expect.poll(() => page.getByTestId('tz-select').inputValue()).toBe('Europe/London')
    await page.getByTestId('slot').first().waitFor()
    await screenshot(page, 'booking-times')

    // Next week, so that the booking is well before the 24-hour cut-off for changes.
    await nextWeek(page)
    const first = await slotStart(page)
    await page.locator(`[data-testid="slot"][value="${first.value}"]`).click()
    await page.waitForURL(/\/details\?hold=/)
    expect(await text(page, 'hold-expiry')).toMatch(/holding this time for you until \d{1,2}:\d{2} (AM|PM)/)
    expect(await text(page, 'booking-summary')).toContain('Europe/London')

    // A phone number the business cannot use: the form comes back with the message and the values.
    await fillDetails(page, { ...who, phone: 'call me maybe' })
    await page.getByTestId('book-button').click()
    await page.getByTestId('phone-error').waitFor()
    expect(await page.getByLabel('Name').inputValue()).toBe(who.name)
    await screenshot(page, 'booking-details-invalid')

    await page.getByLabel('Phone (optional)').fill(who.phone)
    await screenshot(page, 'booking-details')
    await page.getByTestId('book-button').click()
    await page.waitForURL(/\/book\/done\//)
    // the URL changes a moment before the new page is rendered
    await expect.poll(() => text(page, 'page-title')).toBe('You’re booked')
    const confirmation = await text(page, 'confirmation')
    expect(confirmation).toContain(MASSAGE)
    expect(confirmation).toContain(who.name)
    expect(await page.getByTestId('status').getAttribute('data-status')).toBe('confirmed')
    const manageHref = (await page.getByTestId('manage-link').getAttribute('href'))!
    expect(manageHref).toMatch(/^\/manage\/[A-Za-z0-9_-]{20,64}$/)
    expect(await page.getByTestId('manage-link').innerText()).toContain(`demo.lvh.me`)
    await screenshot(page, 'booking-confirmation')

    // Staff open their calendar from the landing page and find the booking in that week.
    const staff = await staffSignIn()
    await staff.page.getByTestId('open-portal').click()
    await staff.page.waitForURL(/\/portal/)
    await staff.page.goto(urlFor('demo', `/portal?view=week&date=${businessDate(first.start)}`))
    const booked = staff.page.getByTestId('event').filter({ hasText: who.name })
    await booked.waitFor()
    expect(await booked.getAttribute('data-status')).toBe('confirmed')
    expect(await booked.innerText()).toContain(MASSAGE)
    expect(await staff.page.locator(`[data-testid="calendar-day"][data-date="${businessDate(first.start)}"]`).innerText()).toContain(who.name)
    await screenshot(staff.page, 'booking-portal-week')

    // The customer moves the booking through the manage link…
    await page.goto(urlFor('demo', manageHref))
    await page.waitForURL(/tz=Europe%2FLondon/)
    await expect.poll(() => page.getByTestId('tz-select').inputValue()).toBe('Europe/London')
    const before = `${await text(page, 'booking-date')} ${await text(page, 'booking-time')}`
    await screenshot(page, 'booking-manage')
    await page.getByTestId('reschedule-link').click()
    await page.getByTestId('reschedule').waitFor()
    await nextWeek(page, page.getByTestId('reschedule'))
    const moved = await slotStart(page)
    expect(moved.start).not.toBe(first.start)
    await screenshot(page, 'booking-manage-reschedule')
    await page.getByTestId('reschedule-week').locator(`[data-testid="slot"][value="${moved.value}"]`).click()
    await page.getByTestId('manage-notice').waitFor()
    expect(await text(page, 'manage-notice')).toContain('moved')
    expect(`${await text(page, 'booking-date')} ${await text(page, 'booking-time')}`).not.toBe(before)
    const londonTime = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/London', hour: 'numeric', minute: '2-digit' }).format(new Date(moved.start))
    expect(await text(page, 'booking-time')).toContain(londonTime.replace(/\s/g, ' '))

    // …then cancels it.
    await page.getByTestId('cancel-link').click()
    await page.getByTestId('confirm-cancel').waitFor()
    await page.getByTestId('confirm-cancel-button').click()
    await page.getByText('Your booking is cancelled').waitFor()
    expect(await page.getByTestId('status').getAttribute('data-status')).toBe('cancelled')
    expect(await page.getByTestId('cancel-link').count()).toBe(0)
    await screenshot(page, 'booking-manage-cancelled')

    // The calendar no longer shows it as live (only among the cancelled, when asked).
    await staff.page.goto(urlFor('demo', `/portal?view=week&date=${businessDate(moved.start)}`))
    await staff.page.getByTestId('calendar-week').waitFor()
    expect(await staff.page.getByTestId('event').filter({ hasText: who.name }).count()).toBe(0)
    await staff.page.goto(urlFor('demo', `/portal?view=week&date=${businessDate(moved.start)}&cancelled=1`))
    const cancelled = staff.page.getByTestId('event').filter({ hasText: MASSAGE }).filter({ has: staff.page.locator('[data-status="cancelled"]') })
    await cancelled.first().waitFor()
    await screenshot(staff.page, 'booking-portal-after-cancel')

    await staff.context.close()
    await customer.close()
  })

  it('books end to end with JavaScript disabled, and a form sent twice books once', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await openMassage(page)
    // Without JavaScript the business's zone applies, and the select has its own button.
    expect(await page.getByTestId('tz-select').inputValue()).toBe(BUSINESS_ZONE)
    expect(await page.getByTestId('tz-form').getByRole('button', { name: 'Show' }).isVisible()).toBe(true)
    await screenshot(page, 'booking-nojs-times')

    const chosen = await slotStart(page)
    await page.getByTestId('slot').first().click()
    await page.waitForURL(/\/details\?hold=/)
    await fillDetails(page, { name: 'Noor No-Script', email: 'noor@example.com' })

    // The form as the browser would send it, sent twice: the idempotency key makes it one booking.
    const fields = await page.getByTestId('details-form').evaluate((form) =>
      Object.fromEntries([...new FormData(form as HTMLFormElement).entries()].map(([k, v]) => [k, String(v)])),
    )
    const action = page.url()
    const [one, two] = [await postForm(action, fields), await postForm(action, fields)]
    expect(one.status).toBe(302)
    expect(two.status).toBe(302)
    expect(two.location).toBe(one.location)
    expect(one.location).toMatch(/^\/book\/done\/[A-Za-z0-9_-]+/)

    // And the browser's own submit (the same key again) lands on the same confirmation.
    await page.getByTestId('book-button').click()
    await page.waitForURL(/\/book\/done\//)
    expect(new URL(page.url()).pathname).toBe(one.location!.split('?')[0])
    expect(await text(page, 'page-title')).toBe('You’re booked')
    expect(await text(page, 'confirmation')).toContain('Noor No-Script')
    await screenshot(page, 'booking-nojs-confirmation')

    // One booking: the time is gone from the list, and the manage link opens it.
    await openMassage(page)
    const values = await page.getByTestId('slot').evaluateAll((buttons) => buttons.map((b) => (b as HTMLButtonElement).value))
    expect(values).not.toContain(chosen.value)
    await page.goto(urlFor('demo', one.location!.replace('/book/done/', '/manage/').split('?')[0]!))
    expect(await text(page, 'booking')).toContain('Noor No-Script')
    expect(await page.getByTestId('status').getAttribute('data-status')).toBe('confirmed')
    await context.close()
  })

  it('a time taken meanwhile shows "that time was just taken" and the times still free', async () => {
    // Without JavaScript the page gets no live updates (with them, the taken time would vanish before
    // the click: test/e2e/realtime.e2e.test.ts), so the stale choice reaches the server.
    const slow = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BUSINESS_ZONE, javaScriptEnabled: false })
    const fast = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BUSINESS_ZONE })
    const slowPage = await slow.newPage()
    const fastPage = await fast.newPage()
    await openMassage(slowPage)
    await openMassage(fastPage)
    const wanted = await slotStart(slowPage)
    // The other customer picks that same time first.
    await fastPage.locator(`[data-testid="slot"][value="${wanted.value}"]`).click()
    await fastPage.waitForURL(/\/details\?hold=/)

    await slowPage.locator(`[data-testid="slot"][value="${wanted.value}"]`).click()
    await slowPage.getByTestId('slot-error').waitFor()
    expect(await text(slowPage, 'slot-error')).toContain('that time was just taken')
    // The list is fetched again: the taken time leaves it, the others stay.
    await slowPage.locator(`[data-testid="slot"][value="${wanted.value}"]`).waitFor({ state: 'detached' })
    const still = await slowPage.getByTestId('slot').evaluateAll((buttons) => buttons.map((b) => (b as HTMLButtonElement).value))
    expect(still.length).toBeGreaterThan(0)
    expect(still).not.toContain(wanted.value)
    await screenshot(slowPage, 'booking-slot-taken')
    await slow.close()
    await fast.close()
  })

  it('a manager confirms a pending physio booking, and moves and cancels a massage, from the portal', async () => {
    const customer = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BUSINESS_ZONE })
    const page = await customer.newPage()
    const stamp = Date.now()
    const book = async (service: string, name: string, week?: string) => {
      await page.goto(urlFor('demo', '/book'))
      await page.getByTestId('service').filter({ hasText: service }).click()
      await page.waitForURL(/\/book\/[0-9a-f-]{36}/)
      if (week) await page.goto(`${page.url().split('?')[0]}?week=${week}`)
      await page.getByTestId('slot').first().waitFor()
      const chosen = await slotStart(page)
      await page.getByTestId('slot').first().click()
      await page.waitForURL(/\/details\?hold=/)
      await fillDetails(page, { name, email: `${name.split(' ')[0]!.toLowerCase()}.${stamp}@example.com` })
      await page.getByTestId('book-button').click()
      await page.waitForURL(/\/book\/done\//)
      return chosen
    }
    const physioName = `Pat Pending ${stamp}`
    const physio = await book('Physio assessment', physioName)
    expect(await text(page, 'page-title')).toBe('Request received')
    expect(await page.getByTestId('status').getAttribute('data-status')).toBe('pending')
    // Three weeks ahead, where the other tests book nothing.
    const massageName = `Mo Mover ${stamp}`
    const massage = await book(MASSAGE, massageName, businessDate(new Date(Date.now() + 21 * 24 * 3600_000).toISOString()))

    const manager = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: BUSINESS_ZONE })
    const portal = await manager.newPage()
    await portal.goto(urlFor('demo', '/login'))
    await portal.getByLabel('Email').fill('manager@demo.lvh.me')
    await portal.getByLabel('Password').fill(DEV_PASSWORD)
    await portal.getByRole('button', { name: 'Sign in' }).click()
    await portal.getByTestId('signed-in-as').waitFor()

    // The physio needs a physio and the studio: it shows in both columns of the day; act on the first.
    await portal.goto(urlFor('demo', `/portal?view=day&date=${businessDate(physio.start)}`))
    const card = (name: string) => portal.getByTestId('event').filter({ hasText: name }).first()
    await card(physioName).waitFor()
    expect(await portal.getByTestId('event').filter({ hasText: physioName }).count()).toBe(2)
    expect(await card(physioName).getAttribute('data-status')).toBe('pending')
    await card(physioName).getByText('Manage').click()
    await screenshot(portal, 'booking-portal-day')
    await card(physioName).getByTestId('confirm-event').click()
    await portal.getByTestId('portal-notice').getByText('The appointment is confirmed.').waitFor()
    expect(await card(physioName).getAttribute('data-status')).toBe('confirmed')

    // Move the massage a week later, same time of day on the business's clock.
    await portal.goto(urlFor('demo', `/portal?view=day&date=${businessDate(massage.start)}`))
    await card(massageName).getByText('Manage').click()
    const field = card(massageName).getByLabel('Move to')
    const [date, time] = (await field.inputValue()).split('T') as [string, string]
    const later = new Date(`${date}T00:00:00Z`)
    later.setUTCDate(later.getUTCDate() + 7)
    const movedDate = later.toISOString().slice(0, 10)
    await field.fill(`${movedDate}T${time}`)
    await card(massageName).getByTestId('move-event').click()
    await portal.getByTestId('portal-notice').getByText('The appointment has been moved.').waitFor()
    expect(await portal.getByTestId('event').filter({ hasText: massageName }).count()).toBe(0)

    await portal.goto(urlFor('demo', `/portal?view=day&date=${movedDate}`))
    await card(massageName).waitFor()
    const movedTime = new Intl.DateTimeFormat('en-US', { timeZone: BUSINESS_ZONE, hour: 'numeric', minute: '2-digit' }).format(new Date(massage.start))
    expect((await card(massageName).innerText()).replace(/\s+/g, ' ')).toContain(movedTime.replace(/\s/g, ' '))
    await card(massageName).getByText('Manage').click()
    await card(massageName).getByTestId('cancel-event').click()
    await portal.getByTestId('portal-notice').getByText('The appointment is cancelled.').waitFor()
    expect(await portal.getByTestId('event').filter({ hasText: massageName }).count()).toBe(0)
    await screenshot(portal, 'booking-portal-day-after')
    await manager.close()
    await customer.close()
  })

  it('two customers take places in the same group class', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BUSINESS_ZONE })
    const page = await context.newPage()
    const bookYoga = async (value: string | null, name: string) => {
      await page.goto(urlFor('demo', '/book'))
      await page.getByTestId('service').filter({ hasText: 'Morning yoga class' }).click()
      await page.getByTestId('slot').first().waitFor()
      const slot = value ? page.locator(`[data-testid="slot"][value="${value}"]`) : page.getByTestId('slot').first()
      const chosen = (await slot.getAttribute('value'))!
      await slot.click()
      await page.waitForURL(/\/details\?/)
      await fillDetails(page, { name, email: `${name.split(' ')[0]!.toLowerCase()}@example.com` })
      await page.getByTestId('book-button').click()
      await page.waitForURL(/\/book\/done\//)
      expect(await text(page, 'confirmation')).toContain(name)
      return chosen
    }
    const session = await bookYoga(null, 'Yara Yogi')
    // The class has people in it now: the second place is taken without a hold, and still books.
    await bookYoga(session, 'Zed Stretch')
    await context.close()
  })

  it('an unknown manage link is a 404 page; the portal sends visitors to sign in and refuses customers', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const response = await page.goto(urlFor('demo', '/manage/not-a-real-token-0123456789'))
    expect(response?.status()).toBe(404)
    expect(await page.locator('h1').innerText()).toContain('404')
    expect(await page.locator('p.lead').innerText()).toContain('manage link is not valid')

    await page.goto(urlFor('demo', '/portal'))
    expect(new URL(page.url()).pathname).toBe('/login')

    await page.getByLabel('Email').fill('customer@demo.lvh.me')
    await page.getByLabel('Password').fill(DEV_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('signed-in-as').waitFor()
    expect(await page.getByTestId('open-portal').count()).toBe(0)
    const refused = await page.goto(urlFor('demo', '/portal'))
    expect(refused?.status()).toBe(403)
    expect(await page.locator('h1').innerText()).toContain('403')
    await context.close()
  })
})
