// The platform host in a real browser: a platform manager creates a business (and invites its
// owner), adds a custom domain, fails and then passes its DNS verification (a TXT record published
// on the platform's local DNS-over-HTTPS resolver), and the business's page answers on that domain
// (mapped to 127.0.0.1 in the browser) until the domain is removed. The dashboard counts it.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser({ extraHosts: ['*.example.com'] })
})
afterAll(async () => {
  await browser?.close()
})

/** A signed-in page on the platform host, showing the dashboard. */
async function signInPlatform(email: string) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  const page = await context.newPage()
  await page.goto(urlFor('platform', '/'))
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(DEV_PASSWORD)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('dashboard').waitFor()
  return { context, page }
}

describe('platform administration', () => {
  it('a platform manager creates a tenant, verifies its custom domain, and the tenant answers on it', async () => {
    const tag = Date.now().toString(36)
    const slug = `e2e-${tag}`
    const host = `shop-${tag}.example.com`
    const { context, page } = await signInPlatform('manager@platform.lvh.me')
    const tenantsBefore = Number((await page.getByTestId('stat-tenants').locator('.stat-value').innerText()).trim())

    await page.goto(urlFor('platform', '/tenants'))
    // a reserved slug is refused and nothing is created
    await page.getByTestId('tenant-name').fill('Reserved Name Spa')
    await page.getByTestId('tenant-slug').fill('platform')
    await page.getByTestId('create-tenant').click()
    await page.getByText('slug is reserved').first().waitFor()

    await page.getByTestId('tenant-name').fill(`Harbour Spa ${tag}`)
    await page.getByTestId('tenant-slug').fill(slug)
    await page.getByTestId('tenant-owner-email').fill(`owner-${tag}@harbour.example.com`)
    await page.getByTestId('create-tenant').click()
    await page.waitForURL(/\/tenants\/[0-9a-f-]{36}\?notice=created/)
    await page.getByTestId('tenant-notice').waitFor()

    await page.getByTestId('domain-host').fill(host)
    await page.getByTestId('add-domain').click()
    await page.getByTestId('tenant-notice').getByText('Domain added').waitFor()
    const domain = page.locator(`[data-testid="domain"][data-host="${host}"]`)
    const txtValue = (await domain.getByTestId('txt-value').innerText()).trim()
    expect(txtValue).toMatch(/^smoothschedule-verify=/)

    // not routable before verification
    const before = await browser.newContext()
    const early = await (await before.newPage()).goto(`http://${host}:${inject('e2ePort')}/`)
    expect(early?.status()).toBe(404)
    await before.close()

    // no record yet: the check fails and says so
    await domain.getByTestId('verify-domain').click()
    await page.getByTestId('error-verify').getByText(/No TXT record/).waitFor()

    const published = await fetch(inject('e2eDnsUrl').replace('/dns-query', `/records/_smoothschedule-verify.${host}`), { method: 'PUT', body: JSON.stringify([txtValue]) })
    expect(published.status).toBe(200)
    await page.locator(`[data-testid="domain"][data-host="${host}"]`).getByTestId('verify-domain').click()
    await page.getByTestId('tenant-notice').getByText('Verified').waitFor()
    await page.locator(`[data-testid="domain"][data-host="${host}"]`).getByTestId('make-primary').click()
    await page.getByTestId('tenant-notice').getByText('Primary domain changed').waitFor()
    await screenshot(page, 'platform-tenant-domains')

    const visitor = await browser.newContext()
    const shop = await visitor.newPage()
    const answered = await shop.goto(`http://${host}:${inject('e2ePort')}/`)
    expect(answered?.status()).toBe(200)
    await shop.getByText(`Harbour Spa ${tag}`).first().waitFor()
    await screenshot(shop, 'platform-custom-domain-landing')

    await page.locator(`[data-testid="domain"][data-host="${host}"]`).getByTestId('remove-domain').click()
    await page.getByTestId('tenant-notice').getByText('Domain removed').waitFor()
    const gone = await shop.goto(`http://${host}:${inject('e2ePort')}/`)
    expect(gone?.status()).toBe(404)
    await visitor.close()

    await page.goto(urlFor('platform', '/'))
    expect(Number((await page.getByTestId('stat-tenants').locator('.stat-value').innerText()).trim())).toBe(tenantsBefore + 1)
    await context.close()
  })

  it('support reads a tenant but is offered no changes; sales see demo tenants only', async () => {
    const { context, page } = await signInPlatform('support@platform.lvh.me')
    await page.goto(urlFor('platform', '/tenants?q=demo'))
    await page.locator('[data-testid="tenant-row"][data-slug="demo"] a').click()
    await page.getByTestId('tenant-usage').waitFor()
    expect(await page.getByTestId('suspend').count()).toBe(0)
    expect(await page.getByTestId('add-domain').count()).toBe(0)
    expect(await page.getByTestId('tenant-form').count()).toBe(0)
    await context.close()

    const { context: salesContext, page: sales } = await signInPlatform('sales@platform.lvh.me')
    await sales.goto(urlFor('platform', '/tenants'))
    await sales.getByTestId('tenant-count').waitFor()
    // the seeded demo business is a demo tenant; nothing else shows
    const rows = sales.locator('[data-testid="tenant-row"]')
    expect(await rows.count()).toBeGreaterThan(0)
    for (const row of await rows.all()) expect(await row.getByText('Demo', { exact: true }).count()).toBe(1)
    await salesContext.close()
  })
})
