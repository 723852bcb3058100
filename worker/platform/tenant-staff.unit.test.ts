// The team rules, alone: who may change whom, and the business never losing its last owner.
import { describe, expect, it } from 'vitest'
import type { Principal } from '../identity/permissions'
import { staffChangeRefusal } from './tenant-staff'

const owner: Principal = { userId: 'o1', role: 'TENANT_OWNER', tenantId: 't' }
const manager: Principal = { userId: 'm1', role: 'TENANT_MANAGER', tenantId: 't' }
const platform: Principal = { userId: 'p1', role: 'PLATFORM_MANAGER', tenantId: null }
const member = (id: string, role: 'TENANT_OWNER' | 'TENANT_MANAGER' | 'TENANT_STAFF' | 'CUSTOMER', isActive = true) => ({ id, role, isActive })

describe('staffChangeRefusal', () => {
  it('lets owners and managers change staff and managers', () => {
    expect(staffChangeRefusal(owner, member('s', 'TENANT_STAFF'), { role: 'TENANT_MANAGER' }, 1)).toBeNull()
    expect(staffChangeRefusal(manager, member('s', 'TENANT_STAFF'), { role: 'TENANT_MANAGER' }, 1)).toBeNull()
    expect(staffChangeRefusal(manager, member('m2', 'TENANT_MANAGER'), { isActive: false }, 1)).toBeNull()
  })

  it('keeps managers away from owners and from making owners', () => {
    expect(staffChangeRefusal(manager, member('o2', 'TENANT_OWNER'), { role: 'TENANT_STAFF' }, 2)?.code).toBe('owners_only')
    expect(staffChangeRefusal(manager, member('o2', 'TENANT_OWNER'), { isActive: false }, 2)?.code).toBe('owners_only')
    expect(staffChangeRefusal(manager, member('s', 'TENANT_STAFF'), { role: 'TENANT_OWNER' }, 1)?.code).toBe('owners_only')
    expect(staffChangeRefusal(owner, member('s', 'TENANT_STAFF'), { role: 'TENANT_OWNER' }, 1)).toBeNull()
    expect(staffChangeRefusal(platform, member('o2', 'TENANT_OWNER'), { role: 'TENANT_MANAGER' }, 2)).toBeNull()
  })

  it('never leaves a business without an active owner', () => {
    expect(staffChangeRefusal(platform, member('o1', 'TENANT_OWNER'), { role: 'TENANT_MANAGER' }, 1)?.code).toBe('last_owner')
    expect(staffChangeRefusal(platform, member('o1', 'TENANT_OWNER'), { isActive: false }, 1)?.code).toBe('last_owner')
    expect(staffChangeRefusal(owner, member('o2', 'TENANT_OWNER'), { role: 'TENANT_STAFF' }, 2)).toBeNull()
    // an owner already switched off is not counted, and switching them back on is fine
    expect(staffChangeRefusal(owner, member('o2', 'TENANT_OWNER', false), { isActive: true }, 1)).toBeNull()
    // keeping the owner role while switching nothing off loses nobody
    expect(staffChangeRefusal(platform, member('o1', 'TENANT_OWNER'), { role: 'TENANT_OWNER' }, 1)).toBeNull()
  })

  it('refuses changes to your own account and to customers', () => {
    expect(staffChangeRefusal(owner, member('o1', 'TENANT_OWNER'), { role: 'TENANT_STAFF' }, 2)?.code).toBe('own_account')
    expect(staffChangeRefusal(owner, member('c', 'CUSTOMER'), { role: 'TENANT_STAFF' }, 1)?.code).toBe('not_staff')
  })
})
