// /jobs on the platform host: background jobs that need a person — dead-lettered (retries ran
// out), rejected (invalid messages) and failing ones, with the recorded reason. Same data as
// GET /api/platform/jobs; a dead job is sent again with POST /api/platform/jobs/{id}/retry.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Link, useLoaderData } from '@remix-run/react'
import { decide } from '../../worker/identity/permissions'
import { listJobRuns, type JobStatus } from '../../worker/jobs/consumer'
import { AccountMenu } from '../components/account-bar'

export const meta: MetaFunction = () => [{ title: 'Jobs · SmoothSchedule Platform' }]

const SHOWN: JobStatus[] = ['dead', 'rejected', 'failed']

export async function loader({ context, request }: LoaderFunctionArgs) {
  if (context.tenancy?.kind !== 'platform') throw new Response('Not found', { status: 404 })
  const auth = context.auth
  if (!auth) throw new Response(null, { status: 303, headers: { location: `/login?next=${encodeURIComponent(new URL(request.url).pathname)}` } })
  const principal = { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId }
  if (!decide(principal, 'platform.jobs.read', { tenantId: null }).allowed) throw new Response('Jobs are for platform staff.', { status: 403 })
  const requested = new URL(request.url).searchParams.get('status')
  const status = SHOWN.includes(requested as JobStatus) ? (requested as JobStatus) : 'dead'
  return json({ auth, status, jobs: await listJobRuns(context.pool(), { status, limit: 200 }) })
}

export default function Jobs() {
  const data = useLoaderData<typeof loader>()
  return (
    <>
      <header className="bar">
        <Link className="brand" to="/">SmoothSchedule · Platform</Link>
        <AccountMenu auth={data.auth} />
      </header>
      <main>
        <h1 data-testid="page-title">Background jobs</h1>
        <p className="lead">Jobs that did not go through: {data.status === 'dead' ? 'retries ran out (dead-letter queue)' : data.status === 'rejected' ? 'invalid messages, never run' : 'failing, still being retried'}.</p>
        <nav className="tabs">
          {SHOWN.map((s) => (
            <Link key={s} to={`?status=${s}`} aria-current={s === data.status ? 'page' : undefined}>
              {s}
            </Link>
          ))}
        </nav>
        {data.jobs.length === 0 ? (
          <p className="muted" data-testid="no-jobs">Nothing here.</p>
        ) : (
          <table data-testid="job-table">
            <thead>
              <tr>
                <th>Job</th>
                <th>Type</th>
                <th>Tenant</th>
                <th>Attempts</th>
                <th>Reason</th>
                <th>Since</th>
              </tr>
            </thead>
            <tbody>
              {data.jobs.map((j) => (
                <tr key={j.id} data-job={j.id}>
                  <td><code>{j.id}</code></td>
                  <td>{j.type}</td>
                  <td>{j.tenantId ?? '—'}</td>
                  <td>{j.attempts}</td>
                  <td>{j.lastError ?? '—'}</td>
                  <td>{new Date(j.deadAt ?? j.startedAt).toUTCString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </>
  )
}
