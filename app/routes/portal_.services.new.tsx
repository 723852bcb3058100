// /portal/services/new: add a service with every field of the API's serviceInput. "Delivered by"
// is the service's first resource group (any one of them); a bundle also needs one resource from a
// second group (a practitioner AND a room).
import { getTenantSettings } from '../../worker/platform/tenant-settings'
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { audit } from '../../worker/platform/audit'
import { createService, listResources, serviceInput } from '../../worker/scheduling/catalog'
import { portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { centsOf, checked, fieldErrors, invalid, numberOf, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { Checkbox, Field, FieldError, KIND_LABELS, KIND_ORDER, PageHead, PortalPage, TextArea } from '../components/portal-layout'
import { assertSameOrigin, domainError } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `New service · ${data.tenantName}` : 'New service' }]

const FORBIDDEN = 'Your role may not change the business’s services.'
const NUMBER_FIELDS = [
  ['durationMinutes', 'Duration (minutes)'],
  ['slotIntervalMinutes', 'Start every (minutes)'],
  ['bufferBeforeMinutes', 'Buffer before (minutes)'],
  ['bufferAfterMinutes', 'Buffer after (minutes)'],
  ['minNoticeMinutes', 'Minimum notice (minutes)'],
  ['cancellationCutoffMinutes', 'Change cut-off (minutes)'],
  ['horizonDays', 'Bookable ahead (days)'],
  ['seats', 'Places per session'],
] as const
type NumberField = (typeof NUMBER_FIELDS)[number][0]

// The schema's own defaults, so the form starts where the API would.
const DEFAULTS = serviceInput.parse({ name: 'defaults', durationMinutes: 60, resourceGroups: [['00000000-0000-4000-8000-000000000000']] })

type Values = Record<NumberField | 'name' | 'description' | 'price' | 'deposit' | 'currency', string> & {
  requiresConfirmation: boolean
  isActive: boolean
  group0: string[]
  group1: string[]
}

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.catalog.manage', FORBIDDEN)
  const [nav, resources, settings] = await Promise.all([portalNavigation(context, request, actor), listResources(pool, tenant.schemaName), getTenantSettings(pool, tenant)])
  const initial: Values = {
    name: '',
    description: '',
    price: '',
    deposit: '',
    currency: DEFAULTS.currency,
    requiresConfirmation: DEFAULTS.requiresConfirmation,
    isActive: DEFAULTS.isActive,
    group0: [],
    group1: [],
    ...(Object.fromEntries(NUMBER_FIELDS.map(([name]) => [name, String(DEFAULTS[name])])) as Record<NumberField, string>),
    // the business's cancellation policy sets the starting cut-off
    cancellationCutoffMinutes: String(settings.cancellationPolicy.cutoffMinutes),
  }
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    initial,
    resources: resources
      .sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name))
      .map((r) => ({ id: r.id, name: r.name, kind: KIND_LABELS[r.kind], isActive: r.isActive })),
  })
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor, hub } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.catalog.manage', FORBIDDEN)
  const form = await request.formData()
  const values: Values = {
    name: textOf(form, 'name'),
    description: textOf(form, 'description'),
    price: textOf(form, 'price'),
    deposit: textOf(form, 'deposit'),
    currency: textOf(form, 'currency').trim().toUpperCase(),
    requiresConfirmation: checked(form, 'requiresConfirmation'),
    isActive: checked(form, 'isActive'),
    group0: form.getAll('group0').map(String),
    group1: form.getAll('group1').map(String),
    ...(Object.fromEntries(NUMBER_FIELDS.map(([name]) => [name, textOf(form, name)])) as Record<NumberField, string>),
  }
  const errors: FieldErrors = {}
  const price = centsOf(values.price)
  const deposit = centsOf(values.deposit)
  if (price === null) errors.priceCents = 'Enter an amount like 25.00.'
  if (deposit === null) errors.depositCents = 'Enter an amount like 10.00.'
  const parsed = parseForm(serviceInput, {
    name: values.name,
    description: values.description,
    priceCents: price ?? (price === null ? Number.NaN : undefined),
    depositCents: deposit ?? (deposit === null ? Number.NaN : undefined),
    currency: values.currency || undefined,
    requiresConfirmation: values.requiresConfirmation,
    isActive: values.isActive,
    // a bundle's second group only when something is ticked in it
    resourceGroups: values.group1.length ? [values.group0, values.group1] : [values.group0],
    ...Object.fromEntries(NUMBER_FIELDS.map(([name]) => [name, numberOf(values[name])])),
  })
  if (!parsed.success || Object.keys(errors).length) {
    if (!parsed.success) {
      fieldErrors(
        parsed.error,
        {
          'resourceGroups.0': 'Choose at least one resource that delivers this service.',
          depositCents: 'The deposit cannot be more than the price.',
          currency: 'Use a three-letter currency code such as USD.',
        },
        errors,
      )
      // an id inside a group ("resourceGroups.0.2") is reported on its group
      for (const key of Object.keys(errors)) {
        const group = /^resourceGroups\.(\d)\./.exec(key)
        if (group) errors[`resourceGroups.${group[1]}`] ??= errors[key]!
      }
    }
    return invalid(values, errors, 'Nothing was saved: please check the highlighted fields.')
  }
  try {
    const service = await createService(pool, tenant.schemaName, parsed.data)
    await hub.announce({ kind: 'availability', resourceIds: parsed.data.resourceGroups.flat(), reason: 'service added' })
    await audit(pool, { action: 'service.created', ...actor.audit, tenantId: tenant.id, targetType: 'service', targetId: service.id })
    return redirect('/portal/services?notice=created')
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    return invalid(values, { resourceGroups: known.message }, `Nothing was saved. ${known.message}`)
  }
}

