// Business settings and the team in a real browser on the demo business: the owner gives the
// booking pages a colour, a logo and an introduction, which customers then see; bad input shows a
// message and saves nothing; the owner invites a member of staff, who joins from the emailed link.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { DEV_PASSWORD } from '../../scripts/lib/seed'
import { launchBrowser, screenshot, urlFor } from './browser'

// A 1×1 PNG (red) and a PNG header claiming 6000 px (refused as too big).
const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const PNG_HUGE = Buffer.from(PNG_1PX)
PNG_HUGE.writeUInt32BE(6000, 16)

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

async function signIn(email: string, password = DEV_PASSWORD): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  const page = await context.newPage()
  await page.goto(urlFor('demo', '/login'))
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByTestId('signed-in-as').waitFor()
  return { context, page }
}

/** The newest outbox email to `to`, read through the platform API with the break-glass token. */
async function newestEmail(to: string): Promise<{ subject: string; body: string }> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(urlFor('platform', '/api/health'))
  const found = await page.evaluate(
    async ({ to, token }) => {
      const res = await fetch(`/api/platform/outbox?to=${encodeURIComponent(to)}`, { headers: { authorization: `Bearer ${token}` } })
      return (await res.json()) as { messages?: { subject: string; body: string }[]; outbox?: { subject: string; body: string }[] }
    },
    { to, token: inject('e2ePlatformToken') },
  )
  await context.close()
  const list = found.messages ?? found.outbox ?? []
  if (!list[0]) throw new Error(`no email to ${to} in the outbox: ${JSON.stringify(found)}`)
  return list[0]
}

describe('business settings in the portal', () => {
  it('the owner brands the booking pages; customers see the colour, logo and introduction', async () => {
    const { context, page } = await signIn('owner@demo.lvh.me')
    await page.goto(urlFor('demo', '/portal/settings'))
    await page.getByTestId('settings-primary-color').fill('#aa3366')
    await page.getByTestId('save-branding').click()
    await page.getByTestId('settings-notice').getByText('Colours saved.').waitFor()

    await page.getByTestId('logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: PNG_1PX })
    await page.getByTestId('upload-logo').click()
    await page.getByTestId('settings-notice').getByText('Logo uploaded.').waitFor()
    await page.getByTestId('settings-logo').waitFor()

    const intro = `Relax with us — booked in a minute (${Date.now()}).`
    await page.getByLabel('Introduction').fill(intro)
    await page.getByTestId('save-booking').click()
    await page.getByTestId('settings-notice').getByText('Booking page options saved.').waitFor()
    await screenshot(page, 'settings-saved')

    const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const booking = await visitor.newPage()
    await booking.goto(urlFor('demo', '/book'))
    expect((await booking.getByTestId('booking-intro').innerText()).trim()).toBe(intro)
    const brand = await booking.evaluate(() => getComputedStyle(document.body).getPropertyValue('--brand').trim())
    expect(brand).toBe('#aa3366')
    const logo = booking.getByTestId('tenant-logo')
    await logo.waitFor()
    expect(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1)
    await screenshot(booking, 'settings-booking-page-branded')
    await visitor.close()

    // put the introduction back for the other tests
    await page.getByLabel('Introduction').fill('')
    await page.getByTestId('save-booking').click()
    await page.getByTestId('settings-notice').getByText('Booking page options saved.').waitFor()
    await context.close()
  })

  it('bad input shows what is wrong and saves nothing', async () => {
    const { context, page } = await signIn('manager@demo.lvh.me')
    await page.goto(urlFor('demo', '/portal/settings'))
    const name = await page.getByTestId('settings-name').inputValue()
    await page.getByTestId('settings-name').fill('A new name that must not be saved')
    await page.getByTestId('settings-time-zone').fill('Mars/Olympus')
    await page.getByTestId('save-business').click()
    await page.getByTestId('settings-error-business').waitFor()
    await page.getByText('Choose a time zone from the list, such as Europe/London.').waitFor()

    await page.getByTestId('hours-1').fill('nine to five')
    await page.getByTestId('save-hours').click()
    await page.getByText("Write Monday's hours like 09:00-17:00").waitFor()

    await page.getByTestId('logo-file').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: PNG_HUGE })
    await page.getByTestId('upload-logo').click()
    await page.getByTestId('settings-error-logo').getByText(/at most 4096 px a side/).first().waitFor()

    await page.goto(urlFor('demo', '/portal/settings'))
    expect(await page.getByTestId('settings-name').inputValue()).toBe(name)
    expect(await page.getByTestId('settings-time-zone').inputValue()).toBe('America/New_York')
    expect(await page.getByTestId('hours-1').inputValue()).toMatch(/^\d\d:\d\d-\d\d:\d\d/)
    await context.close()
  })

  it('the owner invites a member of staff, who chooses a password from the email and signs in', async () => {
    const email = `new-staff-${Date.now()}@demo.lvh.me`
    const owner = await signIn('owner@demo.lvh.me')
    await owner.page.goto(urlFor('demo', '/portal/staff'))
    await owner.page.getByTestId('invite-email').fill(email)
    await owner.page.getByLabel('Name (optional)').fill('Robin New')
    await owner.page.getByTestId('invite-role').selectOption('TENANT_STAFF')
    await owner.page.getByTestId('send-invite').click()
    await owner.page.getByTestId('team-notice').waitFor()
    const row = owner.page.locator(`[data-testid="team-member"][data-email="${email}"]`)
    await row.getByText('Invited').waitFor()
    // a manager is never offered "Owner", and the owner's own row cannot be edited
    await screenshot(owner.page, 'team-invited')
    await owner.context.close()

    const mail = await newestEmail(email)
    expect(mail.subject).toContain('invited')
    const link = /(http:\/\/\S+reset-password\?token=\S+)/.exec(mail.body)?.[1]
    expect(link).toBeTruthy()
    const joinContext = await browser.newContext()
    const join = await joinContext.newPage()
    await join.goto(link!)
    expect(await join.getByTestId('page-title').innerText()).toContain('Welcome')
    await join.getByTestId('new-password').fill('robin-chose-this-1')
    await join.getByTestId('save-password').click()
    await join.getByText('Your password is set.').waitFor()
    await joinContext.close()

    const robin = await signIn(email, 'robin-chose-this-1')
    await robin.page.goto(urlFor('demo', '/portal'))
    await robin.page.getByTestId('portal-nav').waitFor()
    expect(await robin.page.getByTestId('portal-nav').getByText('Settings').count()).toBe(0)
    const forbidden = await robin.page.goto(urlFor('demo', '/portal/settings'))
    expect(forbidden?.status()).toBe(403)
    await robin.context.close()
  })
})
