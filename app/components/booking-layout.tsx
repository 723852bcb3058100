// The frame of a business's booking pages: its name in the bar, where the customer is in the
// booking, and how a booking's status reads.
import { Link, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import type { loader as rootLoader } from '../root'

export function TenantBar({ name, children }: { name: string; children?: ReactNode }) {
  const logoUrl = useRouteLoaderData<typeof rootLoader>('root')?.brand?.logoUrl ?? null
  return (
    <header className="bar">
      <Link className="brand" to="/" data-testid="tenant-name">
        {logoUrl ? <img className="brand-logo" src={logoUrl} alt="" data-testid="tenant-logo" /> : null}
        {name}
      </Link>
      <span className="bar-links">{children ?? <Link to="/book">Book online</Link>}</span>
    </header>
  )
}

const STEPS = ['Service', 'Time', 'Your details', 'Done'] as const

export function BookingSteps({ current }: { current: (typeof STEPS)[number] }) {
  const index = STEPS.indexOf(current)
  return (
    <ol className="steps" aria-label="Booking steps">
      {STEPS.map((step, i) => (
        <li key={step} className={i < index ? 'done' : i === index ? 'current' : undefined} aria-current={i === index ? 'step' : undefined}>
          <span className="step-number">{i + 1}</span> {step}
        </li>
      ))}
    </ol>
  )
}

const STATUS_TEXT: Record<string, string> = {
  confirmed: 'Confirmed',
  pending: 'Awaiting confirmation',
  cancelled: 'Cancelled',
  completed: 'Completed',
  no_show: 'No-show',
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge ${status}`} data-testid="status" data-status={status}>
      {STATUS_TEXT[status] ?? status}
    </span>
  )
}

/** Label/value rows describing an appointment. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}
