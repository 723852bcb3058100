// Home of every host: the marketing page on the bare root; on platform.<root> the platform sign-in
// or dashboard; on a business host its public landing page (and its team, for its managers).
import { platformDashboard } from '../../worker/platform/dashboard'
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Link, useLoaderData } from '@remix-run/react'
import { getTenantProfile } from '../../worker/platform/tenant-profile'
import { canMasquerade, decide, type Principal } from '../../worker/identity/permissions'
import { listUsers } from '../../worker/identity/users'
import { AccountMenu, MasqueradeButton } from '../components/account-bar'
import { LoginForm } from '../components/login-form'
import type { AuthSummary } from '../load-context'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.kind === 'tenant' ? `${data.profile.name} · Book online` : data?.kind === 'platform' ? 'SmoothSchedule Platform' : 'SmoothSchedule' },
]

type Listed = Awaited<ReturnType<typeof listUsers>>[number]

function withMasquerade(auth: AuthSummary, users: Listed[]) {
  return users.map((u) => ({
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    role: u.role,
    tenantSlug: u.tenantSlug,
    isActive: u.isActive,
    canActAs:
      u.isActive &&
      canMasquerade(
        { id: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId },
        { id: u.id, role: u.role, tenantId: u.tenantId, isDemo: u.isTemporary || u.tenantIsDemo },
        auth.masquerade.active,
      ),
  }))
}

export async function loader({ context }: LoaderFunctionArgs) {
  const tenancy = context.tenancy
  const auth = context.auth
  const principal: Principal | null = auth ? { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId } : null
  if (tenancy?.kind === 'tenant') {
    const scope = { tenantId: tenancy.tenant.id, tenantIsDemo: tenancy.tenant.isDemo }
    const team =
      auth && principal && decide(principal, 'tenant.users.read', scope).allowed
        ? withMasquerade(auth, await listUsers(context.pool(), { tenant: tenancy.tenant.id, limit: 200 }))
        : null
    return json({ kind: 'tenant' as const, auth, team, profile: await getTenantProfile(context.db(), tenancy.tenant) })
  }
  if (tenancy?.kind === 'platform') {
    const users =
      auth && principal && decide(principal, 'platform.users.read', { tenantId: null }).allowed
        ? withMasquerade(auth, await listUsers(context.pool(), { limit: 200, onlyDemo: principal.role === 'PLATFORM_SALES' }))
        : null
    const dashboard =
      auth && principal && decide(principal, 'platform.tenants.read', { tenantId: null }).allowed
        ? await platformDashboard(context.pool(), { onlyDemo: principal.role === 'PLATFORM_SALES' })
        : null
    const links = principal
      ? { audit: decide(principal, 'platform.audit.read', { tenantId: null }).allowed, jobs: decide(principal, 'platform.jobs.read', { tenantId: null }).allowed }
      : { audit: false, jobs: false }
    return json({ kind: 'platform' as const, auth, users, dashboard, links, rootDomain: context.rootDomain, environment: context.environment })
  }
  return json({ kind: 'marketing' as const, rootDomain: context.rootDomain })
}

export default function Index() {
  const data = useLoaderData<typeof loader>()
  if (data.kind === 'tenant') return <TenantLanding data={data} />
  if (data.kind === 'platform') return <PlatformHome data={data} />
  return <Marketing rootDomain={data.rootDomain} />
}

function Marketing({ rootDomain }: { rootDomain: string }) {
  return (
    <>
      <header className="bar">
        <span className="brand">SmoothSchedule</span>
        <a href={`//platform.${rootDomain}`}>Platform sign-in</a>
      </header>
      <main>
        <h1 data-testid="page-title">Scheduling that never double-books.</h1>
        <p className="lead">
          SmoothSchedule runs your staff, rooms and equipment, lets customers book themselves, and keeps every slot
          conflict-free — at the edge, close to your customers.
        </p>
        <div className="grid">
          <div className="card">
            <strong>Your own booking site</strong>
            <p className="muted">On your-business.{rootDomain} or your own domain.</p>
          </div>
          <div className="card">
            <strong>Live calendars</strong>
            <p className="muted">Bookings appear for your staff the moment they are made.</p>
          </div>
          <div className="card">
            <strong>Reminders that arrive once</strong>
            <p className="muted">Confirmations, reminders and webhooks, reliably.</p>
          </div>
        </div>
      </main>
    </>
  )
}

type UserRow = ReturnType<typeof withMasquerade>[number]

