// /tenants on the platform host: find tenants (name, slug or host; by status), a page at a time,
// and create one — its schema, subdomain and first owner, invited by email. Sales create demo
// tenants only and see only those. The same domain functions and schemas as /api/platform/tenants.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { hostCache } from '../../worker/identity/tenancy'
import { audit } from '../../worker/platform/audit'
import { listPlans } from '../../worker/platform/plans'
import { createDemoTenant } from '../../worker/platform/demo-data'
import { createTenantInput, createTenantWithOwner, listTenants, listTenantsQuery } from '../../worker/platform/tenants'
import { platformActor } from '../components/platform.server'
import { PlatformPage } from '../components/platform-layout'
import { fieldErrors, parseForm, textOf, checked, type FieldErrors } from '../components/portal-forms.server'
import { Checkbox, Field, Select } from '../components/portal-layout'
import { assertSameOrigin, domainError } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction = () => [{ title: 'Tenants · SmoothSchedule Platform' }]

export async function loader({ context, request }: LoaderFunctionArgs) {
  const actor = platformActor(context, request, 'platform.tenants.read')
  const url = new URL(request.url)
  const parsed = listTenantsQuery.safeParse(Object.fromEntries(url.searchParams))
  const query = parsed.success ? parsed.data : listTenantsQuery.parse({})
  const pool = context.pool()
  const [page, plans] = await Promise.all([listTenants(pool, query, { onlyDemo: actor.onlyDemo }), listPlans(pool)])
  return json({
    page,
    query: { q: query.q ?? '', status: query.status ?? '' },
    plans: plans.map((p) => ({ value: p.id, label: `${p.name}${p.maxResources === null ? ' (no limits)' : ` (${p.maxResources} resources, ${p.maxStaff} team)`}` })),
    canCreate: actor.may('platform.tenants.create'),
    demoOnly: actor.onlyDemo,
    zones: Intl.supportedValuesOf('timeZone'),
    rootDomain: context.rootDomain,
  })
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const actor = platformActor(context, request, 'platform.tenants.create')
  const form = await request.formData()
  if (textOf(form, 'intent') === 'demo') {
    const pool = context.pool()
    const demo = await createDemoTenant(pool, context.rootDomain, { days: 14 })
    hostCache.clear()
    await audit(pool, { action: 'tenant.demo_created', ...actor.audit, tenantId: demo.tenant.id, targetType: 'tenant', targetId: demo.tenant.id, detail: { slug: demo.tenant.slug, expiresAt: demo.tenant.demoExpiresAt } })
    return redirect(`/tenants/${demo.tenant.id}?notice=demo`)
  }
  const values = {
    slug: textOf(form, 'slug'),
    name: textOf(form, 'name'),
    timeZone: textOf(form, 'timeZone').trim() || 'UTC',
    plan: textOf(form, 'plan') || 'free',
    ownerEmail: textOf(form, 'ownerEmail'),
    ownerName: textOf(form, 'ownerName'),
    isDemo: actor.onlyDemo || checked(form, 'isDemo'),
  }
  const parsed = parseForm(createTenantInput, { ...values, ownerEmail: values.ownerEmail.trim() || undefined })
  const fail = (errors: FieldErrors, message = 'Nothing was created: please check the highlighted fields.', status = 400) =>
    json({ values, errors, message }, { status })
  if (!parsed.success) return fail(fieldErrors(parsed.error, { timeZone: 'Choose a time zone from the list, such as Europe/London.' }))
  const pool = context.pool()
  try {
    const { tenant, owner } = await createTenantWithOwner(pool, context.rootDomain, actor.principal, parsed.data, new URL(request.url).origin)
    hostCache.clear()
    await audit(pool, { action: 'tenant.created', ...actor.audit, tenantId: tenant.id, targetType: 'tenant', targetId: tenant.id, detail: { slug: tenant.slug } })
    if (owner) await audit(pool, { action: 'tenant.user_invited', ...actor.audit, tenantId: tenant.id, targetType: 'user', targetId: owner.user.id, detail: { role: 'TENANT_OWNER' } })
    return redirect(`/tenants/${tenant.id}?notice=created`)
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    const field: FieldErrors = known.code === 'slug_taken' ? { slug: known.message } : known.code === 'email_taken' ? { ownerEmail: 'Someone already has an account with this email.' } : {}
    return fail(field, `Nothing was created: ${known.message}`, known.status)
  }
}

