// /portal/appointments/new?service=&date=: the team books for a customer (on the phone, at the
// desk). Choose a service and a day (a GET form), then a free time and the customer, and book
// through the TenantHub exactly as POST /api/tenant/events does: locks on the service's resources,
// idempotent per user with a key made when the form is rendered, staff on their own calendar only.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { DateTime } from 'luxon'
import { audit } from '../../worker/platform/audit'
import { bookingInput, candidateResources, slotsFor, type BookingResult } from '../../worker/scheduling/booking'
import { getService, listCustomers, listResources, listServices, type Service } from '../../worker/scheduling/catalog'
import { may, portalContext, portalNavigation } from '../components/portal-access.server'
import { customerByEmail } from '../components/portal-catalog.server'
import { fieldErrors, invalid, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { Field, FieldError, PageHead, PortalPage, TextArea, useFormKey } from '../components/portal-layout'
import { assertSameOrigin, calendarReach, domainError, durationLabel, parseSlotChoice, priceLabel, slotChoice } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `New appointment · ${data.tenantName}` : 'New appointment' }]

const LOCALE = 'en-US'
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,100}$/
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Staff book on their own calendar: a service is theirs to book when one of its resources is. */
function bookableBy(reach: string[] | null, service: Service): boolean {
  return reach === null || candidateResources(service).some((id) => reach.includes(id))
}

function localDate(value: string | null, zone: string): DateTime {
  const parsed = value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone }) : null
  return parsed?.isValid ? parsed.startOf('day') : DateTime.now().setZone(zone).startOf('day')
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, hub, pool, actor } = portalContext(context)
  const reach = await calendarReach(context, request, actor, 'manage')
  const zone = tenant.timeZone
  const url = new URL(request.url)
  const [nav, services, resources, seeCustomers] = await Promise.all([
    portalNavigation(context, request, actor),
    listServices(pool, tenant.schemaName, { activeOnly: true }),
    listResources(pool, tenant.schemaName),
    may(context, request, actor, 'tenant.customers.read'),
  ])
  const bookable = services.filter((s) => bookableBy(reach, s))
  const askedService = url.searchParams.get('service') ?? ''
  const service = bookable.find((s) => s.id === askedService) ?? null
  const day = localDate(url.searchParams.get('date'), zone)
  const today = DateTime.now().setZone(zone).startOf('day')
  const names = new Map(resources.map((r) => [r.id, r.name]))

  let slots: { value: string; label: string; with: string }[] = []
  let unavailable: string | null = null
  if (service) {
    // Staff: only times on their own resource, as the API insists.
    const own = reach === null ? undefined : candidateResources(service).find((id) => reach.includes(id))
    try {
      const found = await slotsFor(
        pool,
        tenant.schemaName,
        service,
        { from: day.toMillis(), to: day.plus({ days: 1 }).toMillis(), now: Date.now(), viewerTimeZone: zone, onlyResourceId: own },
        await hub.listHolds(),
      )
      // who delivers it, when there is a choice of resources
      const choice = service.resourceGroups.some((group) => group.length > 1)
      slots = found.map((s) => ({ ...slotChoice(s, zone), with: choice ? s.resourceIds.map((id) => names.get(id) ?? '').filter(Boolean).join(' + ') : '' }))
    } catch (error) {
      const known = domainError(error)
      if (!known || known.status >= 500) throw error
      unavailable = known.message
    }
  }
  const customers = seeCustomers ? await listCustomers(pool, tenant.schemaName, undefined, 500) : []
  return json({
    tenantName: tenant.name,
    zone,
    nav,
    ownOnly: reach !== null,
    services: bookable.map((s) => ({ id: s.id, name: s.name, detail: `${durationLabel(s.durationMinutes)} · ${priceLabel(s.priceCents, s.currency)}` })),
    service: service ? { id: service.id, name: service.name, requiresConfirmation: service.requiresConfirmation } : null,
    date: day.toISODate()!,
    dateLabel: day.setLocale(LOCALE).toFormat('cccc, LLLL d, yyyy'),
    previous: day.minus({ days: 1 }).toISODate()!,
    next: day.plus({ days: 1 }).toISODate()!,
    today: today.toISODate()!,
    slots,
    unavailable,
    customers: customers.map((c) => ({ email: c.email, name: c.name })),
    idempotencyKey: crypto.randomUUID(),
  })
}

