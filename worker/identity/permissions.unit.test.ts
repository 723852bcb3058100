import { describe, expect, it } from 'vitest'
import {
  ACTIONS,
  ROLES,
  canGrant,
  canMasquerade,
  decide,
  isGrantActive,
  type Action,
  type Grant,
  type MasqueradeParty,
  type Principal,
  type Role,
} from './permissions'

const TENANT_A = '00000000-0000-4000-8000-00000000000a'
const TENANT_B = '00000000-0000-4000-8000-00000000000b'

// Written out by hand from DESIGN.md ("Roles"), deliberately not imported from the module under test.
const PLATFORM: readonly Role[] = ['SUPERUSER', 'PLATFORM_MANAGER', 'PLATFORM_SALES', 'PLATFORM_SUPPORT']
const TENANT: readonly Role[] = ['TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF', 'CUSTOMER']
const isTenantRole = (role: Role) => TENANT.includes(role)

// ---------------------------------------------------------------------------------------------
// Masquerade
// ---------------------------------------------------------------------------------------------

interface MasqueradeCase {
  actorRole: Role
  targetRole: Role
  sameTenant: boolean
  targetIsDemo: boolean
  actorIsMasquerading: boolean
  self: boolean
}

/**
 * Who each role may act as, before the universal rules (never yourself, depth 1, a SUPERUSER only
 * by a SUPERUSER). `sameTenant` means both are users of the same tenant.
 */
const MAY_TARGET: Record<Role, (target: { role: Role; isDemo: boolean }, sameTenant: boolean) => boolean> = {
  SUPERUSER: () => true,
  PLATFORM_MANAGER: () => false,
  PLATFORM_SUPPORT: (t) => isTenantRole(t.role),
  PLATFORM_SALES: (t) => isTenantRole(t.role) && t.isDemo,
  // "staff" = both employee roles; not customers, not other owners, never across tenants.
  TENANT_OWNER: (t, sameTenant) => (t.role === 'TENANT_MANAGER' || t.role === 'TENANT_STAFF') && sameTenant,
  TENANT_MANAGER: () => false,
  TENANT_STAFF: () => false,
  CUSTOMER: () => false,
}

/** The expected answer, from the rules alone. */
function expectedMasquerade(c: MasqueradeCase): boolean {
  if (c.self) return false
  if (c.actorIsMasquerading) return false
  if (c.targetRole === 'SUPERUSER' && c.actorRole !== 'SUPERUSER') return false
  const bothInSameTenant = isTenantRole(c.actorRole) && isTenantRole(c.targetRole) && c.sameTenant
  return MAY_TARGET[c.actorRole]({ role: c.targetRole, isDemo: c.targetIsDemo }, bothInSameTenant)
}

function parties(c: MasqueradeCase): { actor: MasqueradeParty; target: MasqueradeParty } {
  // Platform-role users have tenantId null; tenant users belong to TENANT_A (actor) and TENANT_A or TENANT_B (target).
  const actor: MasqueradeParty = {
    id: 'user-actor',
    role: c.actorRole,
    tenantId: isTenantRole(c.actorRole) ? TENANT_A : null,
    isDemo: c.self ? c.targetIsDemo : false,
  }
  if (c.self) return { actor, target: { ...actor } }
  const target: MasqueradeParty = {
    id: 'user-target',
    role: c.targetRole,
    tenantId: isTenantRole(c.targetRole) ? (c.sameTenant ? TENANT_A : TENANT_B) : null,
    isDemo: c.targetIsDemo,
  }
  return { actor, target }
}

