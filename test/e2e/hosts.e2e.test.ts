// The host decides the page: what a visitor sees on each of the platform's hosts.
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser, screenshot, urlFor } from './browser'

let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})
beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  page = await context.newPage()
})
afterEach(async () => {
  await context?.close()
})

/** The page's visible text, as a user reads it (whitespace collapsed). */
async function visibleText(selector: string): Promise<string> {
  const locator = page.locator(selector)
  await locator.first().waitFor({ state: 'visible' })
  return (await locator.first().innerText()).replace(/\s+/g, ' ').trim()
}

describe('hosts', () => {
  it('platform.lvh.me shows the platform sign-in to a visitor', async () => {
    const response = await page.goto(urlFor('platform'))
    expect(response?.status()).toBe(200)
    expect(await visibleText('h1')).toBe('Platform sign-in')
    expect(await page.getByLabel('Email').isVisible()).toBe(true)
    expect(await page.title()).toBe('SmoothSchedule Platform')
    await screenshot(page, 'platform-home')
  })

  it('demo.lvh.me shows the Demo Wellness Studio landing page with its tagline', async () => {
    const response = await page.goto(urlFor('demo'))
    expect(response?.status()).toBe(200)
    expect(await visibleText('h1')).toBe('Demo Wellness Studio')
    expect(await page.getByTestId('tenant-name').isVisible()).toBe(true)
    // The tagline the seed gives the demo business (scripts/lib/seed.ts).
    const tagline = await visibleText('[data-testid="tenant-tagline"]')
    expect(tagline).toBe('Massage, physio and yoga in the heart of town. Book online in seconds.')
    expect(await page.title()).toBe('Demo Wellness Studio · Book online')
    await screenshot(page, 'demo-landing')
  })

  it('the bare lvh.me shows the marketing page', async () => {
    const response = await page.goto(urlFor(''))
    expect(response?.status()).toBe(200)
    expect(await visibleText('h1')).toBe('Scheduling that never double-books.')
    expect(await page.getByRole('link', { name: 'Platform sign-in' }).isVisible()).toBe(true)
    await screenshot(page, 'marketing')
  })

  it('an unknown business subdomain shows a 404 page with status 404', async () => {
    const response = await page.goto(urlFor('nosuch'))
    expect(response?.status()).toBe(404)
    expect(await visibleText('h1')).toContain('404')
    expect(await visibleText('h1')).toContain('Not found')
    await screenshot(page, 'unknown-tenant-404')
  })

  it('platform.lvh.me/api/health answers JSON with status ok', async () => {
    const response = await page.goto(urlFor('platform', '/api/health'))
    expect(response?.status()).toBe(200)
    expect(response?.headers()['content-type']).toContain('application/json')
    const body = (await response!.json()) as { status: string; database: { ok: boolean }; durableObject: { ok: boolean } }
    expect(body.status).toBe('ok')
    expect(body.database.ok).toBe(true)
    expect(body.durableObject.ok).toBe(true)
    await screenshot(page, 'api-health')
  })
})
