// /book/done/:token: the confirmation right after booking, with the customer's manage link.
import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Link, useLoaderData } from '@remix-run/react'
import { BookingSteps, Facts, StatusBadge, TenantBar } from '../components/booking-layout'
import { bookingOfToken } from '../components/manage.server'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Booked · ${data.tenantName}` : 'Booked' }]

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const found = await bookingOfToken(context, request, params.token)
  return json({ ...found.view, manageUrl: new URL(`/manage/${params.token}`, request.url).href, managePath: `/manage/${params.token}` })
}

export default function Done() {
  const data = useLoaderData<typeof loader>()
  const pending = data.status === 'pending'
  return (
    <>
      <TenantBar name={data.tenantName} />
      <main className="booking-page">
        <BookingSteps current="Done" />
        <div className="card confirmation" data-testid="confirmation">
          <div className="confirmation-head">
            <span className="check" aria-hidden="true">
              ✓
            </span>
            <div>
              <h1 data-testid="page-title">{pending ? 'Request received' : 'You’re booked'}</h1>
              <p className="muted">
                {pending
                  ? `${data.tenantName} will confirm your appointment shortly.`
                  : `See you soon, ${data.customerName}. Keep the link below: it is how you change or cancel this booking.`}
              </p>
            </div>
          </div>
          <Facts
            rows={[
              ['Service', data.serviceName],
              ['Date', data.when.date],
              ['Time', data.when.time],
              ['Time zone', data.when.zone.replace(/_/g, ' ')],
              ...(data.with ? ([['With', data.with]] as [string, string][]) : []),
              ['Name', data.customerName],
              ['Status', <StatusBadge key="status" status={data.status} />],
            ]}
          />
          <div className="manage-link">
            <p>
              <strong>Your manage link</strong> — open it to reschedule or cancel:
            </p>
            <p>
              <Link to={data.managePath} data-testid="manage-link">
                {data.manageUrl}
              </Link>
            </p>
            <p className="muted small">Anyone with this link can change your booking, so keep it to yourself.</p>
          </div>
        </div>
        <p>
          <Link to="/">← Back to {data.tenantName}</Link>
        </p>
      </main>
    </>
  )
}
