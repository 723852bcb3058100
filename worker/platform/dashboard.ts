// The platform home's figures: tenants by state, users by role group, bookings made today across
// every tenant schema, and jobs that failed or were refused in the last 24 hours.
import type { Pool } from '@neondatabase/serverless'
import { quoteIdent } from '../../db/migrate'

type Queryable = Pick<Pool, 'query'>

export interface Dashboard {
  tenants: { total: number; active: number; suspended: number; deleting: number; demo: number }
  users: { total: number; platform: number; team: number; customers: number }
  /** bookings created since midnight UTC (cancelled ones included) */
  bookingsToday: number
  /** failing or dead-lettered, and refused as invalid, in the last 24 hours */
  failedJobs: { last24h: number; rejected24h: number }
}

/** Tenant schemas are summed in batches: one query per 100 tenants. */
const BATCH = 100

export async function platformDashboard(db: Queryable, options: { onlyDemo?: boolean } = {}): Promise<Dashboard> {
  const demo = options.onlyDemo ? 'WHERE is_demo' : ''
  const [tenants, users, jobs, schemas] = await Promise.all([
    db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'active')::int AS active,
              count(*) FILTER (WHERE status = 'suspended' AND delete_after IS NULL)::int AS suspended,
              count(*) FILTER (WHERE delete_after IS NOT NULL)::int AS deleting, count(*) FILTER (WHERE is_demo)::int AS demo
         FROM public.tenants ${demo}`,
    ),
    db.query(
      `SELECT count(*)::int AS total, count(*) FILTER (WHERE u.tenant_id IS NULL)::int AS platform,
              count(*) FILTER (WHERE u.role IN ('TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF'))::int AS team,
              count(*) FILTER (WHERE u.role = 'CUSTOMER')::int AS customers
         FROM public.users u ${options.onlyDemo ? 'JOIN public.tenants t ON t.id = u.tenant_id AND t.is_demo' : ''}`,
    ),
    db.query(
      `SELECT count(*) FILTER (WHERE status IN ('failed', 'dead'))::int AS failed, count(*) FILTER (WHERE status = 'rejected')::int AS rejected
         FROM public.job_runs WHERE started_at > now() - interval '24 hours'`,
    ),
    db.query<{ schema_name: string }>(`SELECT schema_name FROM public.tenants ${demo} ORDER BY schema_name`),
  ])
  let bookingsToday = 0
  const names = schemas.rows.map((r) => r.schema_name)
  for (let i = 0; i < names.length; i += BATCH) {
    const parts = names
      .slice(i, i + BATCH)
      .map((s) => `SELECT count(*)::int AS n FROM ${quoteIdent(s)}.bookings WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`)
    const { rows } = await db.query<{ n: number }>(`SELECT COALESCE(sum(n), 0)::int AS n FROM (${parts.join(' UNION ALL ')}) counts`)
    bookingsToday += rows[0]!.n
  }
  return {
    tenants: tenants.rows[0],
    users: users.rows[0],
    bookingsToday,
    failedJobs: { last24h: jobs.rows[0].failed, rejected24h: jobs.rows[0].rejected },
  }
}
