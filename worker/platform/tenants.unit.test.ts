import { describe, expect, it } from 'vitest'
import { provisionTenantInput, schemaNameFor, tenantSlug } from './tenants'

describe('tenant slugs', () => {
  it.each(['acme', 'acme-spa', 'a1b', 'Acme-Spa'])('accepts %j', (slug) => {
    expect(tenantSlug.safeParse(slug).success).toBe(true)
  })

  it.each([
    ['ab', 'at least 3'],
    ['1acme', 'start with a letter'],
    ['acme-', 'start with a letter'],
    ['ac--me', 'two hyphens'],
    ['ac_me', 'start with a letter'],
    ['www', 'reserved'],
    ['platform', 'reserved'],
    ['a'.repeat(41), 'at most 40'],
  ])('rejects %j with a message saying why', (slug, why) => {
    const result = tenantSlug.safeParse(slug)
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.message).join(' ')).toContain(why)
  })

  it('maps slugs to schema names that need no quoting', () => {
    expect(schemaNameFor('acme-spa')).toBe('t_acme_spa')
  })
})

describe('provisioning input', () => {
  it('fills defaults', () => {
    expect(provisionTenantInput.parse({ slug: 'acme', name: ' Acme ' })).toEqual({
      slug: 'acme',
      name: 'Acme',
      timeZone: 'UTC',
      plan: 'free',
      isDemo: false,
    })
  })

  it('rejects an unknown time zone', () => {
    const result = provisionTenantInput.safeParse({ slug: 'acme', name: 'Acme', timeZone: 'Mars/Olympus' })
    expect(result.success).toBe(false)
    expect(result.error?.issues[0]?.path).toEqual(['timeZone'])
  })
})