function allMasqueradeCases(): MasqueradeCase[] {
  const cases: MasqueradeCase[] = []
  for (const actorRole of ROLES)
    for (const targetRole of ROLES)
      for (const sameTenant of [true, false])
        for (const targetIsDemo of [false, true])
          for (const actorIsMasquerading of [false, true])
            cases.push({ actorRole, targetRole, sameTenant, targetIsDemo, actorIsMasquerading, self: false })
  for (const role of ROLES)
    for (const targetIsDemo of [false, true])
      for (const actorIsMasquerading of [false, true])
        cases.push({ actorRole: role, targetRole: role, sameTenant: true, targetIsDemo, actorIsMasquerading, self: true })
  return cases
}

function describeCase(c: MasqueradeCase): string {
  const where = c.self ? 'self' : c.sameTenant ? 'same tenant' : 'other tenant'
  return `${c.actorRole} → ${c.targetRole} (${where}, ${c.targetIsDemo ? 'demo' : 'non-demo'}${c.actorIsMasquerading ? ', actor already masquerading' : ''})`
}

describe('canMasquerade: the full role matrix', () => {
  it('covers every role of the schema, and the hand-written role lists agree with it', () => {
    expect([...ROLES].sort()).toEqual([...PLATFORM, ...TENANT].sort())
    expect(ROLES).toHaveLength(8)
  })

  // A readable grid for the plain case (same tenant, non-demo target, not masquerading):
  // rows are actors, columns are targets, in ROLES order. Checks the oracle itself against DESIGN.md.
  //                                     SU     PM     PSal   PSup   TO     TM     TS     CU
  const PLAIN_GRID: Record<Role, boolean[]> = {
    SUPERUSER: /*        */ [true, true, true, true, true, true, true, true],
    PLATFORM_MANAGER: /* */ [false, false, false, false, false, false, false, false],
    PLATFORM_SALES: /*   */ [false, false, false, false, false, false, false, false],
    PLATFORM_SUPPORT: /* */ [false, false, false, false, true, true, true, true],
    TENANT_OWNER: /*     */ [false, false, false, false, false, true, true, false],
    TENANT_MANAGER: /*   */ [false, false, false, false, false, false, false, false],
    TENANT_STAFF: /*     */ [false, false, false, false, false, false, false, false],
    CUSTOMER: /*         */ [false, false, false, false, false, false, false, false],
  }

  it('the expected-answer oracle matches the hand-written grid for the plain case', () => {
    for (const actorRole of ROLES) {
      const row = ROLES.map((targetRole) =>
        expectedMasquerade({ actorRole, targetRole, sameTenant: true, targetIsDemo: false, actorIsMasquerading: false, self: false }),
      )
      expect(row, actorRole).toEqual(PLAIN_GRID[actorRole])
    }
  })

  const cases = allMasqueradeCases()

  it('enumerates 8×8 pairs × tenant × demo × depth, plus self cases', () => {
    expect(cases).toHaveLength(8 * 8 * 2 * 2 * 2 + 8 * 2 * 2)
    // Not a degenerate table: some allowed, most refused.
    const allowed = cases.filter(expectedMasquerade).length
    expect(allowed).toBeGreaterThan(20)
    expect(allowed).toBeLessThan(cases.length / 2)
  })

  it.each(cases.map((c) => [describeCase(c), c] as const))('%s', (_name, c) => {
    const { actor, target } = parties(c)
    expect(canMasquerade(actor, target, c.actorIsMasquerading)).toBe(expectedMasquerade(c))
  })
})

