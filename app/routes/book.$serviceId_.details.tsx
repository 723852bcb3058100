// /book/:serviceId/details?hold=…: the customer's details for a held time, then the booking
// through the TenantHub. The idempotency key is made when the form is rendered, so sending the
// same form twice (a double click, a resent POST) books once and shows the same confirmation.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { useEffect, useState } from 'react'
import { bookingInput, candidateResources, slotsFor, type BookingResult } from '../../worker/scheduling/booking'
import { listResources, type Service } from '../../worker/scheduling/catalog'
import type { HubClient } from '../../worker/scheduling/hub-client'
import type { Pool } from '@neondatabase/serverless'
import { BookingSteps, Facts, TenantBar } from '../components/booking-layout'
import {
  appointmentLabels,
  assertSameOrigin,
  bookableService,
  domainError,
  durationLabel,
  parseSlotChoice,
  bookingOptions,
  priceLabel,
  slotChoice,
  timeLabel,
  viewerZone,
  zoneOr,
} from '../components/scheduling.server'
import { Notice, SlotButtons, type SlotChoice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Your details · ${data.tenantName}` : 'Your details' }]

const MINUTE = 60_000
const DAY = 24 * 3600_000
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/

type Field = 'name' | 'email' | 'phone' | 'notes'
const FIELD_MESSAGES: Record<Field, string> = {
  name: 'Please tell us your name.',
  email: 'Please enter a valid email address.',
  phone: 'Please enter a phone number like +1 555 123 4567, or leave it empty.',
  notes: 'Notes can be at most 2,000 characters.',
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { tenant, hub, pool, service } = await bookableService(context, params.serviceId)
  const url = new URL(request.url)
  const zone = viewerZone(url, tenant.timeZone)
  const options = await bookingOptions(context)
  const base = {
    tenantName: tenant.name,
    zone,
    policyText: options.policyText,
    service: {
      id: service.id,
      name: service.name,
      duration: durationLabel(service.durationMinutes),
      price: options.showPrices ? priceLabel(service.priceCents, service.currency) : null,
      requiresConfirmation: service.requiresConfirmation,
    },
  }
  const chosen = await chosenTime(url, service, { hub, pool, schema: tenant.schemaName, zone })
  if (!chosen) return json({ ...base, held: null })
  const end = chosen.start + service.durationMinutes * MINUTE
  const names = new Map((await listResources(pool, tenant.schemaName)).map((r) => [r.id, r.name]))
  return json({
    ...base,
    held: {
      id: chosen.holdId ?? '',
      start: new Date(chosen.start).toISOString(),
      resourceIds: chosen.resourceIds.join(','),
      with: chosen.resourceIds.map((id) => names.get(id) ?? '').filter(Boolean).join(' · '),
      when: appointmentLabels(new Date(chosen.start).toISOString(), new Date(end).toISOString(), zone),
      expiresAt: chosen.expiresAt === null ? null : new Date(chosen.expiresAt).toISOString(),
      expiresLabel: chosen.expiresAt === null ? null : timeLabel(chosen.expiresAt, zone),
      placesLeft: service.seats > 1 ? chosen.placesLeft : null,
      idempotencyKey: crypto.randomUUID(),
    },
  })
}

/**
 * The time the form is for: the customer's live hold (`?hold=`), or, for a place in a group
 * session that could not be held (`?slot=`), that session while it still has room.
 */
async function chosenTime(
  url: URL,
  service: Service,
  at: { hub: HubClient; pool: Pool; schema: string; zone: string },
): Promise<{ start: number; resourceIds: string[]; holdId: string | null; expiresAt: number | null; placesLeft: number | null } | null> {
  const holdId = url.searchParams.get('hold')
  if (holdId) {
    const hold = (await at.hub.listHolds()).find((h) => h.id === holdId && h.serviceId === service.id)
    // A hold covers the occupied range (buffers included); the appointment starts after the buffer before.
    return hold ? { start: hold.start + service.bufferBeforeMinutes * MINUTE, resourceIds: hold.resourceIds, holdId: hold.id, expiresAt: hold.expiresAt, placesLeft: null } : null
  }
  const seat = service.seats > 1 ? parseSlotChoice(url.searchParams.get('slot')) : null
  if (!seat) return null
  const offered = await slotsFor(at.pool, at.schema, service, { from: seat.start, to: seat.start + 1, now: Date.now(), viewerTimeZone: at.zone }, await at.hub.listHolds())
  const slot = offered.find((s) => s.start === seat.start && s.resourceIds.join(',') === seat.resourceIds.join(','))
  return slot ? { start: slot.start, resourceIds: slot.resourceIds, holdId: null, expiresAt: null, placesLeft: slot.seatsLeft } : null
}

/** The first language of Accept-Language that Intl knows, e.g. "de-DE" from "de-DE,de;q=0.9". */
function preferredLocale(request: Request): string | undefined {
  for (const part of (request.headers.get('accept-language') ?? '').split(',')) {
    const tag = part.split(';')[0]!.trim()
    if (!tag || tag === '*') continue
    try {
      const [canonical] = Intl.getCanonicalLocales(tag)
      if (canonical && canonical.length <= 35) return canonical
    } catch {
      // not a language tag: try the next
    }
  }
  return undefined
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, hub, pool, service } = await bookableService(context, params.serviceId)
  const form = await request.formData()
  const text = (name: string) => {
    const value = form.get(name)
    return typeof value === 'string' ? value : ''
  }
  const zone = zoneOr(form.get('tz'), tenant.timeZone)
  const values: Record<Field, string> = { name: text('name'), email: text('email'), phone: text('phone'), notes: text('notes') }
  const key = text('idempotencyKey')
  if (!IDEMPOTENCY_KEY.test(key)) return json({ kind: 'error' as const, values, message: 'This form is out of date; please choose your time again.' }, { status: 400 })

  const parsed = bookingInput.safeParse({
    serviceId: service.id,
    start: text('start'),
    resourceIds: text('resourceIds').split(',').filter(Boolean),
    // the customer's messages come in the zone they booked in and the language their browser asks for
    customer: { name: values.name, email: values.email, phone: values.phone.trim() || null, timeZone: zone, locale: preferredLocale(request) },
    notes: values.notes,
    holdId: text('holdId') || undefined,
  })
  if (!parsed.success) {
    const fieldErrors: Partial<Record<Field, string>> = {}
    let other = false
    for (const issue of parsed.error.issues) {
      const field = (issue.path[0] === 'customer' ? issue.path[1] : issue.path[0]) as Field
      if (field in FIELD_MESSAGES) fieldErrors[field] = FIELD_MESSAGES[field]
      else other = true
    }
    const message = other ? 'This form is out of date; please choose your time again.' : 'Please check the highlighted fields.'
    return json({ kind: 'invalid' as const, values, fieldErrors, message }, { status: 400 })
  }

  const auth = context.auth
  const response = await hub.book(parsed.data, {
    lockIds: candidateResources(service, parsed.data.resourceIds),
    idempotency: { scope: 'public', key },
    actorUserId: auth?.user.id ?? null,
    customerUserId: auth?.user.role === 'CUSTOMER' ? auth.user.id : null,
  })
  if (response.status === 201) {
    const result = response.body as BookingResult
    return redirect(`/book/done/${result.manageToken}?${new URLSearchParams({ tz: zone })}`)
  }
  const error = (response.body as { error?: { code?: string; message?: string } }).error
  if (response.status === 409 && error?.code === 'slot_unavailable') {
    // Someone else booked it (or holds it) meanwhile: offer the next free times from there on.
    const from = Date.parse(parsed.data.start)
    let next: SlotChoice[] = []
    try {
      const slots = await slotsFor(pool, tenant.schemaName, service, { from, to: from + 7 * DAY, now: Date.now(), viewerTimeZone: zone }, await hub.listHolds())
      next = slots.slice(0, 8).map((s) => slotChoice(s, zone))
    } catch (e) {
      if (!domainError(e) || domainError(e)!.status >= 500) throw e
    }
    return json({ kind: 'taken' as const, values, next, message: 'Sorry, that time was just taken.' }, { status: 409 })
  }
  return json({ kind: 'error' as const, values, message: error?.message ?? 'The booking could not be made.' }, { status: response.status })
}

export default function Details() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const submitting = navigation.state === 'submitting' && navigation.formAction?.includes('/details')
  const values = result?.values
  const fieldErrors = result?.kind === 'invalid' ? result.fieldErrors : {}
  const held = data.held

  return (
    <>
      <TenantBar name={data.tenantName} />
      <main className="booking-page">
        <BookingSteps current="Your details" />
        <p className="back">
          <Link to={`/book/${data.service.id}?tz=${encodeURIComponent(data.zone)}`}>← Other times</Link>
        </p>
        <h1 data-testid="page-title">Your details</h1>
        {result?.kind === 'taken' ? (
          <div className="card" data-testid="slot-taken">
            <Notice kind="error">
              <strong>{result.message}</strong> Please choose another time.
            </Notice>
            {result.next.length ? (
              <Form method="post" action={`/book/${data.service.id}`}>
                <input type="hidden" name="tz" value={data.zone} />
                <p className="muted">The next free times:</p>
                <SlotButtons slots={result.next} />
              </Form>
            ) : (
              <p className="muted">There are no free times in the following week.</p>
            )}
            <p>
              <Link to={`/book/${data.service.id}?tz=${encodeURIComponent(data.zone)}`}>See all times</Link>
            </p>
          </div>
        ) : !held ? (
          <div className="card" data-testid="hold-expired">
            <p>This time is no longer available, or we could not keep it for you any longer (holds last a few minutes).</p>
            <Link className="button" to={`/book/${data.service.id}?tz=${encodeURIComponent(data.zone)}`}>
              Choose a time again
            </Link>
          </div>
        ) : (
          <div className="split">
            <aside className="card summary" data-testid="booking-summary">
              <h2>{data.service.name}</h2>
              <Facts
                rows={[
                  ['Date', held.when.date],
                  ['Time', held.when.time],
                  ['Time zone', held.when.zone.replace(/_/g, ' ')],
                  ...(held.with ? ([['With', held.with]] as [string, string][]) : []),
                  ...(data.service.price ? ([['Price', data.service.price]] as [string, string][]) : []),
                ]}
              />
              {held.expiresAt ? (
                <p className="hold-note" data-testid="hold-expiry">
                  We are holding this time for you until <strong>{held.expiresLabel}</strong>
                  <HoldCountdown expiresAt={held.expiresAt} />.
                </p>
              ) : (
                <p className="hold-note" data-testid="places-left">
                  {held.placesLeft === 1 ? 'One place left' : `${held.placesLeft} places left`} — yours is kept when you book.
                </p>
              )}
              {data.service.requiresConfirmation ? <p className="muted small">The team confirms this service; we will let you know.</p> : null}
              {data.policyText ? (
                <p className="muted small policy" data-testid="cancellation-policy">
                  {data.policyText}
                </p>
              ) : null}
            </aside>
            <Form method="post" className="card details-form" data-testid="details-form">
              <input type="hidden" name="holdId" value={held.id} />
              <input type="hidden" name="start" value={held.start} />
              <input type="hidden" name="resourceIds" value={held.resourceIds} />
              <input type="hidden" name="idempotencyKey" value={held.idempotencyKey} />
              <input type="hidden" name="tz" value={data.zone} />
              {result && result.kind !== 'invalid' ? <Notice kind="error">{result.message}</Notice> : null}
              {result?.kind === 'invalid' ? (
                <Notice kind="error" testId="form-error">
                  {result.message}
                </Notice>
              ) : null}
              <TextField name="name" label="Name" autoComplete="name" required value={values?.name} error={fieldErrors.name} />
              <TextField name="email" label="Email" type="email" autoComplete="email" required value={values?.email} error={fieldErrors.email} />
              <TextField name="phone" label="Phone (optional)" type="tel" autoComplete="tel" value={values?.phone} error={fieldErrors.phone} />
              <label>
                Notes for {data.tenantName} (optional)
                <textarea name="notes" rows={3} maxLength={2000} defaultValue={values?.notes} aria-invalid={fieldErrors.notes ? true : undefined} />
                {fieldErrors.notes ? <span className="field-error">{fieldErrors.notes}</span> : null}
              </label>
              <button type="submit" disabled={submitting} data-testid="book-button">
                {submitting ? 'Booking…' : data.service.requiresConfirmation ? 'Request booking' : 'Book now'}
              </button>
            </Form>
          </div>
        )}
      </main>
    </>
  )
}

function TextField(props: { name: Field; label: string; type?: string; autoComplete?: string; required?: boolean; value?: string; error?: string }) {
  return (
    <label>
      {props.label}
      <input
        name={props.name}
        type={props.type ?? 'text'}
        autoComplete={props.autoComplete}
        required={props.required}
        defaultValue={props.value}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error ? `${props.name}-error` : undefined}
      />
      {props.error ? (
        <span className="field-error" id={`${props.name}-error`} data-testid={`${props.name}-error`}>
          {props.error}
        </span>
      ) : null}
    </label>
  )
}

/** " (4:59 left)" once the page is live; nothing in the server's HTML. */
function HoldCountdown({ expiresAt }: { expiresAt: string }) {
  const [left, setLeft] = useState<number | null>(null)
  useEffect(() => {
    const tick = () => setLeft(Math.max(0, Date.parse(expiresAt) - Date.now()))
    tick()
    const timer = setInterval(tick, 1000)
    return () => clearInterval(timer)
  }, [expiresAt])
  if (left === null) return null
  if (left === 0) return <> (the hold has ended; you can still try to book)</>
  const seconds = Math.floor(left / 1000)
  return (
    <>
      {' '}
      ({Math.floor(seconds / 60)}:{String(seconds % 60).padStart(2, '0')} left)
    </>
  )
}