function UserTable({ users, showTenant }: { users: UserRow[]; showTenant: boolean }) {
  return (
    <table className="users" data-testid="user-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Email</th>
          <th>Role</th>
          {showTenant ? <th>Tenant</th> : null}
          <th />
        </tr>
      </thead>
      <tbody>
        {users.map((u) => (
          <tr key={u.id} data-email={u.email}>
            <td>{u.displayName}</td>
            <td>{u.email}</td>
            <td>{u.role}</td>
            {showTenant ? <td>{u.tenantSlug ?? '—'}</td> : null}
            <td>{u.canActAs ? <MasqueradeButton userId={u.id} label={u.email} /> : null}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function PlatformHome({ data }: { data: Extract<ReturnType<typeof useLoaderData<typeof loader>>, { kind: 'platform' }> }) {
  return (
    <>
      <header className="bar">
        <span className="brand">SmoothSchedule · Platform</span>
        {data.auth ? <AccountMenu auth={data.auth} /> : <span className="status">{data.environment}</span>}
      </header>
      <main>
        {data.auth ? (
          <>
            <h1 data-testid="page-title">Platform</h1>
            <p className="lead">Run tenants, domains and accounts for {data.rootDomain}.</p>
            {data.dashboard ? (
              <div className="grid dashboard" data-testid="dashboard">
                <Link to="/tenants" className="card stat" data-testid="stat-tenants">
                  <span className="stat-value">{data.dashboard.tenants.total}</span>
                  <span className="muted">
                    tenants · {data.dashboard.tenants.active} active, {data.dashboard.tenants.suspended} suspended, {data.dashboard.tenants.deleting} being deleted, {data.dashboard.tenants.demo} demo
                  </span>
                </Link>
                <div className="card stat" data-testid="stat-users">
                  <span className="stat-value">{data.dashboard.users.total}</span>
                  <span className="muted">
                    accounts · {data.dashboard.users.team} team, {data.dashboard.users.customers} customers, {data.dashboard.users.platform} platform
                  </span>
                </div>
                <div className="card stat" data-testid="stat-bookings">
                  <span className="stat-value">{data.dashboard.bookingsToday}</span>
                  <span className="muted">bookings made today (UTC)</span>
                </div>
                <div className="card stat" data-testid="stat-jobs">
                  <span className="stat-value">{data.dashboard.failedJobs.last24h + data.dashboard.failedJobs.rejected24h}</span>
                  <span className="muted">
                    failed jobs in 24 h · {data.links.jobs ? <Link to="/jobs">failed and dead-letter jobs</Link> : null}
                    {data.links.audit ? (
                      <>
                        {' '}
                        · <Link to="/audit">audit log</Link>
                      </>
                    ) : null}
                  </span>
                </div>
              </div>
            ) : null}
            {data.users ? (
              <div className="card">
                <h2>Accounts</h2>
                <UserTable users={data.users} showTenant />
              </div>
            ) : null}
          </>
        ) : (
          <LoginForm title="Platform sign-in" subtitle="For SmoothSchedule staff. Businesses sign in on their own address." />
        )}
      </main>
    </>
  )
}

function TenantLanding({ data }: { data: Extract<ReturnType<typeof useLoaderData<typeof loader>>, { kind: 'tenant' }> }) {
  const { profile, auth, team } = data
  return (
    <>
      <header className="bar">
        <span className="brand" data-testid="tenant-name">
          {profile.name}
        </span>
        <span className="muted">
          Times shown in {profile.timeZone} · <AccountMenu auth={auth} />
        </span>
      </header>
      <main>
        <h1 data-testid="page-title">{profile.name}</h1>
        <p className="lead" data-testid="tenant-tagline">
          {profile.tagline ?? 'Book your next appointment online.'}
        </p>
        <p className="cta">
          <a className="button" href="/book" data-testid="book-online">
            Book online
          </a>
          {/* the calendar link for the team; /portal itself decides access with `decide` */}
          {auth && ['TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF'].includes(auth.user.role) ? (
            <a className="button secondary" href="/portal" data-testid="open-portal">
              Open calendar
            </a>
          ) : null}
        </p>
        {auth ? (
          <p className="muted" data-testid="signed-in-as">
            Signed in as {auth.user.email} ({auth.user.role})
          </p>
        ) : null}
        {profile.about ? <div className="card">{profile.about}</div> : null}
        {team ? (
          <div className="card">
            <h2>Team</h2>
            <UserTable users={team} showTenant={false} />
          </div>
        ) : null}
        {profile.contactEmail ? (
          <p className="muted">
            Questions? <a href={`mailto:${profile.contactEmail}`}>{profile.contactEmail}</a>
          </p>
        ) : null}
      </main>
    </>
  )
}
