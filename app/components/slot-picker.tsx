// Free times as buttons, one row per day. Each button posts its slot (start|resourceIds) with a
// plain form, so choosing a time works without JavaScript.
import { Form, Link, useNavigation } from '@remix-run/react'
import type { ReactNode } from 'react'

export interface SlotChoice {
  /** `start ISO|resourceId,resourceId`, parsed by parseSlotChoice */
  value: string
  label: string
}

export interface DayOfSlots {
  date: string
  weekday: string
  label: string
  slots: SlotChoice[]
}

/** Buttons for a handful of times (e.g. the next free ones after a clash). */
export function SlotButtons({ slots, name = 'slot' }: { slots: SlotChoice[]; name?: string }) {
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  return (
    <div className="slots">
      {slots.map((slot) => (
        <button key={slot.value} type="submit" name={name} value={slot.value} className="slot" disabled={busy} data-testid="slot">
          {slot.label}
        </button>
      ))}
    </div>
  )
}

/** A week of days; `hidden` travels with every choice (time zone, intent, ...). */
export function SlotWeek({
  days,
  action,
  hidden,
  emptyText = 'No free times',
  testId = 'slot-week',
}: {
  days: DayOfSlots[]
  action: string
  hidden: Record<string, string>
  emptyText?: string
  testId?: string
}) {
  return (
    <Form method="post" action={action} className="slot-week" data-testid={testId}>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      {days.map((day) => (
        <section key={day.date} className={`slot-day${day.slots.length ? '' : ' empty'}`} data-date={day.date} data-testid="slot-day">
          <h3>
            <span className="weekday">{day.weekday}</span>
            <span className="muted">{day.label}</span>
          </h3>
          {day.slots.length ? <SlotButtons slots={day.slots} /> : <p className="muted">{emptyText}</p>}
        </section>
      ))}
    </Form>
  )
}

/** ← Earlier · May 12 – 18 · Later → as GET links (the rest of the query string is kept). */
export function WeekPager({ label, previous, next, search }: { label: string; previous: string | null; next: string | null; search: URLSearchParams }) {
  const to = (week: string) => {
    const params = new URLSearchParams(search)
    params.set('week', week)
    return `?${params.toString()}`
  }
  return (
    <nav className="pager" aria-label="Weeks">
      {previous ? (
        <Link to={to(previous)} rel="prev" data-testid="previous-week">
          ← Earlier
        </Link>
      ) : (
        <span className="muted">← Earlier</span>
      )}
      <strong>{label}</strong>
      {next ? (
        <Link to={to(next)} rel="next" data-testid="next-week">
          Later →
        </Link>
      ) : (
        <span className="muted">Later →</span>
      )}
    </nav>
  )
}

export function Notice({ kind, children, testId }: { kind: 'error' | 'success' | 'info'; children: ReactNode; testId?: string }) {
  return (
    <div className={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </div>
  )
}
