// In a real browser: support signs in on the platform, acts as a business's staff member, sees the
// banner on the business's host, and stops — back on the platform as themself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

describe('masquerade', () => {
  it('support acts as demo staff, sees the banner, and stops', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    await page.goto(urlFor('platform'))
    await page.getByLabel('Email').fill('support@platform.lvh.me')
    await page.getByLabel('Password').fill(DEV_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('user-table').waitFor()
    expect(await page.getByTestId('account-menu').innerText()).toContain('PLATFORM_SUPPORT')

    await page.getByRole('button', { name: 'Act as staff@demo.lvh.me' }).click()
    await page.waitForURL(/^http:\/\/demo\.lvh\.me:\d+\/$/)
    const banner = page.getByTestId('masquerade-banner')
    await banner.waitFor()
    const text = (await banner.innerText()).replace(/\s+/g, ' ')
    expect(text).toContain('You are acting as staff@demo.lvh.me (TENANT_STAFF)')
    expect(text).toContain('Signed in as support@platform.lvh.me')
    expect(await page.getByTestId('signed-in-as').innerText()).toContain('staff@demo.lvh.me')
    await screenshot(page, 'masquerade-banner')

    await page.getByTestId('stop-masquerade').click()
    await page.waitForURL(/^http:\/\/platform\.lvh\.me:\d+\/$/)
    await page.getByTestId('user-table').waitFor()
    expect(await page.getByTestId('masquerade-banner').count()).toBe(0)
    expect(await page.getByTestId('account-menu').innerText()).toContain('PLATFORM_SUPPORT')

    // the demo host no longer has a session
    await page.goto(urlFor('demo'))
    expect(await page.getByTestId('masquerade-banner').count()).toBe(0)
    expect(await page.getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true)
    await context.close()
  })

  it('a demo staff member signed in on the business host sees the platform sign-in on the platform host', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(urlFor('demo', '/login'))
    await page.getByLabel('Email').fill('staff@demo.lvh.me')
    await page.getByLabel('Password').fill(DEV_PASSWORD)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByTestId('signed-in-as').waitFor()
    await page.goto(urlFor('platform'))
    expect(await page.locator('h1').innerText()).toBe('Platform sign-in')
    expect(page.url()).toMatch(/platform\.lvh\.me/)
    await context.close()
  })
})