type Values = {
  slot: string
  customerMode: 'existing' | 'new'
  existingEmail: string
  name: string
  email: string
  phone: string
  notes: string
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, hub, pool, actor } = portalContext(context)
  const reach = await calendarReach(context, request, actor, 'manage')
  const form = await request.formData()
  const values: Values = {
    slot: textOf(form, 'slot'),
    customerMode: textOf(form, 'customerMode') === 'new' ? 'new' : 'existing',
    existingEmail: textOf(form, 'existingEmail'),
    name: textOf(form, 'name'),
    email: textOf(form, 'email'),
    phone: textOf(form, 'phone'),
    notes: textOf(form, 'notes'),
  }
  const key = textOf(form, 'idempotencyKey')
  const serviceId = textOf(form, 'serviceId')
  if (!IDEMPOTENCY_KEY.test(key)) return invalid(values, {}, 'This form is out of date; please open it again.')
  const service = uuid.test(serviceId) ? await getService(pool, tenant.schemaName, serviceId) : null
  if (!service || !service.isActive || !bookableBy(reach, service)) return invalid(values, {}, 'Choose a service first.')

  const errors: FieldErrors = {}
  const choice = parseSlotChoice(values.slot)
  if (!choice) errors.slot = 'Choose one of the free times.'
  else if (reach && !choice.resourceIds.some((id) => reach.includes(id))) errors.slot = 'You book on your own calendar only.'

  let customer: { name: string; email: string; phone: string | null } = { name: values.name, email: values.email, phone: values.phone.trim() || null }
  if (values.customerMode === 'existing') {
    const found = await customerByEmail(pool, tenant.schemaName, values.existingEmail)
    if (found) customer = { name: found.name, email: found.email, phone: null } // null keeps the phone on file
    else errors.existingEmail = values.existingEmail.trim() ? 'No customer has this email: add them as a new customer.' : 'Enter the customer’s email.'
  } else {
    // Booking upserts by email: a "new" customer with someone's email would rename them. The same
    // name is the same person (and a resent form, which must replay its booking, not fail).
    const known = await customerByEmail(pool, tenant.schemaName, values.email)
    if (known && known.name !== values.name.trim()) errors['customer.email'] = 'A customer with this email already exists: choose “Existing customer”.'
  }

  const parsed = parseForm(bookingInput, {
    serviceId: service.id,
    start: choice ? new Date(choice.start).toISOString() : '',
    resourceIds: choice?.resourceIds,
    customer,
    notes: values.notes,
  })
  if (!parsed.success) {
    const found = fieldErrors(parsed.error, { 'customer.phone': 'Enter a phone number like +1 555 123 4567, or leave it empty.' })
    for (const [field, message] of Object.entries(found)) {
      const target = field === 'start' || field.startsWith('resourceIds') ? 'slot' : field.startsWith('customer.') && values.customerMode === 'existing' ? 'existingEmail' : field
      errors[target] ??= message
    }
  }
  if (Object.keys(errors).length || !parsed.success) return invalid(values, errors, 'Nothing was booked: please check the highlighted fields.')

  const response = await hub.book(parsed.data, {
    lockIds: candidateResources(service, parsed.data.resourceIds),
    idempotency: { scope: `user:${actor.audit.effectiveUserId}`, key },
    actorUserId: actor.audit.effectiveUserId,
    customerUserId: null,
  })
  if (response.status === 201) {
    const { event } = response.body as BookingResult
    await audit(pool, { action: 'event.created', ...actor.audit, tenantId: tenant.id, targetType: 'event', targetId: event.id })
    const date = DateTime.fromISO(event.start, { zone: tenant.timeZone }).toISODate()!
    return redirect(`/portal?${new URLSearchParams({ view: 'week', date, notice: 'booked' })}`)
  }
  const error = (response.body as { error?: { code?: string; message?: string } }).error
  if (response.status === 409 && error?.code === 'slot_unavailable') {
    return json(
      { ok: false as const, values: { ...values, slot: '' }, errors: { slot: 'That time was just taken. Choose another.' } as FieldErrors, message: 'Nothing was booked: that time is no longer free.', idempotencyKey: crypto.randomUUID() },
      { status: 409 },
    )
  }
  // The hub stored this answer under the key: the next attempt is another request, with a key of its own.
  return json({ ok: false as const, values, errors: {} as FieldErrors, message: error?.message ?? 'The appointment could not be booked.', idempotencyKey: crypto.randomUUID() }, { status: response.status })
}