describe('canMasquerade: well-known cases', () => {
  const su: MasqueradeParty = { id: 'su', role: 'SUPERUSER', tenantId: null }
  const su2: MasqueradeParty = { id: 'su2', role: 'SUPERUSER', tenantId: null }
  const pm: MasqueradeParty = { id: 'pm', role: 'PLATFORM_MANAGER', tenantId: null }
  const support: MasqueradeParty = { id: 'support', role: 'PLATFORM_SUPPORT', tenantId: null }
  const sales: MasqueradeParty = { id: 'sales', role: 'PLATFORM_SALES', tenantId: null }
  const ownerA: MasqueradeParty = { id: 'ownerA', role: 'TENANT_OWNER', tenantId: TENANT_A }
  const owner2A: MasqueradeParty = { id: 'owner2A', role: 'TENANT_OWNER', tenantId: TENANT_A }
  const managerA: MasqueradeParty = { id: 'managerA', role: 'TENANT_MANAGER', tenantId: TENANT_A }
  const staffA: MasqueradeParty = { id: 'staffA', role: 'TENANT_STAFF', tenantId: TENANT_A }
  const staffB: MasqueradeParty = { id: 'staffB', role: 'TENANT_STAFF', tenantId: TENANT_B }
  const customerA: MasqueradeParty = { id: 'customerA', role: 'CUSTOMER', tenantId: TENANT_A }
  const demoOwner: MasqueradeParty = { id: 'demoOwner', role: 'TENANT_OWNER', tenantId: TENANT_B, isDemo: true }

  it('SUPERUSER may act as another SUPERUSER, a platform manager, or a customer of any tenant', () => {
    expect(canMasquerade(su, su2, false)).toBe(true)
    expect(canMasquerade(su, pm, false)).toBe(true)
    expect(canMasquerade(su, customerA, false)).toBe(true)
  })

  it('nobody acts as themselves, not even a SUPERUSER', () => {
    expect(canMasquerade(su, su, false)).toBe(false)
    expect(canMasquerade(ownerA, ownerA, false)).toBe(false)
  })

  it('no chains: a masquerading SUPERUSER cannot start another masquerade', () => {
    expect(canMasquerade(su, staffA, true)).toBe(false)
  })

  it('PLATFORM_SUPPORT acts as tenant users of any tenant, never as platform users or a SUPERUSER', () => {
    expect(canMasquerade(support, staffB, false)).toBe(true)
    expect(canMasquerade(support, customerA, false)).toBe(true)
    expect(canMasquerade(support, ownerA, false)).toBe(true)
    expect(canMasquerade(support, pm, false)).toBe(false)
    expect(canMasquerade(support, su, false)).toBe(false)
  })

  it('PLATFORM_SALES acts only as demo tenant users', () => {
    expect(canMasquerade(sales, demoOwner, false)).toBe(true)
    expect(canMasquerade(sales, ownerA, false)).toBe(false)
    expect(canMasquerade(sales, { ...ownerA, isDemo: false }, false)).toBe(false)
    // A "demo" flag on a platform user does not make it a target.
    expect(canMasquerade(sales, { ...support, isDemo: true }, false)).toBe(false)
  })

  it('TENANT_OWNER acts as managers and staff of its own tenant only', () => {
    expect(canMasquerade(ownerA, managerA, false)).toBe(true)
    expect(canMasquerade(ownerA, staffA, false)).toBe(true)
    expect(canMasquerade(ownerA, customerA, false)).toBe(false)
    expect(canMasquerade(ownerA, owner2A, false)).toBe(false)
    expect(canMasquerade(ownerA, staffB, false)).toBe(false)
  })

  it('a TENANT_OWNER without a tenant never matches a target without a tenant', () => {
    expect(canMasquerade({ ...ownerA, tenantId: null }, { ...staffA, tenantId: null }, false)).toBe(false)
  })

  it('PLATFORM_MANAGER, TENANT_MANAGER, TENANT_STAFF and CUSTOMER act as no one', () => {
    expect(canMasquerade(pm, staffA, false)).toBe(false)
    expect(canMasquerade(managerA, staffA, false)).toBe(false)
    expect(canMasquerade(staffA, customerA, false)).toBe(false)
    expect(canMasquerade(customerA, staffA, false)).toBe(false)
  })
})

// ---------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------

const NOW = new Date('2025-06-01T12:00:00.000Z')
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000)

function grant(action: string, tenantId: string | null, over: Partial<Grant> = {}): Grant {
  return { action, tenantId, startsAt: minutes(-5), expiresAt: minutes(25), revokedAt: null, ...over }
}

