// Live updates in real browsers on the demo business: two customers look at the same week; when
// one picks a time, it disappears from the other's page without a reload; when the booking is
// made, it appears on the owner's open calendar; a dropped connection shows "Reconnecting…" and
// comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

const BUSINESS_ZONE = 'America/New_York'
const MASSAGE = 'Massage, 60 minutes'

let browser: Browser
const contexts: BrowserContext[] = []
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined)
  await browser?.close()
})

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BUSINESS_ZONE })
  contexts.push(context)
  return context.newPage()
}

/** The massage page two weeks ahead (clear of the other browser tests' bookings), live. */
async function openMassageWeek(page: Page, week: string) {
  await page.goto(urlFor('demo', '/book'))
  await page.getByTestId('service').filter({ hasText: MASSAGE }).click()
  await page.waitForURL(/\/book\/[0-9a-f-]{36}/)
  const url = new URL(page.url())
  url.searchParams.set('week', week)
  await page.goto(url.toString())
  await page.getByTestId('slot-week').waitFor()
  await page.locator('[data-testid="live-status"][data-state="live"]').waitFor()
}

/** Marks the page, so that a reload (which would clear the mark) can be told from a live update. */
async function mark(page: Page) {
  await page.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true))
}
async function notReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded === true)
}

function weekAhead(weeks: number): string {
  const d = new Date(Date.now() + weeks * 7 * 24 * 3600_000)
  return new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d)
}

describe('live updates', () => {
  it("takes a time off the other customer's page, and puts the booking on the owner's calendar, without reloading", async () => {
    const week = weekAhead(2)
    const first = await newPage()
    const second = await newPage()
    await openMassageWeek(first, week)
    await openMassageWeek(second, week)
    // the same week, the same free times; pick one the second customer can see too
    const value = (await second.getByTestId('slot').first().getAttribute('value'))!
    const start = value.split('|')[0]!
    expect(await first.locator(`[data-testid="slot"][value="${value}"]`).count()).toBe(1)

    const owner = await newPage()
    await owner.goto(urlFor('demo', '/login'))
    await owner.getByLabel('Email').fill('owner@demo.lvh.me')
    await owner.getByLabel('Password').fill(DEV_PASSWORD)
    await owner.getByRole('button', { name: 'Sign in' }).click()
    await owner.getByTestId('signed-in-as').waitFor()
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: BUSINESS_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(start))
    await owner.goto(urlFor('demo', `/portal?view=week&date=${day}`))
    await owner.locator('[data-testid="live-status"][data-state="live"]').waitFor()
    await mark(second)
    await mark(owner)

    // The first customer chooses the time: it is held for them, and gone from the second page.
    await first.locator(`[data-testid="slot"][value="${value}"]`).click()
    await first.waitForURL(/\/details\?hold=/)
    await second.locator(`[data-testid="slot"][value="${value}"]`).waitFor({ state: 'detached', timeout: 5_000 })
    expect(await notReloaded(second)).toBe(true)
    expect(await second.getByTestId('slot').count()).toBeGreaterThan(0) // the other times are still there
    await screenshot(second, 'realtime-slot-gone')

    // The first customer books; the owner's open calendar shows it.
    const name = `Live Tester ${Date.now()}`
    await first.getByLabel('Name').fill(name)
    await first.getByLabel('Email').fill(`live.${Date.now()}@example.com`)
    await first.getByTestId('book-button').click()
    await first.waitForURL(/\/book\/done\//)
    const booked = owner.getByTestId('event').filter({ hasText: name })
    await booked.waitFor({ timeout: 5_000 })
    expect(await booked.innerText()).toContain(MASSAGE)
    expect(await owner.locator(`[data-testid="calendar-day"][data-date="${day}"]`).innerText()).toContain(name)
    expect(await notReloaded(owner)).toBe(true)
    await screenshot(owner, 'realtime-calendar')
  })

  it('shows "Reconnecting…" while the connection is down and goes live again', async () => {
    const page = await newPage()
    await openMassageWeek(page, weekAhead(3))
    const status = page.getByTestId('live-status')
    await page.context().setOffline(true)
    await page.evaluate(() => window.dispatchEvent(new Event('offline')))
    // Chromium drops open sockets when the network goes away
    await page.locator('[data-testid="live-status"][data-state="reconnecting"]').waitFor({ timeout: 15_000 })
    expect(await status.innerText()).toContain('Reconnecting')
    await screenshot(page, 'realtime-reconnecting')
    await page.context().setOffline(false)
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    await page.locator('[data-testid="live-status"][data-state="live"]').waitFor({ timeout: 40_000 })
  })
})
