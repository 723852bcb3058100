// /portal: the business's calendar for its team, in the business's zone.
// ?view=day|week&date=YYYY-MM-DD&resource=<id>&cancelled=1. Owners and managers see every
// resource; staff see the resources linked to them (the API's calendarReach). Forms confirm,
// cancel and move events; moves go through the TenantHub like every booking.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation, useRevalidator, useRouteLoaderData, useSearchParams, useSubmit } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { DateTime } from 'luxon'
import { z } from 'zod'
import { audit } from '../../worker/platform/audit'
import { listResources } from '../../worker/scheduling/catalog'
import { cancelEvent, confirmEvent, getEvent, listEvents } from '../../worker/scheduling/events'
import type { loader as rootLoader } from '../root'
import { AccountMenu } from '../components/account-bar'
import { StatusBadge, TenantBar } from '../components/booking-layout'
import { actorOf, assertSameOrigin, calendarReach, domainError, reachOf, tenantOf } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'
import { portalNavigation } from '../components/portal-access.server'
import { PortalNav } from '../components/portal-layout'
import { useHydrated } from '../components/hydrated'
import { applyCalendarMessage, showEvent, type CalendarView, type ShownEvent } from '../components/calendar-events'
import { LiveStatus, useLiveTopics } from '../components/live-updates'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Calendar · ${data.tenantName}` : 'Calendar' }]

const LOCALE = 'en-US'
const NOTICES: Record<string, string> = {
  confirmed: 'The appointment is confirmed.',
  cancelled: 'The appointment is cancelled.',
  moved: 'The appointment has been moved.',
  booked: 'The appointment is booked.',
}

function calendarQuery(url: URL, zone: string) {
  const view = url.searchParams.get('view') === 'day' ? ('day' as const) : ('week' as const)
  const asked = url.searchParams.get('date') ?? ''
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(asked) ? DateTime.fromISO(asked, { zone }) : null
  const date = parsed?.isValid ? parsed.startOf('day') : DateTime.now().setZone(zone).startOf('day')
  const first = view === 'day' ? date : date.startOf('week') // ISO weeks start on Monday
  const days = view === 'day' ? 1 : 7
  return { view, date, first, end: first.plus({ days }), days }
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, hub } = tenantOf(context)
  const actor = actorOf(context)
  const reach = await calendarReach(context, request, actor, 'read')
  const manage = await reachOf(context, request, actor, 'manage', false)
  const nav = await portalNavigation(context, request, actor)
  const url = new URL(request.url)
  const zone = tenant.timeZone
  const q = calendarQuery(url, zone)
  const showCancelled = url.searchParams.get('cancelled') === '1'

  const kindOrder = { staff: 0, room: 1, equipment: 2 } as const
  const resources = (await listResources(pool, tenant.schemaName))
    .filter((r) => reach === null || reach.includes(r.id))
    .sort((a, b) => kindOrder[a.kind] - kindOrder[b.kind] || a.name.localeCompare(b.name))
  const asked = url.searchParams.get('resource')
  const selected = resources.filter((r) => !asked || r.id === asked)
  const names = new Map(resources.map((r) => [r.id, r.name]))
  const events =
    selected.length === 0
      ? []
      : await listEvents(pool, tenant.schemaName, {
          from: q.first.toUTC().toISO()!,
          to: q.end.toUTC().toISO()!,
          resourceIds: asked || reach !== null ? selected.map((r) => r.id) : undefined,
          includeCancelled: showCancelled,
        })

  const view: CalendarView = {
    zone,
    from: q.first.toUTC().toISO()!,
    to: q.end.toUTC().toISO()!,
    columnIds: selected.map((r) => r.id),
    names: Object.fromEntries(names),
    manage,
    showCancelled,
  }
  const shown = events.map((e) => showEvent(e, view))
  const liveTopics = selected.length === 0 ? [] : reach === null ? ['calendar' as const] : reach.map((id) => `resource:${id}` as const)
  const loadedAt = await hub.topicSequences(liveTopics).catch(() => ({}))

  const step = q.view === 'day' ? { days: 1 } : { weeks: 1 }
  const today = DateTime.now().setZone(zone)
  return json({
    tenantName: tenant.name,
    zone,
    nav,
    view: q.view,
    date: q.date.toISODate()!,
    title:
      q.view === 'day'
        ? q.date.setLocale(LOCALE).toFormat('cccc, LLLL d, yyyy')
        : `${q.first.setLocale(LOCALE).toFormat('LLL d')} – ${q.end.minus({ days: 1 }).setLocale(LOCALE).toFormat('LLL d, yyyy')}`,
    previous: q.date.minus(step).toISODate()!,
    next: q.date.plus(step).toISODate()!,
    today: today.toISODate()!,
    days: Array.from({ length: q.days }, (_, i) => {
      const d = q.first.plus({ days: i }).setLocale(LOCALE)
      return { date: d.toISODate()!, weekday: d.toFormat('ccc'), label: d.toFormat('LLL d'), isToday: d.hasSame(today, 'day') }
    }),
    resources: resources.map((r) => ({ id: r.id, name: r.name, kind: r.kind })),
    resource: asked && selected.length ? asked : '',
    columns: selected.map((r) => ({ id: r.id, name: r.name })),
    events: shown,
    calendarView: view,
    loadedAt,
    showCancelled,
    ownOnly: reach !== null,
    notice: NOTICES[url.searchParams.get('notice') ?? ''] ?? null,
  })
}

const eventForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('confirm'), eventId: z.uuid() }),
  z.object({ intent: z.literal('cancel'), eventId: z.uuid(), reason: z.string().trim().max(300).default('') }),
  z.object({ intent: z.literal('move'), eventId: z.uuid(), start: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Pick a new date and time.') }),
])

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, hub, pool } = tenantOf(context)
  const actor = actorOf(context)
  const parsed = eventForm.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json({ eventId: null, error: parsed.error.issues[0]?.message ?? 'The form is incomplete.' }, { status: 400 })
  const input = parsed.data
  const reach = await calendarReach(context, request, actor, 'manage')
  const event = await getEvent(pool, tenant.schemaName, input.eventId)
  if (!event) return json({ eventId: input.eventId, error: 'That appointment no longer exists.' }, { status: 404 })
  if (reach && !event.resourceIds.some((id) => reach.includes(id))) {
    return json({ eventId: input.eventId, error: 'You may change events on your own calendar only.' }, { status: 403 })
  }
  const who = { ...actor.audit, tenantId: tenant.id, targetType: 'event', targetId: event.id }
  try {
    if (input.intent === 'confirm') {
      const confirmed = await confirmEvent(pool, tenant.schemaName, event.id, actor.audit.effectiveUserId)
      await audit(pool, { action: 'event.confirmed', ...who })
      await hub.announce({ kind: 'event', type: 'event.confirmed', event: confirmed })
    } else if (input.intent === 'cancel') {
      const cancelled = await cancelEvent(pool, tenant.schemaName, event.id, { userId: actor.audit.effectiveUserId, reason: input.reason })
      await audit(pool, { action: 'event.cancelled', ...who })
      await hub.announce({ kind: 'event', type: 'event.cancelled', event: cancelled })
    } else {
      // The business's wall clock: a time its clock skips cannot be asked for.
      const start = DateTime.fromISO(input.start, { zone: tenant.timeZone })
      if (!start.isValid || start.toFormat("yyyy-MM-dd'T'HH:mm") !== input.start) {
        return json({ eventId: event.id, error: `${input.start.replace('T', ' ')} does not exist in ${tenant.timeZone}.` }, { status: 400 })
      }
      const moved = await hub.reschedule({ eventId: event.id, start: start.toMillis(), lockIds: event.resourceIds, actorUserId: actor.audit.effectiveUserId, enforceNotice: false })
      await audit(pool, { action: 'event.moved', ...who, detail: { from: event.start, to: moved.start } })
    }
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    return json({ eventId: event.id, error: known.message }, { status: known.status })
  }
  const back = new URL(request.url)
  back.searchParams.set('notice', input.intent === 'confirm' ? 'confirmed' : input.intent === 'cancel' ? 'cancelled' : 'moved')
  return redirect(`${back.pathname}?${back.searchParams.toString()}`)
}


export default function Portal() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const [search] = useSearchParams()
  const link = (changes: Record<string, string | null>) => {
    const params = new URLSearchParams(search)
    params.delete('notice')
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) params.delete(k)
      else params.set(k, v)
    }
    return `/portal?${params.toString()}`
  }
  const root = useRouteAuth()
  const [events, live] = useLiveCalendar(data.events, data.calendarView, data.loadedAt)

  return (
    <>
      <TenantBar name={data.tenantName}>
        <span className="muted">Calendar · {data.zone.replace(/_/g, ' ')}</span> <AccountMenu auth={root} />
      </TenantBar>
      <PortalNav nav={data.nav} bookHref={`/portal/appointments/new?date=${data.date}`} />
      <main className="wide booking-page">
        <div className="calendar-head">
          <div>
            <h1 data-testid="page-title">{data.title}</h1>
            <p className="muted">
              {data.ownOnly ? 'Your calendar.' : 'All resources.'} Times in {data.zone.replace(/_/g, ' ')}. <LiveStatus state={live} />
            </p>
          </div>
          <nav className="segmented" aria-label="View">
            <Link to={link({ view: 'day' })} className={data.view === 'day' ? 'active' : undefined} aria-current={data.view === 'day' ? 'page' : undefined}>
              Day
            </Link>
            <Link to={link({ view: 'week' })} className={data.view === 'week' ? 'active' : undefined} aria-current={data.view === 'week' ? 'page' : undefined}>
              Week
            </Link>
          </nav>
        </div>
        <div className="toolbar">
          <nav className="pager" aria-label="Dates">
            <Link to={link({ date: data.previous })} data-testid="previous">
              ← {data.view === 'day' ? 'Previous day' : 'Previous week'}
            </Link>
            <Link to={link({ date: data.today })}>Today</Link>
            <Link to={link({ date: data.next })} data-testid="next">
              {data.view === 'day' ? 'Next day' : 'Next week'} →
            </Link>
          </nav>
          <ResourceFilter resources={data.resources} resource={data.resource} view={data.view} date={data.date} showCancelled={data.showCancelled} />
          <Link to={link({ cancelled: data.showCancelled ? null : '1' })} className="small">
            {data.showCancelled ? 'Hide cancelled' : 'Show cancelled'}
          </Link>
        </div>
        {data.notice ? (
          <Notice kind="success" testId="portal-notice">
            {data.notice}
          </Notice>
        ) : null}
        {result?.error && !result.eventId ? <Notice kind="error">{result.error}</Notice> : null}
        {data.resources.length === 0 ? (
          <div className="card">
            <p className="muted">No calendar is linked to your account yet. Ask the owner to link you to a staff resource.</p>
          </div>
        ) : data.view === 'week' ? (
          <div className="calendar week" data-testid="calendar-week">
            {data.days.map((day) => (
              <section key={day.date} className={`calendar-column${day.isToday ? ' today' : ''}`} data-date={day.date} data-testid="calendar-day">
                <h2>
                  <Link to={link({ view: 'day', date: day.date })}>
                    <span>{day.weekday}</span> {day.label}
                  </Link>
                </h2>
                <EventList events={events.filter((e) => e.day === day.date)} showResources={data.columns.length > 1} error={result} />
              </section>
            ))}
          </div>
        ) : (
          <div className="calendar day" data-testid="calendar-day-view" style={{ gridTemplateColumns: `repeat(${Math.max(1, data.columns.length)}, minmax(220px, 1fr))` }}>
            {data.columns.map((column) => (
              <section key={column.id} className="calendar-column" data-resource={column.id}>
                <h2>{column.name}</h2>
                <EventList events={events.filter((e) => e.resourceIds.includes(column.id))} showResources={false} error={result} />
              </section>
            ))}
          </div>
        )}
      </main>
    </>
  )
}

/**
 * The loader's events, kept up to date from the business's calendar topic: bookings, moves and
 * cancellations by anyone appear without a reload; after a missed message the page reloads its data.
 */
function useLiveCalendar(initial: ShownEvent[], view: CalendarView, loadedAt: Record<string, number>) {
  const [events, setEvents] = useState(initial)
  useEffect(() => setEvents(initial), [initial])
  const revalidator = useRevalidator()
  const live = useLiveTopics(
    view.columnIds.length ? ['calendar'] : [],
    {
      onMessage: (message) => setEvents((current) => applyCalendarMessage(current, message, view)),
      onResync: () => revalidator.state === 'idle' && revalidator.revalidate(),
    },
    { refreshSession: true, loadedAt },
  )
  return [events, live] as const
}

/** The signed-in summary the root loader already carries for the whole page. */
function useRouteAuth() {
  return useRouteLoaderData<typeof rootLoader>('root')?.auth ?? null
}

function EventList({ events, showResources, error }: { events: ShownEvent[]; showResources: boolean; error: { eventId: string | null; error: string } | undefined }) {
  if (events.length === 0) return <p className="muted small empty">No appointments</p>
  return (
    <ul className="events">
      {events.map((e) => (
        <li key={e.id} className={`event ${e.status}`} data-testid="event" data-event-id={e.id} data-status={e.status}>
          <div className="event-time">{e.time}</div>
          <div className="event-service">{e.serviceName}</div>
          <div className="event-customers" data-testid="event-customers">
            {/* the calendar lists live bookings only: a cancelled event has none left to name */}
            {e.customers.length ? e.customers.join(', ') : <span className="muted">{e.status === 'cancelled' ? 'Booking cancelled' : 'No customer'}</span>}
            {e.seats > 1 ? <span className="muted small"> · {e.customers.length}/{e.seats} places</span> : null}
          </div>
          {showResources && e.resources.length ? <div className="muted small">{e.resources.join(' · ')}</div> : null}
          <StatusBadge status={e.status} />
          {error?.eventId === e.id ? (
            <p className="error small" role="alert">
              {error.error}
            </p>
          ) : null}
          {e.canManage ? <EventActions event={e} /> : null}
        </li>
      ))}
    </ul>
  )
}

function EventActions({ event }: { event: ShownEvent }) {
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting' && navigation.formData?.get('eventId') === event.id
  const [search] = useSearchParams()
  const action = `/portal?${search.toString()}`
  return (
    // Keyed by what a change alters, so that the panel closes once its change is made.
    <details className="event-actions" key={`${event.status}|${event.startLocal}`}>
      <summary>Manage</summary>
      {event.status === 'pending' ? (
        <Form method="post" action={action}>
          <input type="hidden" name="eventId" value={event.id} />
          <button type="submit" name="intent" value="confirm" disabled={busy} data-testid="confirm-event">
            Confirm
          </button>
        </Form>
      ) : null}
      {event.seats === 1 ? (
        <Form method="post" action={action} className="move-form">
          <input type="hidden" name="eventId" value={event.id} />
          <label>
            Move to
            <input type="datetime-local" name="start" defaultValue={event.startLocal} step={300} required />
          </label>
          <button type="submit" name="intent" value="move" className="secondary" disabled={busy} data-testid="move-event">
            Move
          </button>
        </Form>
      ) : null}
      <Form method="post" action={action}>
        <input type="hidden" name="eventId" value={event.id} />
        <label>
          Reason (optional)
          <input name="reason" maxLength={300} />
        </label>
        <button type="submit" name="intent" value="cancel" className="danger" disabled={busy} data-testid="cancel-event">
          Cancel appointment
        </button>
      </Form>
    </details>
  )
}

function ResourceFilter({ resources, resource, view, date, showCancelled }: { resources: { id: string; name: string }[]; resource: string; view: string; date: string; showCancelled: boolean }) {
  const submit = useSubmit()
  const hydrated = useHydrated()
  if (resources.length < 2) return null
  return (
    <Form method="get" action="/portal" className="tz-form">
      <input type="hidden" name="view" value={view} />
      <input type="hidden" name="date" value={date} />
      {showCancelled ? <input type="hidden" name="cancelled" value="1" /> : null}
      <label>
        Resource
        <select name="resource" defaultValue={resource} key={resource} onChange={(e) => submit(e.currentTarget.form)} data-testid="resource-filter">
          <option value="">All</option>
          {resources.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name}
            </option>
          ))}
        </select>
      </label>
      {hydrated ? null : (
        <button type="submit" className="secondary">
          Show
        </button>
      )}
    </Form>
  )
}
