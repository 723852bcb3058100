// /portal/customers: the business's customers with a search (name or email), and for those who
// manage customers a form to add one or change one. Customers are keyed by email (upsertCustomer),
// so changing a customer keeps their email.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { audit } from '../../worker/platform/audit'
import { customerInput, listCustomers, upsertCustomer } from '../../worker/scheduling/catalog'
import { may, portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { customerByEmail } from '../components/portal-catalog.server'
import { fieldErrors, invalid, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { Field, PageHead, PortalPage, TextArea, useFormKey } from '../components/portal-layout'
import { assertSameOrigin } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Customers · ${data.tenantName}` : 'Customers' }]

const LIMIT = 100
const NOTICES: Record<string, string> = { added: 'The customer is added.', updated: 'The customer is updated.' }

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.customers.read', 'The customer list is for the business’s team.')
  const url = new URL(request.url)
  const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100)
  const [nav, manage, customers] = await Promise.all([
    portalNavigation(context, request, actor),
    may(context, request, actor, 'tenant.customers.manage', true),
    listCustomers(pool, tenant.schemaName, q || undefined, LIMIT),
  ])
  const editing = manage ? await customerByEmail(pool, tenant.schemaName, url.searchParams.get('edit') ?? '') : null
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    manage,
    q,
    customers,
    more: customers.length === LIMIT,
    editing,
    notice: NOTICES[url.searchParams.get('notice') ?? ''] ?? null,
  })
}

type Values = { mode: 'add' | 'update'; name: string; email: string; phone: string; notes: string }

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.customers.manage', 'Your role may not change customers.')
  const form = await request.formData()
  const values: Values = {
    mode: textOf(form, 'mode') === 'update' ? 'update' : 'add',
    name: textOf(form, 'name'),
    email: textOf(form, 'email'),
    phone: textOf(form, 'phone'),
    notes: textOf(form, 'notes'),
  }
  const parsed = parseForm(customerInput, {
    name: values.name,
    email: values.email,
    phone: values.phone.trim() || null,
    notes: values.mode === 'add' ? values.notes : undefined,
  })
  if (!parsed.success) return invalid(values, fieldErrors(parsed.error, { phone: 'Enter a phone number like +1 555 123 4567, or leave it empty.' }))
  const existing = await customerByEmail(pool, tenant.schemaName, parsed.data.email)
  const errors: FieldErrors = {}
  // Saving by email would quietly rename someone else: adding must not hit another customer (the
  // same name again is the same person, say a form sent twice).
  if (values.mode === 'add' && existing && existing.name !== parsed.data.name) errors.email = 'A customer with this email already exists: find them in the list and change them there.'
  if (values.mode === 'update' && !existing) errors.email = 'No customer has this email any more.'
  if (Object.keys(errors).length) return invalid(values, errors)
  const customer = await upsertCustomer(pool, tenant.schemaName, parsed.data)
  await audit(pool, {
    action: values.mode === 'add' ? 'customer.created' : 'customer.updated',
    ...actor.audit,
    tenantId: tenant.id,
    targetType: 'customer',
    targetId: customer.id,
  })
  return redirect(`/portal/customers?${new URLSearchParams({ q: customer.email, notice: values.mode === 'add' ? 'added' : 'updated' })}`)
}

export default function Customers() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const navigation = useNavigation()
  const editing = result ? (result.values.mode === 'update' ? result.values : null) : data.editing
  const v = result?.values ?? (data.editing ? { ...data.editing, phone: data.editing.phone ?? '' } : undefined)
  const errors: FieldErrors = result?.errors ?? {}
  const formKey = useFormKey(!!result)
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Customers" nav={data.nav}>
      <PageHead title="Customers" lead="Everyone who has booked, or whom the team has added." />
      {data.notice && !result ? (
        <Notice kind="success" testId="customers-notice">
          {data.notice}
        </Notice>
      ) : null}
      <div className={data.manage ? 'portal-split' : undefined}>
        <section className="card" data-testid="customer-list">
          <Form method="get" className="search-form" role="search">
            <label>
              <span className="visually-hidden">Search customers</span>
              <input type="search" name="q" defaultValue={data.q} key={data.q} placeholder="Search by name or email" data-testid="customer-search" />
            </label>
            <button type="submit" className="secondary">
              Search
            </button>
            {data.q ? <Link to="/portal/customers">Clear</Link> : null}
          </Form>
          {data.customers.length === 0 ? (
            <p className="muted">{data.q ? `No customer matches “${data.q}”.` : 'No customers yet.'}</p>
          ) : (
            <table className="portal-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Email</th>
                  <th>Phone</th>
                  {data.manage ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {data.customers.map((c) => (
                  <tr key={c.id} data-testid="customer-row" data-email={c.email}>
                    <td>
                      {c.name}
                      {c.notes ? <div className="muted small">{c.notes}</div> : null}
                    </td>
                    <td>{c.email}</td>
                    <td>{c.phone ?? <span className="muted">—</span>}</td>
                    {data.manage ? (
                      <td className="row-actions">
                        <Link to={`/portal/customers?${new URLSearchParams({ ...(data.q ? { q: data.q } : {}), edit: c.email })}`}>Change</Link>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {data.more ? <p className="muted small">Showing the first {data.customers.length}; search to narrow the list.</p> : null}
        </section>
        {data.manage ? (
          <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="customer-form">
            <input type="hidden" name="mode" value={editing ? 'update' : 'add'} />
            <h2>{editing ? 'Change customer' : 'Add a customer'}</h2>
            {result ? <Notice kind="error">{result.message}</Notice> : null}
            <Field name="name" label="Name" defaultValue={v?.name} error={errors.name} autoComplete="off" maxLength={120} />
            <Field
              name="email"
              label="Email"
              type="email"
              defaultValue={v?.email}
              error={errors.email}
              readOnly={!!editing}
              hint={editing ? 'A customer is known by their email, so it stays.' : undefined}
              maxLength={254}
            />
            <Field
              name="phone"
              label="Phone (optional)"
              type="tel"
              defaultValue={v?.phone}
              error={errors.phone}
              hint={editing ? 'Leave empty to keep the number on file.' : undefined}
            />
            {editing ? null : <TextArea name="notes" label="Notes (optional)" defaultValue={v?.notes} error={errors.notes} maxLength={2000} />}
            <div className="actions">
              <button type="submit" disabled={navigation.state === 'submitting'} data-testid="save-customer">
                {editing ? 'Save changes' : 'Add customer'}
              </button>
              {editing ? <Link to="/portal/customers">Cancel</Link> : null}
            </div>
          </Form>
        ) : null}
      </div>
    </PortalPage>
  )
}
