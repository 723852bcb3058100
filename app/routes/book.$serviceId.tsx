// /book/:serviceId: a week of free times in the customer's zone (?tz=, ?week=, ?resource=).
// Choosing one places a short hold in the TenantHub and goes on to the details form.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, useActionData, useLoaderData, useRevalidator, useSearchParams, useSubmit } from '@remix-run/react'
import { slotsFor } from '../../worker/scheduling/booking'
import { listResources } from '../../worker/scheduling/catalog'
import { BookingSteps, TenantBar } from '../components/booking-layout'
import {
  assertSameOrigin,
  bookableService,
  domainError,
  durationLabel,
  groupByDay,
  parseSlotChoice,
  bookingOptions,
  priceLabel,
  resourceChoices,
  viewerZone,
  weekRange,
  zoneOr,
} from '../components/scheduling.server'
import { Notice, SlotWeek, WeekPager, type DayOfSlots } from '../components/slot-picker'
import { LiveStatus, useLiveTopics } from '../components/live-updates'
import { takenSlotValues } from '../components/live-slots'
import { useEffect, useRef, useState } from 'react'
import { TimeZoneSelect } from '../components/time-zone-select'
import { useHydrated } from '../components/hydrated'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.service.name} · ${data.tenantName}` : 'Book online' }]

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { tenant, hub, pool, service } = await bookableService(context, params.serviceId)
  const url = new URL(request.url)
  const zone = viewerZone(url, tenant.timeZone)
  const week = weekRange(url, zone, service.horizonDays)
  const resources = await listResources(pool, tenant.schemaName, { activeOnly: true })
  const choices = resourceChoices(service, new Map(resources.map((r) => [r.id, r.name])))
  const asked = url.searchParams.get('resource')
  const resource = choices.some((c) => c.id === asked) ? asked! : ''
  const loadedAt = await hub.topicSequences([`service:${service.id}`]).catch(() => ({}))
  let days = groupByDay([], week, zone)
  let unavailable = false
  try {
    const holds = await hub.listHolds()
    const slots = await slotsFor(pool, tenant.schemaName, service, { from: week.from, to: week.to, now: Date.now(), viewerTimeZone: zone, onlyResourceId: resource || undefined }, holds)
    days = groupByDay(slots, week, zone)
  } catch (error) {
    // A catalog the engine refuses (say, a resource of the service switched off) is not the customer's fault.
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    console.warn(`slots for service ${service.id}: ${known.message}`)
    unavailable = true
  }
  return json({
    tenantName: tenant.name,
    businessZone: tenant.timeZone,
    zone,
    explicitZone: url.searchParams.has('tz'),
    service: {
      id: service.id,
      name: service.name,
      description: service.description,
      durationMinutes: service.durationMinutes,
      duration: durationLabel(service.durationMinutes),
      price: (await bookingOptions(context)).showPrices ? priceLabel(service.priceCents, service.currency) : null,
    },
    choices,
    resource,
    week: { start: week.start, label: week.label, previous: week.previous, next: week.next },
    days,
    unavailable,
    loadedAt,
  })
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, hub, service } = await bookableService(context, params.serviceId)
  const form = await request.formData()
  const zone = zoneOr(form.get('tz'), tenant.timeZone)
  const choice = parseSlotChoice(form.get('slot'))
  if (!choice) return json({ error: 'Choose one of the times shown.' }, { status: 400 })
  try {
    const hold = await hub.placeHold({ serviceId: service.id, start: choice.start, resourceIds: choice.resourceIds })
    return redirect(`/book/${service.id}/details?${new URLSearchParams({ hold: hold.id, tz: zone })}`)
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    // TenantHub cannot hold a seat in a group session that already has people in it (it checks the
    // studio as if the session were not there), so a group place goes on without a hold; the
    // details page checks it is still offered and the booking itself is decided by the hub.
    if (known.status === 409 && service.seats > 1) {
      return redirect(`/book/${service.id}/details?${new URLSearchParams({ slot: String(form.get('slot')), tz: zone })}`)
    }
    const message = known.status === 409 ? 'Sorry, that time was just taken. Here are the times that are still free.' : known.message
    return json({ error: message }, { status: known.status })
  }
}

export default function ChooseTime() {
  const data = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const [search] = useSearchParams()
  const keep: Record<string, string> = {}
  if (search.get('week')) keep.week = data.week.start
  if (data.resource) keep.resource = data.resource
  const [days, live] = useLiveSlots(data.days, data.service.id, data.service.durationMinutes, data.unavailable, data.loadedAt)
  const anyTimes = days.some((d) => d.slots.length > 0)
  return (
    <>
      <TenantBar name={data.tenantName} />
      <main className="wide booking-page">
        <BookingSteps current="Time" />
        <p className="back">
          <a href="/book">← All services</a>
        </p>
        <h1 data-testid="page-title">{data.service.name}</h1>
        <p className="lead">
          {data.service.duration}
          {data.service.price ? ` · ${data.service.price}` : null}
          {data.service.description ? ` · ${data.service.description}` : ''}
        </p>
        <div className="toolbar">
          <TimeZoneSelect zone={data.zone} businessZone={data.businessZone} explicit={data.explicitZone} keep={keep} />
          {data.choices.length ? <ResourceSelect choices={data.choices} resource={data.resource} zone={data.zone} week={keep.week} /> : null}
        </div>
        {actionData?.error ? (
          <Notice kind="error" testId="slot-error">
            {actionData.error}
          </Notice>
        ) : null}
        <div className="card">
          <WeekPager label={data.week.label} previous={data.week.previous} next={data.week.next} search={search} />
          <p className="small muted live-line">
            <LiveStatus state={live} />
          </p>
          {data.unavailable ? (
            <p className="muted">Online booking for this service is paused. Please contact {data.tenantName}.</p>
          ) : (
            <>
              {anyTimes ? null : (
                <p className="muted" data-testid="no-times">
                  No free times this week{data.week.next ? ' — try the next week.' : '.'}
                </p>
              )}
              <SlotWeek days={days} action={`/book/${data.service.id}`} hidden={{ tz: data.zone }} />
            </>
          )}
        </div>
      </main>
    </>
  )
}

/**
 * The week's free times, live: a time someone else holds or books disappears at once, and the
 * times are reloaded shortly after any change of availability (freed times, other resources).
 */
function useLiveSlots(initial: DayOfSlots[], serviceId: string, durationMinutes: number, unavailable: boolean, loadedAt: Record<string, number>) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set())
  useEffect(() => setHidden(new Set()), [initial])
  const revalidator = useRevalidator()
  const latest = useRef(revalidator)
  latest.current = revalidator
  const timer = useRef<ReturnType<typeof setTimeout>>()
  useEffect(() => () => clearTimeout(timer.current), [])
  const reload = () => {
    clearTimeout(timer.current)
    timer.current = setTimeout(() => latest.current.state === 'idle' && latest.current.revalidate(), 300)
  }
  const live = useLiveTopics(unavailable ? [] : [`service:${serviceId}`], {
    onMessage: (message) => {
      if (message.type !== 'availability.changed') return
      const gone = takenSlotValues(initial, message.taken, durationMinutes)
      if (gone.length) setHidden((current) => new Set([...current, ...gone]))
      reload()
    },
    onResync: reload,
  }, { loadedAt })
  const days = hidden.size ? initial.map((d) => ({ ...d, slots: d.slots.filter((s) => !hidden.has(s.value)) })) : initial
  return [days, live] as const
}

function ResourceSelect({ choices, resource, zone, week }: { choices: { id: string; name: string }[]; resource: string; zone: string; week?: string }) {
  const submit = useSubmit()
  const hydrated = useHydrated()
  return (
    <Form method="get" className="tz-form">
      <input type="hidden" name="tz" value={zone} />
      {week ? <input type="hidden" name="week" value={week} /> : null}
      <label>
        With
        <select name="resource" defaultValue={resource} key={resource} onChange={(e) => submit(e.currentTarget.form, { replace: true, preventScrollReset: true })} data-testid="resource-select">
          <option value="">Anyone available</option>
          {choices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
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
