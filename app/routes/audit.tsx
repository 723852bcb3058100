// /audit on the platform host: the append-only audit log, newest first, filtered by action
// (a trailing * matches a prefix) and tenant, a page at a time. For those who may read it.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useLoaderData } from '@remix-run/react'
import { auditQuery, listAudit } from '../../worker/platform/audit'
import { platformActor } from '../components/platform.server'
import { PlatformPage } from '../components/platform-layout'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction = () => [{ title: 'Audit log · SmoothSchedule Platform' }]

export async function loader({ context, request }: LoaderFunctionArgs) {
  platformActor(context, request, 'platform.audit.read')
  const url = new URL(request.url)
  const raw = Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''))
  const parsed = auditQuery.safeParse({ limit: '50', ...raw })
  const filters = parsed.success ? parsed.data : auditQuery.parse({ limit: '50' })
  const page = await listAudit(context.pool(), filters)
  return json({ page, action: filters.action ?? '', tenant: filters.tenant ?? '', invalid: parsed.success ? null : 'Those filters are not valid; showing the newest entries.' })
}

export default function Audit() {
  const { page, action, tenant, invalid } = useLoaderData<typeof loader>()
  return (
    <PlatformPage title="Audit log" lead="Who did what, as whom, where — newest first. Entries cannot be changed or removed.">
      {invalid ? <Notice kind="error">{invalid}</Notice> : null}
      <Form method="get" className="toolbar search-form card">
        <input name="action" defaultValue={action} placeholder="action, e.g. tenant.* or masquerade.started" aria-label="Action" />
        <input name="tenant" defaultValue={tenant} placeholder="tenant id" aria-label="Tenant id" />
        <button type="submit">Filter</button>
      </Form>
      <section className="card" data-testid="audit-list">
        <table className="team">
          <thead>
            <tr>
              <th>When (UTC)</th>
              <th>Action</th>
              <th>Actor → as</th>
              <th>Target</th>
              <th>Detail</th>
            </tr>
          </thead>
          <tbody>
            {page.entries.map((e) => (
              <tr key={e.id} data-testid="audit-entry" data-action={e.action}>
                <td className="small">{e.at.replace('T', ' ').slice(0, 19)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td className="small muted">
                  {e.actorUserId ?? '—'}
                  {e.effectiveUserId && e.effectiveUserId !== e.actorUserId ? ` → ${e.effectiveUserId}` : ''}
                </td>
                <td className="small">{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</td>
                <td className="small muted">
                  <code>{JSON.stringify(e.detail).slice(0, 160)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.nextBefore ? <Link to={`/audit?${new URLSearchParams({ ...(action ? { action } : {}), ...(tenant ? { tenant } : {}), before: String(page.nextBefore) })}`}>Older →</Link> : null}
      </section>
    </PlatformPage>
  )
}
