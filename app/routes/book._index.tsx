// /book: the services a customer can book online, with duration and price.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Link, useLoaderData } from '@remix-run/react'
import { listServices } from '../../worker/scheduling/catalog'
import { BookingSteps, TenantBar } from '../components/booking-layout'
import { bookingOptions, durationLabel, priceLabel, tenantOf, viewerZone } from '../components/scheduling.server'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Book online · ${data.tenantName}` : 'Book online' }]

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool } = tenantOf(context)
  const url = new URL(request.url)
  const tz = url.searchParams.has('tz') ? viewerZone(url, tenant.timeZone) : null
  const services = await listServices(pool, tenant.schemaName, { activeOnly: true })
  const options = await bookingOptions(context)
  return json({
    tenantName: tenant.name,
    headline: options.headline,
    intro: options.intro,
    tz,
    services: services.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      duration: durationLabel(s.durationMinutes),
      price: options.showPrices ? priceLabel(s.priceCents, s.currency) : null,
      requiresConfirmation: s.requiresConfirmation,
      group: s.seats > 1 ? s.seats : null,
    })),
  })
}

export default function BookServices() {
  const { tenantName, services, tz, headline, intro } = useLoaderData<typeof loader>()
  return (
    <>
      <TenantBar name={tenantName} />
      <main className="booking-page">
        <BookingSteps current="Service" />
        <h1 data-testid="page-title">{headline ?? 'Book online'}</h1>
        <p className="lead" data-testid="booking-intro">
          {intro ?? 'Choose what you would like to book.'}
        </p>
        {services.length === 0 ? (
          <div className="card">
            <p className="muted">{tenantName} has no services open for online booking yet.</p>
          </div>
        ) : (
          <ul className="service-list" data-testid="service-list">
            {services.map((s) => (
              <li key={s.id}>
                <Link to={`/book/${s.id}${tz ? `?tz=${encodeURIComponent(tz)}` : ''}`} className="service card" data-testid="service">
                  <span className="service-main">
                    <strong className="service-name">{s.name}</strong>
                    {s.description ? <span className="muted">{s.description}</span> : null}
                    <span className="service-tags">
                      <span className="tag">{s.duration}</span>
                      {s.group ? <span className="tag">Group class · {s.group} places</span> : null}
                      {s.requiresConfirmation ? <span className="tag">Confirmed by the team</span> : null}
                    </span>
                  </span>
                  <span className="service-side">
                    {s.price ? <span className="price">{s.price}</span> : null}
                    <span className="choose">Choose a time →</span>
                  </span>
                </Link>
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  )
}
