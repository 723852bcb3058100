// The permission matrix: what each role may do, in which tenant, and who may masquerade as whom.
// Pure: no I/O. Every API route declares the action it needs (worker/identity/access.ts); deny by default.
import { ROLES, type Role } from '../../db/public'

export { ROLES, type Role }

export const PLATFORM_ROLES = ['SUPERUSER', 'PLATFORM_MANAGER', 'PLATFORM_SALES', 'PLATFORM_SUPPORT'] as const satisfies readonly Role[]
export const TENANT_ROLES = ['TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF', 'CUSTOMER'] as const satisfies readonly Role[]

export function isPlatformRole(role: Role): boolean {
  return (PLATFORM_ROLES as readonly Role[]).includes(role)
}

/** Named actions. `platform.*` act on the platform; `tenant.*` act inside one tenant. */
export const ACTIONS = [
  'platform.tenants.read',
  'platform.tenants.create',
  'platform.tenants.manage',
  'platform.users.read',
  'platform.users.manage',
  'platform.audit.read',
  'platform.grants.manage',
  'platform.outbox.read',
  'platform.jobs.read',
  'platform.jobs.manage',
  'tenant.profile.read',
  'tenant.profile.manage',
  'tenant.users.read',
  'tenant.users.manage',
  'tenant.calendar.read_all',
  'tenant.calendar.read_own',
  'tenant.bookings.read_own',
  'tenant.grants.manage',
  'tenant.catalog.manage',
  'tenant.customers.read',
  'tenant.customers.manage',
  'tenant.calendar.manage_all',
  'tenant.calendar.manage_own',
  'tenant.notifications.read',
  'tenant.webhooks.manage',
] as const
export type Action = (typeof ACTIONS)[number]

const ALL_TENANT: Action[] = ACTIONS.filter((a) => a.startsWith('tenant.'))

const ROLE_ACTIONS: Record<Role, readonly Action[]> = {
  SUPERUSER: ACTIONS,
  PLATFORM_MANAGER: ACTIONS,
  // Sales run demos: they create demo tenants and act inside demo tenants only (scope rule below).
  PLATFORM_SALES: ['platform.tenants.read', 'platform.tenants.create', 'platform.users.read', 'platform.users.manage', ...ALL_TENANT],
  // Support reads everything and helps by masquerading; it changes nothing directly.
  PLATFORM_SUPPORT: [
    'platform.tenants.read',
    'platform.users.read',
    'platform.outbox.read',
    'platform.jobs.read',
    'tenant.profile.read',
    'tenant.users.read',
    'tenant.calendar.read_all',
    'tenant.customers.read',
  ],
  TENANT_OWNER: ALL_TENANT,
  TENANT_MANAGER: [
    'tenant.profile.read',
    'tenant.profile.manage',
    'tenant.users.read',
    'tenant.users.manage',
    'tenant.calendar.read_all',
    'tenant.calendar.read_own',
    'tenant.bookings.read_own',
    'tenant.catalog.manage',
    'tenant.customers.read',
    'tenant.customers.manage',
    'tenant.calendar.manage_all',
    'tenant.calendar.manage_own',
    'tenant.notifications.read',
    'tenant.webhooks.manage',
  ],
  // Staff keep their own calendar: they see and change events on the resource linked to them.
  TENANT_STAFF: [
    'tenant.profile.read',
    'tenant.calendar.read_own',
    'tenant.bookings.read_own',
    'tenant.calendar.manage_own',
    'tenant.customers.read',
  ],
  CUSTOMER: ['tenant.profile.read', 'tenant.bookings.read_own'],
}

export interface Principal {
  userId: string
  role: Role
  tenantId: string | null
}

/** Where an action is being performed: a tenant (and whether it is a demo tenant), or the platform. */
export interface ActionScope {
  tenantId: string | null
  tenantIsDemo?: boolean
}

