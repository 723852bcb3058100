// Plans as data (public.plans): what each tier allows. Domain functions that create resources,
// services or team members call assertPlanAllows inside their transaction; the tenant row is
// locked first, so two creations at once cannot both take the last place.
import type { Pool } from '@neondatabase/serverless'
import { AppError } from '../errors'
import { tenantSql } from '../scheduling/sql'

type Queryable = Pick<Pool, 'query'>

export interface Plan {
  id: string
  name: string
  maxResources: number | null
  maxStaff: number | null
  maxServices: number | null
}

export type Limited = 'resources' | 'staff' | 'services'

export async function listPlans(db: Queryable): Promise<Plan[]> {
  const { rows } = await db.query(`SELECT id, name, max_resources, max_staff, max_services FROM public.plans ORDER BY sort_order, id`)
  return rows.map((r) => ({ id: r.id, name: r.name, maxResources: r.max_resources, maxStaff: r.max_staff, maxServices: r.max_services }))
}

const COUNT: Record<Limited, (schema: string) => string> = {
  resources: (schema) => `SELECT count(*)::int AS n FROM ${tenantSql(schema)('resources')}`,
  services: (schema) => `SELECT count(*)::int AS n FROM ${tenantSql(schema)('services')}`,
  staff: () =>
    `SELECT count(*)::int AS n FROM public.users u JOIN public.tenants t ON t.id = u.tenant_id
      WHERE t.schema_name = $1 AND u.role IN ('TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF') AND u.is_active`,
}
const WORD: Record<Limited, string> = { resources: 'resources', services: 'services', staff: 'team members' }

/** 409 when the tenant's plan has no room for one more `what`. Call inside the creating transaction. */
export async function assertPlanAllows(db: Queryable, schemaName: string, what: Limited): Promise<void> {
  const { rows } = await db.query<{ plan: string; name: string; limit: number | null }>(
    `SELECT t.plan, p.name, CASE $2 WHEN 'resources' THEN p.max_resources WHEN 'staff' THEN p.max_staff ELSE p.max_services END AS limit
       FROM public.tenants t JOIN public.plans p ON p.id = t.plan WHERE t.schema_name = $1 FOR UPDATE OF t`,
    [schemaName, what],
  )
  const plan = rows[0]
  if (!plan || plan.limit === null) return
  const count = await db.query<{ n: number }>(COUNT[what](schemaName), what === 'staff' ? [schemaName] : [])
  if (count.rows[0]!.n >= plan.limit) {
    throw new AppError(409, 'plan_limit_reached', `The ${plan.name} plan allows ${plan.limit} ${WORD[what]}; this business has ${count.rows[0]!.n}. Upgrade the plan to add more.`)
  }
}