const principal = (role: Role, tenantId: string | null = isTenantRole(role) ? TENANT_A : null): Principal => ({
  userId: `u-${role.toLowerCase()}`,
  role,
  tenantId,
})

const inA = { tenantId: TENANT_A, tenantIsDemo: false }
const inB = { tenantId: TENANT_B, tenantIsDemo: false }
const inDemo = { tenantId: TENANT_B, tenantIsDemo: true }
const onPlatform = { tenantId: null }

const TENANT_ACTIONS = ACTIONS.filter((a) => a.startsWith('tenant.'))
const PLATFORM_ACTIONS = ACTIONS.filter((a) => a.startsWith('platform.'))

describe('decide: tenant roles never reach another tenant', () => {
  const cases = TENANT.flatMap((role) => TENANT_ACTIONS.map((action) => [role, action] as const))

  it.each(cases)('%s cannot %s in another tenant, with or without a grant', (role, action) => {
    const p = principal(role)
    expect(decide(p, action, inB, [], NOW).allowed).toBe(false)
    expect(decide(p, action, inB, [grant(action, TENANT_B)], NOW).allowed).toBe(false)
    expect(decide(p, action, inB, [grant(action, null)], NOW).allowed).toBe(false)
    // Nor in a demo tenant that is not theirs.
    expect(decide(p, action, inDemo, [grant(action, TENANT_B)], NOW).allowed).toBe(false)
  })

  it.each(TENANT.flatMap((role) => PLATFORM_ACTIONS.map((action) => [role, action] as const)))(
    '%s cannot %s on the platform, even with a grant for it',
    (role, action) => {
      const p = principal(role)
      expect(decide(p, action, onPlatform, [], NOW).allowed).toBe(false)
      expect(decide(p, action, onPlatform, [grant(action, null)], NOW).allowed).toBe(false)
    },
  )

  it('TENANT_OWNER has every tenant action in its own tenant, by role', () => {
    for (const action of TENANT_ACTIONS) expect(decide(principal('TENANT_OWNER'), action, inA, [], NOW), action).toEqual({ allowed: true, via: 'role' })
  })
})

describe('decide: grants', () => {
  const staff = principal('TENANT_STAFF')

  it('TENANT_STAFF cannot tenant.users.manage by role', () => {
    expect(decide(staff, 'tenant.users.manage', inA, [], NOW)).toEqual({ allowed: false })
  })

  it('TENANT_STAFF can tenant.users.manage with an active grant for exactly that action in its own tenant', () => {
    const g = grant('tenant.users.manage', TENANT_A)
    expect(decide(staff, 'tenant.users.manage', inA, [g], NOW)).toEqual({ allowed: true, via: 'grant', grant: g })
  })

  it('a grant that names no tenant applies in the grantee’s own tenant', () => {
    expect(decide(staff, 'tenant.users.manage', inA, [grant('tenant.users.manage', null)], NOW).allowed).toBe(true)
  })

  it('a grant for another action does not help', () => {
    expect(decide(staff, 'tenant.users.manage', inA, [grant('tenant.users.read', TENANT_A), grant('tenant.profile.manage', TENANT_A)], NOW).allowed).toBe(false)
  })

  it('a grant for another tenant does not apply in the own tenant', () => {
    expect(decide(staff, 'tenant.users.manage', inA, [grant('tenant.users.manage', TENANT_B)], NOW).allowed).toBe(false)
  })

  it('picks the active grant among inactive ones', () => {
    const active = grant('tenant.users.manage', TENANT_A)
    const expired = grant('tenant.users.manage', TENANT_A, { expiresAt: minutes(-1) })
    expect(decide(staff, 'tenant.users.manage', inA, [expired, active], NOW)).toEqual({ allowed: true, via: 'grant', grant: active })
  })

  it.each([
    ['expired a minute ago', { startsAt: minutes(-31), expiresAt: minutes(-1) }],
    ['expiring exactly now (the end is exclusive)', { expiresAt: NOW }],
    ['expired a millisecond ago', { expiresAt: new Date(NOW.getTime() - 1) }],
    ['not started yet', { startsAt: minutes(1), expiresAt: minutes(31) }],
    ['starting a millisecond from now', { startsAt: new Date(NOW.getTime() + 1) }],
    ['revoked', { revokedAt: minutes(-1) }],
    ['revoked with a future timestamp', { revokedAt: minutes(10) }],
  ] as const)('refuses a grant that is %s', (_name, over) => {
    const g = grant('tenant.users.manage', TENANT_A, over)
    expect(isGrantActive(g, NOW)).toBe(false)
    expect(decide(staff, 'tenant.users.manage', inA, [g], NOW).allowed).toBe(false)
  })

  it('accepts a grant from its very first instant until just before it expires', () => {
    expect(isGrantActive(grant('x', null, { startsAt: NOW }), NOW)).toBe(true)
    expect(isGrantActive(grant('x', null, { expiresAt: new Date(NOW.getTime() + 1) }), NOW)).toBe(true)
  })
})

