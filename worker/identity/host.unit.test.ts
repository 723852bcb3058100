import { describe, expect, it } from 'vitest'
import { classifyHost, normalizeHost } from './host'

const ROOT = 'lvh.me'

describe('normalizeHost', () => {
  it.each([
    ['Demo.LVH.me', 'demo.lvh.me'],
    ['demo.lvh.me:8787', 'demo.lvh.me'],
    ['demo.lvh.me.', 'demo.lvh.me'],
    ['  book.example.com  ', 'book.example.com'],
  ])('normalises %j to %j', (raw, expected) => {
    expect(normalizeHost(raw)).toBe(expected)
  })

  it.each([
    [null],
    [''],
    ['bad host'],
    ['under_score.lvh.me'],
    ['-lead.lvh.me'],
    ['trail-.lvh.me'],
    ['a..b.lvh.me'],
    ['demo.lvh.me:port'],
    ['demo.lvh.me:123456'],
    ['[::1]:8787'],
    [`${'a'.repeat(64)}.lvh.me`],
    ['x'.repeat(300)],
    ['demo.lvh.me/evil'],
    ['demo.lvh.me@other.com'],
  ])('rejects %j', (raw) => {
    expect(normalizeHost(raw)).toBeNull()
  })
})

describe('classifyHost', () => {
  it('sends the bare root and www to the marketing site', () => {
    expect(classifyHost('lvh.me:8787', ROOT)).toEqual({ kind: 'marketing', host: 'lvh.me' })
    expect(classifyHost('www.lvh.me', ROOT)).toEqual({ kind: 'marketing', host: 'www.lvh.me' })
  })

  it('sends platform.<root> to the platform', () => {
    expect(classifyHost('PLATFORM.lvh.me:8787', ROOT)).toEqual({ kind: 'platform', host: 'platform.lvh.me' })
  })

  it('reads a tenant slug from a one-label subdomain', () => {
    expect(classifyHost('acme-spa.lvh.me', ROOT)).toEqual({ kind: 'tenant-subdomain', host: 'acme-spa.lvh.me', slug: 'acme-spa' })
  })

  it('treats nested and reserved subdomains as unknown, never as a tenant', () => {
    expect(classifyHost('a.demo.lvh.me', ROOT).kind).toBe('unknown')
    expect(classifyHost('api.lvh.me', ROOT).kind).toBe('unknown')
    expect(classifyHost('admin.lvh.me', ROOT).kind).toBe('unknown')
  })

  it('does not mistake a look-alike domain for a subdomain of the root', () => {
    // "evil-lvh.me" ends with "lvh.me" but is not under it
    expect(classifyHost('evil-lvh.me', ROOT)).toEqual({ kind: 'custom-domain', host: 'evil-lvh.me' })
    expect(classifyHost('demo.lvh.me.evil.com', ROOT)).toEqual({ kind: 'custom-domain', host: 'demo.lvh.me.evil.com' })
  })

  it('treats other host names as candidate custom domains', () => {
    expect(classifyHost('book.acme-spa.com', ROOT)).toEqual({ kind: 'custom-domain', host: 'book.acme-spa.com' })
  })

  it('refuses IP addresses and localhost with a hint', () => {
    const outcome = classifyHost('127.0.0.1:8787', ROOT)
    expect(outcome.kind).toBe('unknown')
    expect(outcome.kind === 'unknown' && outcome.reason).toContain('platform.lvh.me')
    expect(classifyHost('localhost:8787', ROOT).kind).toBe('unknown')
  })

  it('marks a malformed Host as invalid', () => {
    expect(classifyHost('bad host', ROOT).kind).toBe('invalid')
    expect(classifyHost(undefined, ROOT).kind).toBe('invalid')
  })

  it('follows the configured root domain', () => {
    expect(classifyHost('platform.smoothschedule.com', 'smoothschedule.com').kind).toBe('platform')
    expect(classifyHost('platform.lvh.me', 'smoothschedule.com').kind).toBe('custom-domain')
  })
})
