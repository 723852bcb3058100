// /manage/:token: the customer's own booking through the secret link. They can move it to another
// free time on the same resources, or cancel it, until the service's cut-off (as the public API).
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react'
import { audit } from '../../worker/platform/audit'
import { slotsFor } from '../../worker/scheduling/booking'
import { cancelBooking } from '../../worker/scheduling/events'
import { bookingCancelled } from '../../worker/realtime/fan-out'
import { Facts, StatusBadge, TenantBar } from '../components/booking-layout'
import { bookingOfToken, changeVerdict } from '../components/manage.server'
import { assertSameOrigin, dateLabel, domainError, groupByDay, parseSlotChoice, timeLabel, weekRange } from '../components/scheduling.server'
import { Notice, SlotWeek, WeekPager, type DayOfSlots } from '../components/slot-picker'
import { TimeZoneSelect } from '../components/time-zone-select'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Your booking · ${data.tenantName}` : 'Your booking' }]

const NOTICES: Record<string, string> = {
  rescheduled: 'Your booking has been moved to the new time below.',
  cancelled: 'Your booking is cancelled. We hope to see you another time.',
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { found, service, zone, view, tenant, hub, pool, allows } = await bookingOfToken(context, request, params.token)
  const url = new URL(request.url)
  const verdict = changeVerdict(found, service?.cancellationCutoffMinutes ?? 0)
  const canReschedule = verdict.ok && !!service && found.event.seats === 1 && allows.reschedule
  const step = url.searchParams.get('step')

  let reschedule: { days: DayOfSlots[]; week: { start: string; label: string; previous: string | null; next: string | null }; unavailable: boolean } | null = null
  if (step === 'reschedule' && canReschedule && service) {
    const week = weekRange(url, zone, service.horizonDays)
    // Same resources as now: each group narrowed to the resource this booking already has.
    const groups = service.resourceGroups.map((group) => group.filter((id) => found.event.resourceIds.includes(id)))
    let days = groupByDay([], week, zone)
    let unavailable = groups.some((g) => g.length === 0)
    if (!unavailable) {
      try {
        const slots = await slotsFor(pool, tenant.schemaName, { ...service, resourceGroups: groups }, { from: week.from, to: week.to, now: Date.now(), viewerTimeZone: zone }, await hub.listHolds(), { excludeEventId: found.event.id })
        days = groupByDay(
          slots.filter((s) => s.start !== Date.parse(found.event.start)),
          week,
          zone,
        )
      } catch (error) {
        const known = domainError(error)
        if (!known || known.status >= 500) throw error
        unavailable = true
      }
    }
    reschedule = { days, week: { start: week.start, label: week.label, previous: week.previous, next: week.next }, unavailable }
  }

  return json({
    ...view,
    token: params.token!,
    zone,
    explicitZone: url.searchParams.has('tz'),
    step: step === 'cancel' && verdict.ok && allows.cancel ? ('cancel' as const) : reschedule ? ('reschedule' as const) : null,
    verdict: verdict.ok
      ? { ok: true as const, closes: `${dateLabel(verdict.closesAt, zone)}, ${timeLabel(verdict.closesAt, zone)}` }
      : { ok: false as const, code: verdict.code, message: verdict.message },
    canReschedule,
    canCancel: allows.cancel,
    groupSession: found.event.seats > 1,
    reschedule,
    notice: NOTICES[url.searchParams.get('notice') ?? ''] ?? null,
  })
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { found, service, zone, tenant, hub, pool, allows } = await bookingOfToken(context, request, params.token)
  const form = await request.formData()
  const intent = form.get('intent')
  const verdict = changeVerdict(found, service?.cancellationCutoffMinutes ?? 0)
  if (!verdict.ok) return json({ error: verdict.message }, { status: 409 })
  if ((intent === 'cancel' && !allows.cancel) || (intent === 'reschedule' && !allows.reschedule)) {
    return json({ error: `${tenant.name} does not take ${intent === 'cancel' ? 'cancellations' : 'changes'} online; please contact them.` }, { status: 409 })
  }
  const done = (notice: string) => redirect(`/manage/${params.token}?${new URLSearchParams({ notice, tz: zone })}`)

  if (intent === 'cancel') {
    const event = await cancelBooking(pool, tenant.schemaName, found.bookingId, found.event.id, found.event.seats)
    await audit(pool, { action: 'booking.cancelled_by_customer', tenantId: tenant.id, targetType: 'booking', targetId: found.bookingId, ip: context.clientIp })
    await hub.announce(bookingCancelled(event))
    return done('cancelled')
  }

  if (intent === 'reschedule') {
    const choice = parseSlotChoice(form.get('slot'))
    if (!choice) return json({ error: 'Choose one of the times shown.' }, { status: 400 })
    try {
      const moved = await hub.reschedule({ eventId: found.event.id, start: choice.start, lockIds: found.event.resourceIds, actorUserId: null, enforceNotice: true })
      await audit(pool, {
        action: 'booking.rescheduled_by_customer',
        tenantId: tenant.id,
        targetType: 'booking',
        targetId: found.bookingId,
        ip: context.clientIp,
        detail: { from: found.event.start, to: moved.start },
      })
    } catch (error) {
      const known = domainError(error)
      if (!known || known.status >= 500) throw error
      const message = known.code === 'slot_unavailable' ? 'Sorry, that time was just taken. Please choose another.' : known.message
      return json({ error: message }, { status: known.status })
    }
    return done('rescheduled')
  }
  return json({ error: 'Choose what to change.' }, { status: 400 })
}

export default function ManageBooking() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const [search] = useSearchParams()
  const busy = navigation.state === 'submitting'
  const here = (extra: Record<string, string>) => {
    const params = new URLSearchParams({ tz: data.zone, ...extra })
    return `/manage/${data.token}?${params.toString()}`
  }
  const cancelled = data.status === 'cancelled'

  return (
    <>
      <TenantBar name={data.tenantName} />
      <main className="booking-page">
        <h1 data-testid="page-title">Your booking</h1>
        <p className="lead">
          {cancelled
            ? `${data.customerName}, this appointment with ${data.tenantName} is cancelled.`
            : `${data.customerName}, here you can check, move or cancel your appointment with ${data.tenantName}.`}
        </p>
        {data.notice ? (
          <Notice kind="success" testId="manage-notice">
            {data.notice}
          </Notice>
        ) : null}
        {result?.error ? (
          <Notice kind="error" testId="manage-error">
            {result.error}
          </Notice>
        ) : null}

        {data.step === 'reschedule' ? null : (
          <div className="toolbar">
            <TimeZoneSelect zone={data.zone} businessZone={data.businessZone} explicit={data.explicitZone} keep={data.step ? { step: data.step } : {}} />
          </div>
        )}
        <div className={`card booking${cancelled ? ' is-cancelled' : ''}`} data-testid="booking">
          <div className="booking-head">
            <h2>{data.serviceName}</h2>
            <StatusBadge status={data.status} />
          </div>
          <Facts
            rows={[
              ['Date', <span key="d" data-testid="booking-date">{data.when.date}</span>],
              ['Time', <span key="t" data-testid="booking-time">{data.when.time}</span>],
              ['Time zone', data.when.zone.replace(/_/g, ' ')],
              ...(data.with ? ([['With', data.with]] as [string, string][]) : []),
              ['Name', data.customerName],
            ]}
          />
          {data.verdict.ok ? (
            data.step ? null : (
              <div className="actions">
                {data.canReschedule ? (
                  <Link className="button" to={here({ step: 'reschedule' })} data-testid="reschedule-link">
                    Change time
                  </Link>
                ) : null}
                {data.canCancel ? (
                  <Link className="button danger-outline" to={here({ step: 'cancel' })} data-testid="cancel-link">
                    Cancel booking
                  </Link>
                ) : null}
                {data.canCancel || data.canReschedule ? (
                  <span className="muted small">
                    You can {data.canReschedule && data.canCancel ? 'change or cancel' : data.canCancel ? 'cancel' : 'change'} online until {data.verdict.closes}.
                  </span>
                ) : (
                  <span className="muted small" data-testid="changes-offline">
                    To change or cancel, please contact {data.tenantName}.
                  </span>
                )}
              </div>
            )
          ) : data.verdict.code === 'cancelled' ? null : (
            <p className="muted" data-testid="change-closed">
              {data.verdict.message}
            </p>
          )}
          {data.policyText ? (
            <p className="muted small policy" data-testid="cancellation-policy">
              {data.policyText}
            </p>
          ) : null}
          {data.verdict.ok && data.groupSession && !data.step ? (
            <p className="muted small">To move a place in a group class, cancel it and book the class at the new time.</p>
          ) : null}
        </div>

        {data.step === 'cancel' ? (
          <Form method="post" className="card confirm-cancel" data-testid="confirm-cancel">
            <input type="hidden" name="intent" value="cancel" />
            <h2>Cancel this booking?</h2>
            <p className="muted">
              {data.serviceName} on {data.when.date} at {data.when.time}. This cannot be undone.
            </p>
            <div className="actions">
              <button type="submit" className="danger" disabled={busy} data-testid="confirm-cancel-button">
                Yes, cancel my booking
              </button>
              <Link to={here({})}>Keep it</Link>
            </div>
          </Form>
        ) : null}

        {data.step === 'reschedule' && data.reschedule ? (
          <section className="card" data-testid="reschedule">
            <div className="section-head">
              <h2>Choose a new time</h2>
              <Link to={here({})}>Keep the current time</Link>
            </div>
            <div className="toolbar">
              <TimeZoneSelect zone={data.zone} businessZone={data.businessZone} explicit={data.explicitZone} keep={{ step: 'reschedule', ...(search.get('week') ? { week: data.reschedule.week.start } : {}) }} />
            </div>
            <WeekPager label={data.reschedule.week.label} previous={data.reschedule.week.previous} next={data.reschedule.week.next} search={search} />
            {data.reschedule.unavailable ? (
              <p className="muted">This booking cannot be moved online; please contact {data.tenantName}.</p>
            ) : (
              <SlotWeek days={data.reschedule.days} action={here({ step: 'reschedule' })} hidden={{ intent: 'reschedule' }} testId="reschedule-week" />
            )}
          </section>
        ) : null}

        <p>
          <Link to="/book">Book something else</Link>
        </p>
      </main>
    </>
  )
}