describe('decide: platform roles', () => {
  it('PLATFORM_SALES may act in a demo tenant but not in a normal one', () => {
    const sales = principal('PLATFORM_SALES')
    for (const action of TENANT_ACTIONS) {
      expect(decide(sales, action, inDemo, [], NOW).allowed, action).toBe(true)
      expect(decide(sales, action, inB, [], NOW).allowed, action).toBe(false)
      // A scope that does not say "demo" is not a demo.
      expect(decide(sales, action, { tenantId: TENANT_B }, [], NOW).allowed, action).toBe(false)
    }
    expect(decide(sales, 'platform.tenants.create', onPlatform, [], NOW).allowed).toBe(true)
    expect(decide(sales, 'platform.tenants.manage', onPlatform, [], NOW).allowed).toBe(false)
    expect(decide(sales, 'platform.audit.read', onPlatform, [], NOW).allowed).toBe(false)
  })

  it('PLATFORM_SUPPORT can read but not manage', () => {
    const support = principal('PLATFORM_SUPPORT')
    for (const scope of [inA, inB]) {
      expect(decide(support, 'tenant.profile.read', scope, [], NOW).allowed).toBe(true)
      expect(decide(support, 'tenant.users.read', scope, [], NOW).allowed).toBe(true)
      expect(decide(support, 'tenant.calendar.read_all', scope, [], NOW).allowed).toBe(true)
      expect(decide(support, 'tenant.profile.manage', scope, [], NOW).allowed).toBe(false)
      expect(decide(support, 'tenant.users.manage', scope, [], NOW).allowed).toBe(false)
      expect(decide(support, 'tenant.grants.manage', scope, [], NOW).allowed).toBe(false)
    }
    expect(decide(support, 'platform.tenants.read', onPlatform, [], NOW).allowed).toBe(true)
    expect(decide(support, 'platform.users.read', onPlatform, [], NOW).allowed).toBe(true)
    for (const action of ['platform.tenants.create', 'platform.tenants.manage', 'platform.users.manage', 'platform.grants.manage'] as const)
      expect(decide(support, action, onPlatform, [], NOW).allowed, action).toBe(false)
  })

  it('SUPERUSER can do every action in any scope, by role', () => {
    const su = principal('SUPERUSER')
    for (const action of ACTIONS)
      for (const scope of [onPlatform, inA, inB, inDemo])
        expect(decide(su, action, scope, [], NOW), `${action} in ${scope.tenantId}`).toEqual({ allowed: true, via: 'role' })
  })
})

