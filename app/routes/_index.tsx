// Home of every host: the marketing page on the bare root, the platform home on platform.<root>,
// and a business's public landing page on its own host.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { useLoaderData } from '@remix-run/react'
import { getTenantProfile } from '../../worker/platform/tenant-profile'

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.kind === 'tenant' ? `${data.profile.name} · Book online` : data?.kind === 'platform' ? 'SmoothSchedule Platform' : 'SmoothSchedule' },
]

export async function loader({ context }: LoaderFunctionArgs) {
  const tenancy = context.tenancy
  if (tenancy?.kind === 'tenant') {
    return json({ kind: 'tenant' as const, profile: await getTenantProfile(context.db(), tenancy.tenant) })
  }
  if (tenancy?.kind === 'platform') {
    return json({ kind: 'platform' as const, rootDomain: context.rootDomain, environment: context.environment })
  }
  return json({ kind: 'marketing' as const, rootDomain: context.rootDomain })
}

export default function Index() {
  const data = useLoaderData<typeof loader>()
  if (data.kind === 'tenant') return <TenantLanding profile={data.profile} />
  if (data.kind === 'platform') return <PlatformHome rootDomain={data.rootDomain} environment={data.environment} />
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

function PlatformHome({ rootDomain, environment }: { rootDomain: string; environment: string }) {
  return (
    <>
      <header className="bar">
        <span className="brand">SmoothSchedule · Platform</span>
        <span className="status">{environment}</span>
      </header>
      <main>
        <h1 data-testid="page-title">Platform</h1>
        <p className="lead">Run tenants, domains and accounts for {rootDomain}.</p>
        <div className="card">
          <strong>Platform API</strong>
          <p className="muted">
            Tenants: <code>GET/POST /api/platform/tenants</code> · Health: <code>/api/health</code>
          </p>
        </div>
      </main>
    </>
  )
}

function TenantLanding({ profile }: { profile: Awaited<ReturnType<typeof getTenantProfile>> }) {
  return (
    <>
      <header className="bar">
        <span className="brand" data-testid="tenant-name">
          {profile.name}
        </span>
        <span className="muted">Times shown in {profile.timeZone}</span>
      </header>
      <main>
        <h1 data-testid="page-title">{profile.name}</h1>
        <p className="lead" data-testid="tenant-tagline">
          {profile.tagline ?? 'Book your next appointment online.'}
        </p>
        {profile.about ? <div className="card">{profile.about}</div> : null}
        {profile.contactEmail ? (
          <p className="muted">
            Questions? <a href={`mailto:${profile.contactEmail}`}>{profile.contactEmail}</a>
          </p>
        ) : null}
      </main>
    </>
  )
}
