// Debian's Chromium driven by playwright-core: no browser is ever downloaded. *.lvh.me and the
// bare lvh.me resolve to 127.0.0.1 inside the browser, so no DNS (and no network) is needed.
import { existsSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { inject } from 'vitest'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium'
const root = resolve(import.meta.dirname, '..', '..')
export const SCREENSHOTS = join(root, 'test-results', 'screenshots')

/** `extraHosts`: more host patterns (custom domains of a test) that resolve to 127.0.0.1. */
export function launchBrowser(options: { extraHosts?: string[] } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's \`chromium\` package (or set E2E_CHROMIUM)`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      // `*.lvh.me` matches subdomains only, so the bare host needs its own rule.
      `--host-resolver-rules=${['*.lvh.me', 'lvh.me', ...(options.extraHosts ?? [])].map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
    ],
  })
}

/** http://<sub>.lvh.me:<port>, or the bare root when sub is empty. */
export function urlFor(sub: string, path = '/'): string {
  const host = sub ? `${sub}.lvh.me` : 'lvh.me'
  return `http://${host}:${inject('e2ePort')}${path}`
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}
