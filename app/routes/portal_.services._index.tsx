// /portal/services: what the business offers, with the resources that deliver each. Everyone on
// the team may read it (GET /services); catalog managers add services at /portal/services/new.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Link, useLoaderData } from '@remix-run/react'
import { listResources, listServices } from '../../worker/scheduling/catalog'
import { may, portalContext, portalNavigation } from '../components/portal-access.server'
import { ActiveBadge, PageHead, PortalPage } from '../components/portal-layout'
import { calendarReach, durationLabel, priceLabel } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Services · ${data.tenantName}` : 'Services' }]

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await calendarReach(context, request, actor, 'read')
  const [nav, manage, services, resources] = await Promise.all([
    portalNavigation(context, request, actor),
    may(context, request, actor, 'tenant.catalog.manage', true),
    listServices(pool, tenant.schemaName),
    listResources(pool, tenant.schemaName),
  ])
  const names = new Map(resources.map((r) => [r.id, r.name]))
  const url = new URL(request.url)
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    manage,
    notice: url.searchParams.get('notice') === 'created' ? 'The service is added.' : null,
    services: services.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      duration: durationLabel(s.durationMinutes),
      price: priceLabel(s.priceCents, s.currency),
      deposit: s.depositCents ? priceLabel(s.depositCents, s.currency) : null,
      seats: s.seats,
      requiresConfirmation: s.requiresConfirmation,
      isActive: s.isActive,
      // one resource from each group: "Marco or Stella + Studio A"
      deliveredBy: s.resourceGroups.map((group) => group.map((id) => names.get(id) ?? 'Unknown').join(' or ')),
    })),
  })
}

export default function Services() {
  const data = useLoaderData<typeof loader>()
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Services" nav={data.nav}>
      <PageHead title="Services" lead="What customers can book, and the resources that deliver each.">
        {data.manage ? (
          <Link to="/portal/services/new" className="button" data-testid="add-service">
            Add a service
          </Link>
        ) : null}
      </PageHead>
      {data.notice ? (
        <Notice kind="success" testId="services-notice">
          {data.notice}
        </Notice>
      ) : null}
      <section className="card" data-testid="service-list">
        {data.services.length === 0 ? (
          <p className="muted">No services yet.</p>
        ) : (
          <table className="portal-table">
            <thead>
              <tr>
                <th>Service</th>
                <th>Duration</th>
                <th>Price</th>
                <th>Delivered by</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {data.services.map((s) => (
                <tr key={s.id} data-testid="service-row" data-service-id={s.id}>
                  <td>
                    <strong>{s.name}</strong>
                    <div className="service-tags">
                      {s.seats > 1 ? <span className="tag">Group of {s.seats}</span> : null}
                      {s.requiresConfirmation ? <span className="tag">Needs confirmation</span> : null}
                    </div>
                  </td>
                  <td>{s.duration}</td>
                  <td>
                    {s.price}
                    {s.deposit ? <div className="muted small">Deposit {s.deposit}</div> : null}
                  </td>
                  <td>
                    {s.deliveredBy.map((group, i) => (
                      <div key={i}>
                        {i > 0 ? <span className="muted">+ </span> : null}
                        {group}
                      </div>
                    ))}
                  </td>
                  <td>
                    <ActiveBadge active={s.isActive} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </PortalPage>
  )
}