export default function NewService() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const v = result?.values ?? data.initial
  const errors: FieldErrors = result?.errors ?? {}
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Services" nav={data.nav}>
      <p className="back">
        <Link to="/portal/services">← All services</Link>
      </p>
      <PageHead title="New service" lead="Customers book it online once it is active and its resources have hours." />
      <Form method="post" noValidate className="portal-form" data-testid="service-form">
        {result ? (
          <Notice kind="error" testId="service-error">
            {result.message}
          </Notice>
        ) : null}
        <div className="portal-split">
          <div>
            <section className="card">
              <h2>What it is</h2>
              <Field name="name" label="Name" defaultValue={v.name} error={errors.name} maxLength={120} />
              <TextArea name="description" label="Description (optional)" defaultValue={v.description} error={errors.description} maxLength={2000} />
              <div className="field-row three">
                <Field name="price" label="Price" inputMode="decimal" placeholder="0.00" defaultValue={v.price} error={errors.priceCents} />
                <Field name="deposit" label="Deposit" inputMode="decimal" placeholder="0.00" defaultValue={v.deposit} error={errors.depositCents} />
                <Field name="currency" label="Currency" defaultValue={v.currency} error={errors.currency} maxLength={3} />
              </div>
              <Checkbox name="requiresConfirmation" label="The team confirms each booking" defaultChecked={v.requiresConfirmation} />
              <Checkbox name="isActive" label="Active (customers can book it)" defaultChecked={v.isActive} />
            </section>
            <section className="card">
              <h2>Timing</h2>
              <div className="field-row">
                {NUMBER_FIELDS.map(([name, label]) => (
                  <Field key={name} name={name} label={label} inputMode="numeric" defaultValue={v[name]} error={errors[name]} />
                ))}
              </div>
            </section>
          </div>
          <div>
            <ResourceGroup
              name="group0"
              title="Delivered by"
              help="Any one of the ticked resources delivers it."
              resources={data.resources}
              chosen={v.group0}
              error={errors['resourceGroups.0'] ?? errors.resourceGroups}
            />
            <ResourceGroup
              name="group1"
              title="Also needs (bundles, optional)"
              help="Tick resources here when the service needs one of these as well, at the same time (say, a room)."
              resources={data.resources}
              chosen={v.group1}
              error={errors['resourceGroups.1']}
            />
            <button type="submit" className="wide-button" disabled={navigation.state === 'submitting'} data-testid="create-service">
              Add service
            </button>
          </div>
        </div>
      </Form>
    </PortalPage>
  )
}

function ResourceGroup(props: {
  name: string
  title: string
  help: string
  resources: { id: string; name: string; kind: string; isActive: boolean }[]
  chosen: string[]
  error?: string
}) {
  return (
    <fieldset className="card resource-group" data-testid={props.name} aria-invalid={props.error ? true : undefined}>
      <legend>{props.title}</legend>
      <p className="muted small">{props.help}</p>
      {props.resources.map((r) => (
        <label key={r.id} className="checkbox">
          <input type="checkbox" name={props.name} value={r.id} defaultChecked={props.chosen.includes(r.id)} />
          <span>
            {r.name} <span className="muted small">· {r.kind}</span>
            {r.isActive ? null : <span className="muted small"> · inactive</span>}
          </span>
        </label>
      ))}
      <FieldError id={props.name} message={props.error} />
    </fieldset>
  )
}
