// /portal/closures: close the whole business for a while (a holiday, a move): no resource takes
// bookings then. For those who manage the catalog, as POST /closures. Times in the business's zone.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { DateTime } from 'luxon'
import { audit } from '../../worker/platform/audit'
import { loadCalendars } from '../../worker/scheduling/calendars'
import { addClosure, intervalInput } from '../../worker/scheduling/catalog'
import { portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { fieldErrors, instantOf, invalid, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { Field, PageHead, PortalPage, useFormKey } from '../components/portal-layout'
import { assertSameOrigin } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Closures · ${data.tenantName}` : 'Closures' }]

const LOCALE = 'en-US'
const DAY = 24 * 3600_000
const FORBIDDEN = 'Closing the business is for its owner and managers.'

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.catalog.manage', FORBIDDEN)
  const now = Date.now()
  const zone = tenant.timeZone
  // Closures are read only through the engine's loader (no resources asked for: closures alone).
  const [nav, { closures }] = await Promise.all([portalNavigation(context, request, actor), loadCalendars(pool, tenant.schemaName, [], now, now + 365 * DAY)])
  const label = (ms: number) => DateTime.fromMillis(ms, { zone }).setLocale(LOCALE).toFormat('ccc, LLL d, yyyy, h:mm a')
  return json({
    tenantName: tenant.name,
    zone,
    nav,
    closures: closures
      .filter((c) => c.end > now)
      .sort((a, b) => a.start - b.start)
      .map((c) => ({ key: `${c.start}-${c.end}`, from: label(c.start), until: label(c.end) })),
    notice: new URL(request.url).searchParams.get('notice') === 'added' ? 'The business is closed for that time.' : null,
  })
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor, hub } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.catalog.manage', FORBIDDEN)
  const form = await request.formData()
  const values = { startsAt: textOf(form, 'startsAt'), endsAt: textOf(form, 'endsAt'), reason: textOf(form, 'reason') }
  const start = instantOf(values.startsAt, tenant.timeZone)
  const end = instantOf(values.endsAt, tenant.timeZone)
  const errors: FieldErrors = {}
  if ('error' in start) errors.startsAt = start.error
  if ('error' in end) errors.endsAt = end.error
  if (Object.keys(errors).length) return invalid(values, errors)
  const parsed = parseForm(intervalInput, { startsAt: 'iso' in start ? start.iso : '', endsAt: 'iso' in end ? end.iso : '', reason: values.reason })
  if (!parsed.success) return invalid(values, fieldErrors(parsed.error, { endsAt: 'Must end after it starts.' }))
  const closure = await addClosure(pool, tenant.schemaName, parsed.data)
  await hub.announce({ kind: 'availability', resourceIds: 'all', reason: 'closure' })
  await audit(pool, { action: 'closure.created', ...actor.audit, tenantId: tenant.id, targetType: 'closure', targetId: closure.id, detail: { startsAt: closure.startsAt, endsAt: closure.endsAt } })
  return redirect('/portal/closures?notice=added')
}

export default function Closures() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const v = result?.values
  const errors: FieldErrors = result?.errors ?? {}
  const formKey = useFormKey(!!result)
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Closures" nav={data.nav}>
      <PageHead title="Closures" lead={`Times when the whole business is closed: nobody can be booked. Times in ${data.zone.replace(/_/g, ' ')}.`} />
      {data.notice && !result ? (
        <Notice kind="success" testId="closures-notice">
          {data.notice}
        </Notice>
      ) : null}
      <div className="portal-split">
        <section className="card" data-testid="closure-list">
          <h2>Coming up</h2>
          {data.closures.length === 0 ? (
            <p className="muted">No closures in the next twelve months.</p>
          ) : (
            <ul className="plain-list">
              {data.closures.map((c) => (
                <li key={c.key} data-testid="closure">
                  <strong>{c.from}</strong> <span className="muted">until</span> <strong>{c.until}</strong>
                </li>
              ))}
            </ul>
          )}
        </section>
        <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="closure-form">
          <h2>Close the business</h2>
          {result ? <Notice kind="error">{result.message}</Notice> : null}
          <div className="field-row">
            <Field name="startsAt" label="From" type="datetime-local" defaultValue={v?.startsAt} error={errors.startsAt} />
            <Field name="endsAt" label="Until" type="datetime-local" defaultValue={v?.endsAt} error={errors.endsAt} />
          </div>
          <Field name="reason" label="Reason (optional)" defaultValue={v?.reason} error={errors.reason} maxLength={300} />
          <button type="submit" disabled={navigation.state === 'submitting'} data-testid="save-closure">
            Close the business
          </button>
        </Form>
      </div>
    </PortalPage>
  )
}