const STATUS_LABEL = (t: { status: string; deleteAfter: string | null }) => (t.deleteAfter ? 'Deletion scheduled' : t.status === 'active' ? 'Active' : 'Suspended')

export default function Tenants() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const errors: FieldErrors = result?.errors ?? {}
  const v = result?.values
  const { page } = data
  const pageLink = (offset: number) => `/tenants?${new URLSearchParams({ ...(data.query.q ? { q: data.query.q } : {}), ...(data.query.status ? { status: data.query.status } : {}), offset: String(offset), limit: String(page.limit) })}`
  return (
    <PlatformPage title="Tenants" lead={data.demoOnly ? 'Your demo businesses.' : 'Every business on the platform.'}>
      <div className="portal-split">
        <section className="card" data-testid="tenant-list">
          <Form method="get" className="toolbar search-form">
            <input type="search" name="q" defaultValue={data.query.q} placeholder="Name, slug or domain" aria-label="Search tenants" data-testid="tenant-search" />
            <select name="status" defaultValue={data.query.status} aria-label="Status">
              <option value="">Any status</option>
              <option value="active">Active</option>
              <option value="suspended">Suspended</option>
              <option value="deleting">Deletion scheduled</option>
            </select>
            <button type="submit">Search</button>
          </Form>
          <p className="muted small" data-testid="tenant-count">
            {page.total === 0 ? 'No tenants match.' : `${page.offset + 1}–${page.offset + page.tenants.length} of ${page.total}`}
          </p>
          <table className="team">
            <thead>
              <tr>
                <th>Business</th>
                <th>Host</th>
                <th>Plan</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {page.tenants.map((t) => (
                <tr key={t.id} data-testid="tenant-row" data-slug={t.slug}>
                  <td>
                    <Link to={`/tenants/${t.id}`}>{t.name}</Link>
                    {t.isDemo ? <span className="tag">Demo</span> : null}
                  </td>
                  <td className="muted small">{t.primaryHost}</td>
                  <td>{t.plan}</td>
                  <td>{STATUS_LABEL(t)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="pager">
            {page.offset > 0 ? <Link to={pageLink(Math.max(0, page.offset - page.limit))}>← Previous</Link> : <span />}
            {page.offset + page.tenants.length < page.total ? <Link to={pageLink(page.offset + page.limit)}>Next →</Link> : null}
          </div>
        </section>
        {data.canCreate ? (
          <div>
          <Form method="post" className="card" data-testid="demo-form">
            <h2>Demo for a prospect</h2>
            <p className="muted small">A business with staff, services and a month of appointments, and an owner you can act as. It is deleted after 14 days.</p>
            <button type="submit" name="intent" value="demo" disabled={navigation.state === 'submitting'} data-testid="create-demo">
              Create a demo business
            </button>
          </Form>
          <Form method="post" noValidate className="card portal-form" data-testid="tenant-form">
            <h2>New {data.demoOnly ? 'demo ' : ''}business</h2>
            {result ? <Notice kind="error">{result.message}</Notice> : null}
            <Field name="name" label="Business name" defaultValue={v?.name} error={errors.name} maxLength={120} testId="tenant-name" />
            <Field name="slug" label="Address" hint={`lower-case letters, digits and hyphens: <slug>.${data.rootDomain}`} defaultValue={v?.slug} error={errors.slug} testId="tenant-slug" />
            <Field name="timeZone" label="Time zone" list="tenant-zones" defaultValue={v?.timeZone ?? 'UTC'} error={errors.timeZone} />
            <datalist id="tenant-zones">
              {data.zones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            <Select name="plan" label="Plan" options={data.plans} defaultValue={v?.plan ?? 'free'} error={errors.plan} />
            <Field name="ownerEmail" label="Owner's email (invited to choose a password)" type="email" defaultValue={v?.ownerEmail} error={errors.ownerEmail} testId="tenant-owner-email" />
            <Field name="ownerName" label="Owner's name (optional)" defaultValue={v?.ownerName} error={errors.ownerName} />
            {data.demoOnly ? null : <Checkbox name="isDemo" label="Demo business" defaultChecked={v?.isDemo} />}
            <button type="submit" disabled={navigation.state === 'submitting'} data-testid="create-tenant">
              Create business
            </button>
          </Form>
          </div>
        ) : null}
      </div>
    </PlatformPage>
  )
}