export default function NewAppointment() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const errors: FieldErrors = result?.errors ?? {}
  const v = result?.values
  const formKey = useFormKey(!!result)
  // a new key once the hub has answered this one (see the action)
  const idempotencyKey = (result as { idempotencyKey?: string } | undefined)?.idempotencyKey ?? data.idempotencyKey
  const mode = v?.customerMode ?? (data.customers.length ? 'existing' : 'new')
  const dayLink = (date: string) => `/portal/appointments/new?${new URLSearchParams({ ...(data.service ? { service: data.service.id } : {}), date })}`
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="New appointment" nav={data.nav}>
      <PageHead
        title="New appointment"
        lead={`${data.ownOnly ? 'On your own calendar. ' : ''}Times in ${data.zone.replace(/_/g, ' ')}.`}
      />
      <Form method="get" className="card toolbar-form" data-testid="appointment-query">
        <label>
          Service
          <select name="service" defaultValue={data.service?.id ?? ''} key={data.service?.id ?? ''} data-testid="service-select">
            <option value="">Choose a service…</option>
            {data.services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} · {s.detail}
              </option>
            ))}
          </select>
        </label>
        <label>
          Day
          <input type="date" name="date" defaultValue={data.date} key={data.date} data-testid="date-input" />
        </label>
        <button type="submit" className="secondary" data-testid="show-times">
          Show free times
        </button>
      </Form>
      {data.services.length === 0 ? <Notice kind="info">There is no active service you can book.</Notice> : null}
      {data.service ? (
        <Form
          method="post"
          noValidate
          action={`/portal/appointments/new?${new URLSearchParams({ service: data.service.id, date: data.date })}`}
          className="portal-form"
          key={formKey}
          data-testid="appointment-form"
        >
          <input type="hidden" name="serviceId" value={data.service.id} />
          <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
          {result ? (
            <Notice kind="error" testId="appointment-error">
              {result.message}
            </Notice>
          ) : null}
          <section className="card">
            <div className="section-head">
              <h2>
                {data.service.name} · {data.dateLabel}
              </h2>
              <nav className="pager" aria-label="Days">
                <Link to={dayLink(data.previous)}>← Previous day</Link>
                <Link to={dayLink(data.today)}>Today</Link>
                <Link to={dayLink(data.next)} data-testid="next-day">
                  Next day →
                </Link>
              </nav>
            </div>
            {data.unavailable ? (
              <p className="muted">{data.unavailable}</p>
            ) : data.slots.length === 0 ? (
              <p className="muted" data-testid="no-times">
                No free times on this day.
              </p>
            ) : (
              <div className="slot-choices" role="radiogroup" aria-label="Free times" data-testid="slot-choices">
                {data.slots.map((s) => (
                  <label key={s.value} className="slot-choice" data-testid="slot-choice">
                    <input type="radio" name="slot" value={s.value} defaultChecked={v?.slot === s.value} />
                    <span>
                      <strong>{s.label}</strong>
                      {s.with ? <small>{s.with}</small> : null}
                    </span>
                  </label>
                ))}
              </div>
            )}
            <FieldError id="slot" message={errors.slot} />
          </section>
          <section className="card">
            <h2>Customer</h2>
            <div className="customer-choice">
              <div className="choice">
                <label className="checkbox">
                  <input type="radio" name="customerMode" value="existing" defaultChecked={mode === 'existing'} data-testid="existing-customer" />
                  <span>Existing customer</span>
                </label>
                <Field
                  name="existingEmail"
                  label="Email"
                  type="email"
                  list="customer-emails"
                  defaultValue={v?.existingEmail}
                  error={errors.existingEmail}
                  testId="existing-email"
                />
                <datalist id="customer-emails">
                  {data.customers.map((c) => (
                    <option key={c.email} value={c.email}>
                      {c.name}
                    </option>
                  ))}
                </datalist>
              </div>
              <div className="choice">
                <label className="checkbox">
                  <input type="radio" name="customerMode" value="new" defaultChecked={mode === 'new'} data-testid="new-customer" />
                  <span>New customer</span>
                </label>
                <Field name="name" label="Name" defaultValue={v?.name} error={errors['customer.name']} maxLength={120} />
                <Field name="email" label="Email" type="email" defaultValue={v?.email} error={errors['customer.email']} maxLength={254} />
                <Field name="phone" label="Phone (optional)" type="tel" defaultValue={v?.phone} error={errors['customer.phone']} />
              </div>
            </div>
            <TextArea name="notes" label="Notes for the appointment (optional)" defaultValue={v?.notes} error={errors.notes} rows={2} maxLength={2000} />
            <button type="submit" disabled={navigation.state === 'submitting'} data-testid="book-appointment">
              {data.service.requiresConfirmation ? 'Book (awaits confirmation)' : 'Book appointment'}
            </button>
          </section>
        </Form>
      ) : null}
    </PortalPage>
  )
}