export interface Grant {
  action: string
  tenantId: string | null
  startsAt: Date
  expiresAt: Date
  revokedAt: Date | null
}

export function roleAllows(role: Role, action: Action): boolean {
  return ROLE_ACTIONS[role].includes(action)
}

/** Does the role's reach cover this scope? Tenant roles reach their own tenant only. */
function reaches(principal: Principal, action: Action, scope: ActionScope): boolean {
  const tenantAction = action.startsWith('tenant.')
  switch (principal.role) {
    case 'SUPERUSER':
    case 'PLATFORM_MANAGER':
    case 'PLATFORM_SUPPORT':
      return true
    case 'PLATFORM_SALES':
      return !tenantAction || scope.tenantIsDemo === true
    default:
      return tenantAction && scope.tenantId !== null && scope.tenantId === principal.tenantId
  }
}

export function isGrantActive(grant: Grant, now: Date): boolean {
  return grant.revokedAt === null && grant.startsAt <= now && now < grant.expiresAt
}

export type Decision = { allowed: true; via: 'role' | 'grant'; grant?: Grant } | { allowed: false }

/**
 * May `principal` perform `action` in `scope`? By role first; otherwise by an active grant of
 * exactly that action (for that tenant, if the grant names one). Tenant users never reach
 * another tenant, not even through a grant.
 */
export function decide(principal: Principal, action: Action, scope: ActionScope, grants: readonly Grant[] = [], now = new Date()): Decision {
  if (roleAllows(principal.role, action) && reaches(principal, action, scope)) return { allowed: true, via: 'role' }
  if (!isPlatformRole(principal.role) && scope.tenantId !== principal.tenantId) return { allowed: false }
  const grant = grants.find(
    (g) => g.action === action && isGrantActive(g, now) && (g.tenantId === null || g.tenantId === scope.tenantId),
  )
  return grant ? { allowed: true, via: 'grant', grant } : { allowed: false }
}

export interface MasqueradeParty {
  id: string
  role: Role
  tenantId: string | null
  /** the user is a demo account, or belongs to a demo tenant */
  isDemo?: boolean
}

/**
 * DESIGN.md: SUPERUSER → anyone; PLATFORM_SUPPORT → tenant users; PLATFORM_SALES → users of demo
 * accounts; TENANT_OWNER → staff (managers and staff) of the same tenant; everyone else → no one.
 * Never yourself, never a SUPERUSER unless you are one, depth 1.
 */
export function canMasquerade(actor: MasqueradeParty, target: MasqueradeParty, actorIsMasquerading: boolean): boolean {
  if (actorIsMasquerading) return false
  if (actor.id === target.id) return false
  if (target.role === 'SUPERUSER' && actor.role !== 'SUPERUSER') return false
  const targetIsTenantUser = !isPlatformRole(target.role)
  switch (actor.role) {
    case 'SUPERUSER':
      return true
    case 'PLATFORM_SUPPORT':
      return targetIsTenantUser
    case 'PLATFORM_SALES':
      return targetIsTenantUser && target.isDemo === true
    case 'TENANT_OWNER':
      return (
        (target.role === 'TENANT_MANAGER' || target.role === 'TENANT_STAFF') &&
        actor.tenantId !== null &&
        actor.tenantId === target.tenantId
      )
    default:
      return false
  }
}

/** Grants can hand out only actions the grantor holds in that scope, never platform-wide power to tenant users. */
export function canGrant(grantor: Principal, grantee: Principal, action: Action, scope: ActionScope): boolean {
  if (grantor.userId === grantee.userId) return false
  const grantorMay =
    decide(grantor, action, scope).allowed &&
    (decide(grantor, 'platform.grants.manage', { tenantId: null }).allowed || decide(grantor, 'tenant.grants.manage', scope).allowed)
  if (!grantorMay) return false
  if (!isPlatformRole(grantee.role)) return action.startsWith('tenant.') && scope.tenantId === grantee.tenantId
  return true
}