describe('decide: CUSTOMER', () => {
  it('has only tenant.profile.read and tenant.bookings.read_own, in its own tenant', () => {
    const customer = principal('CUSTOMER')
    const allowed = ACTIONS.filter((a) => decide(customer, a, inA, [], NOW).allowed)
    expect(allowed.sort()).toEqual(['tenant.bookings.read_own', 'tenant.profile.read'])
    expect(ACTIONS.filter((a) => decide(customer, a, onPlatform, [], NOW).allowed)).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// canGrant
// ---------------------------------------------------------------------------------------------

describe('canGrant', () => {
  const su = principal('SUPERUSER')
  const support = principal('PLATFORM_SUPPORT')
  const sales = principal('PLATFORM_SALES')
  const ownerA = principal('TENANT_OWNER')
  const managerA = principal('TENANT_MANAGER')
  const staffA = principal('TENANT_STAFF')
  const staffB: Principal = { userId: 'u-staff-b', role: 'TENANT_STAFF', tenantId: TENANT_B }

  it('cannot grant to yourself, even as a SUPERUSER or TENANT_OWNER', () => {
    expect(canGrant(su, su, 'platform.audit.read', onPlatform)).toBe(false)
    expect(canGrant(ownerA, ownerA, 'tenant.users.manage', inA)).toBe(false)
    // Same user id with a different role object is still yourself.
    expect(canGrant(su, { ...su, role: 'PLATFORM_SUPPORT' }, 'platform.audit.read', onPlatform)).toBe(false)
  })

  it('cannot grant what you do not hold', () => {
    // The owner holds tenant.grants.manage but no platform action.
    expect(canGrant(ownerA, staffA, 'platform.audit.read', inA)).toBe(false)
    // Sales manage grants in a demo tenant but do not hold platform.tenants.manage.
    expect(canGrant(sales, support, 'platform.tenants.manage', inDemo)).toBe(false)
    // Sales hold tenant actions only in demo tenants.
    expect(canGrant(sales, staffB, 'tenant.users.manage', inB)).toBe(false)
    // Support holds no grant-management action at all.
    expect(canGrant(support, staffA, 'tenant.users.read', inA)).toBe(false)
  })

  it('holding the action is not enough without the right to manage grants', () => {
    expect(canGrant(managerA, staffA, 'tenant.users.manage', inA)).toBe(false)
  })

  it('a TENANT_OWNER can grant every tenant action to a user of its own tenant', () => {
    for (const action of TENANT_ACTIONS) expect(canGrant(ownerA, staffA, action, inA), action).toBe(true)
  })

  it('a TENANT_OWNER never grants a platform.* action, in any scope', () => {
    for (const action of PLATFORM_ACTIONS)
      for (const scope of [inA, onPlatform]) expect(canGrant(ownerA, staffA, action, scope), `${action} in ${scope.tenantId}`).toBe(false)
  })

  it('a TENANT_OWNER never grants to another tenant’s user', () => {
    for (const action of TENANT_ACTIONS) {
      expect(canGrant(ownerA, staffB, action, inA), `${action} scoped to own tenant`).toBe(false)
      expect(canGrant(ownerA, staffB, action, inB), `${action} scoped to the other tenant`).toBe(false)
    }
  })

  it('a SUPERUSER grants platform actions to platform users but never to tenant users', () => {
    expect(canGrant(su, support, 'platform.tenants.manage', onPlatform)).toBe(true)
    for (const action of PLATFORM_ACTIONS) {
      expect(canGrant(su, staffA, action, onPlatform), action).toBe(false)
      expect(canGrant(su, staffA, action, inA), action).toBe(false)
    }
  })

  it('a SUPERUSER grants a tenant action to a tenant user only within that user’s tenant', () => {
    expect(canGrant(su, staffA, 'tenant.users.manage', inA)).toBe(true)
    expect(canGrant(su, staffA, 'tenant.users.manage', inB)).toBe(false)
    expect(canGrant(su, staffA, 'tenant.users.manage', onPlatform)).toBe(false)
  })
})
