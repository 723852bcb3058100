// /portal/resources: the business's staff, rooms and equipment, and (for those who manage the
// catalog) a form to add one. Staff see the list only, as the API lets them (GET /resources).
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { listUsers } from '../../worker/identity/users'
import { audit } from '../../worker/platform/audit'
import { listResources, resourceInput } from '../../worker/scheduling/catalog'
import { createResourceWithDefaultHours } from '../../worker/platform/tenant-settings'
import { may, portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { checked, fieldErrors, invalid, numberOf, parseForm, textOf } from '../components/portal-forms.server'
import { ActiveBadge, Checkbox, Field, KIND_LABELS, KIND_ORDER, PageHead, PortalPage, Select, useFormKey } from '../components/portal-layout'
import { assertSameOrigin, calendarReach, domainError } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Resources · ${data.tenantName}` : 'Resources' }]


export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  const own = await calendarReach(context, request, actor, 'read')
  const [nav, manage, seeUsers] = await Promise.all([
    portalNavigation(context, request, actor),
    may(context, request, actor, 'tenant.catalog.manage', true),
    may(context, request, actor, 'tenant.users.read'),
  ])
  const users = seeUsers ? await listUsers(pool, { tenant: tenant.id, limit: 200 }) : []
  const team = users.filter((u) => u.isActive && ['TENANT_OWNER', 'TENANT_MANAGER', 'TENANT_STAFF'].includes(u.role))
  const names = new Map(users.map((u) => [u.id, u.displayName || u.email]))
  const resources = (await listResources(pool, tenant.schemaName)).sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name))
  const linked = new Set(resources.map((r) => r.userId).filter(Boolean))
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    manage,
    resources: resources.map((r) => ({
      id: r.id,
      kind: r.kind,
      name: r.name,
      capacity: r.capacity,
      timeZone: r.timeZone,
      isActive: r.isActive,
      user: r.userId ? (r.userId === actor.principal.userId ? 'You' : (names.get(r.userId) ?? 'A team member')) : null,
      mine: own !== null && own.includes(r.id),
    })),
    // people who could be linked to a new staff resource (one resource each)
    team: team.filter((u) => !linked.has(u.id)).map((u) => ({ id: u.id, label: `${u.displayName || u.email} (${u.email})` })),
  })
}

type Values = { kind: string; name: string; userId: string; capacity: string; timeZone: string; isActive: boolean }

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor, hub } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.catalog.manage', 'Your role may not change the business’s resources.')
  const form = await request.formData()
  const values: Values = {
    kind: textOf(form, 'kind'),
    name: textOf(form, 'name'),
    userId: textOf(form, 'userId'),
    capacity: textOf(form, 'capacity'),
    timeZone: textOf(form, 'timeZone').trim(),
    isActive: checked(form, 'isActive'),
  }
  const parsed = parseForm(resourceInput, {
    kind: values.kind,
    name: values.name,
    userId: values.userId || null,
    capacity: numberOf(values.capacity),
    timeZone: values.timeZone,
    isActive: values.isActive,
  })
  if (!parsed.success) return invalid(values, fieldErrors(parsed.error, { timeZone: 'Use an IANA time zone such as America/New_York.' }))
  try {
    const resource = await createResourceWithDefaultHours(pool, tenant, parsed.data)
    await hub.announce({ kind: 'availability', resourceIds: [resource.id], reason: 'resource added' })
    await audit(pool, { action: 'resource.created', ...actor.audit, tenantId: tenant.id, targetType: 'resource', targetId: resource.id })
    return redirect(`/portal/resources/${resource.id}?notice=created`)
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    return invalid(values, { userId: known.message }, known.message)
  }
}

export default function Resources() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const busy = navigation.state === 'submitting'
  const values = result?.values
  const errors = result?.errors ?? {}
  const formKey = useFormKey(!!result)
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Resources" nav={data.nav}>
      <PageHead title="Resources" lead="Staff, rooms and equipment that deliver services. Open one to set its hours, other hours on a date, or time off." />
      <div className={data.manage ? 'portal-split' : undefined}>
        <section className="card" data-testid="resource-list">
          {data.resources.length === 0 ? (
            <p className="muted">No resources yet.</p>
          ) : (
            <table className="portal-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Linked user</th>
                  <th>Capacity</th>
                  <th>Time zone</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {data.resources.map((r) => (
                  <tr key={r.id} data-testid="resource-row" data-resource-id={r.id}>
                    <td>
                      <Link to={`/portal/resources/${r.id}`}>{r.name}</Link>
                      {r.mine ? <span className="tag">Your calendar</span> : null}
                    </td>
                    <td>{KIND_LABELS[r.kind]}</td>
                    <td>{r.user ?? <span className="muted">—</span>}</td>
                    <td className="num">{r.capacity}</td>
                    <td>{r.timeZone.replace(/_/g, ' ')}</td>
                    <td>
                      <ActiveBadge active={r.isActive} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        {data.manage ? (
          <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="resource-form">
            <h2>Add a resource</h2>
            {result ? <Notice kind="error">{result.message}</Notice> : null}
            <Select
              name="kind"
              label="Kind"
              defaultValue={values?.kind ?? 'staff'}
              error={errors.kind}
              options={Object.entries(KIND_LABELS).map(([value, label]) => ({ value, label }))}
            />
            <Field name="name" label="Name" defaultValue={values?.name} error={errors.name} maxLength={120} />
            <Select
              name="userId"
              label="Linked user (staff only)"
              defaultValue={values?.userId ?? ''}
              error={errors.userId}
              options={[{ value: '', label: 'Nobody' }, ...data.team.map((u) => ({ value: u.id, label: u.label }))]}
            />
            <div className="field-row">
              <Field name="capacity" label="Capacity" inputMode="numeric" defaultValue={values?.capacity ?? '1'} error={errors.capacity} />
              <Field name="timeZone" label="Time zone" defaultValue={values?.timeZone ?? data.zone} error={errors.timeZone} />
            </div>
            <Checkbox name="isActive" label="Active (takes bookings)" defaultChecked={values?.isActive ?? true} />
            <button type="submit" disabled={busy} data-testid="create-resource">
              Add resource
            </button>
          </Form>
        ) : null}
      </div>
    </PortalPage>
  )
}
