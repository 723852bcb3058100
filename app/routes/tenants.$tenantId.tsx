// /tenants/:id on the platform host: one business — usage, status (suspend, reactivate, delete
// after a grace period with its slug typed again) and its domains (add a custom domain, see how
// to prove ownership, verify, make primary, remove). Support and sales read; managers change.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { hostCache } from '../../worker/identity/tenancy'
import { audit } from '../../worker/platform/audit'
import { addDomain, makePrimaryDomain, removeDomain, verifyDomain } from '../../worker/platform/domains'
import { getTenant, reactivateTenant, requestTenantDeletion, suspendTenant } from '../../worker/platform/tenants'
import { platformActor } from '../components/platform.server'
import { PlatformPage } from '../components/platform-layout'
import { textOf } from '../components/portal-forms.server'
import { Field } from '../components/portal-layout'
import { assertSameOrigin, domainError } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.tenant.name} · SmoothSchedule Platform` : 'Tenant' }]

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const NOTICES: Record<string, string> = {
  created: 'Business created. The owner has an invitation in their email.',
  demo: 'Demo business created with sample data. Act as its owner from the platform home.',
  suspended: 'Suspended: its pages show a notice and its API refuses requests. Its data is kept.',
  reactivated: 'Active again.',
  deleting: 'Deletion scheduled. Reactivate before the date to keep it.',
  'domain-added': 'Domain added. Publish the TXT record below, then verify.',
  'domain-verified': 'Verified: the domain now opens this business.',
  'domain-primary': 'Primary domain changed.',
  'domain-removed': 'Domain removed: it no longer opens this business.',
}

async function load(context: LoaderFunctionArgs['context'], request: Request, id: string | undefined, action: Parameters<typeof platformActor>[2]) {
  const actor = platformActor(context, request, action)
  if (!id || !UUID.test(id)) throw json({ code: 'not_found', message: 'No tenant has that id.' }, { status: 404 })
  try {
    return { actor, tenant: await getTenant(context.pool(), id, { onlyDemo: actor.onlyDemo }) }
  } catch (error) {
    const known = domainError(error)
    if (known?.status === 404) throw json({ code: 'not_found', message: known.message }, { status: 404 })
    throw error
  }
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { actor, tenant } = await load(context, request, params.tenantId, 'platform.tenants.read')
  const notice = new URL(request.url).searchParams.get('notice')
  return json({ tenant, canManage: actor.may('platform.tenants.manage'), notice: notice && notice in NOTICES ? NOTICES[notice] : null })
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { actor, tenant } = await load(context, request, params.tenantId, 'platform.tenants.manage')
  const pool = context.pool()
  const form = await request.formData()
  const intent = textOf(form, 'intent')
  const done = (notice: string) => redirect(`/tenants/${tenant.id}?notice=${notice}`)
  const record = (action: string, detail: Record<string, unknown> = {}, target: { type: string; id: string } = { type: 'tenant', id: tenant.id }) =>
    audit(pool, { action, ...actor.audit, tenantId: tenant.id, targetType: target.type, targetId: target.id, detail })
  try {
    switch (intent) {
      case 'suspend':
        await suspendTenant(pool, tenant.id, { reason: textOf(form, 'reason') })
        hostCache.forgetTenant(tenant.id)
        await record('tenant.suspended', { reason: textOf(form, 'reason') })
        return done('suspended')
      case 'reactivate':
        await reactivateTenant(pool, tenant.id)
        hostCache.forgetTenant(tenant.id)
        await record('tenant.reactivated')
        return done('reactivated')
      case 'delete':
        await requestTenantDeletion(pool, tenant.id, { confirm: textOf(form, 'confirm'), graceDays: 14 })
        hostCache.forgetTenant(tenant.id)
        await record('tenant.deletion_scheduled')
        return done('deleting')
      case 'add-domain': {
        const domain = await addDomain(pool, context.rootDomain, tenant.id, { host: textOf(form, 'host') })
        await record('domain.added', { host: domain.host }, { type: 'domain', id: domain.id })
        return done('domain-added')
      }
      case 'verify':
      case 'verify-http': {
        const domain = await verifyDomain(pool, context.domainAdapters.verifier, context.domainAdapters.hostnames, tenant.id, textOf(form, 'domainId'), intent === 'verify-http' ? 'http' : 'dns')
        await record('domain.verified', { host: domain.host }, { type: 'domain', id: domain.id })
        return done('domain-verified')
      }
      case 'primary':
        await makePrimaryDomain(pool, tenant.id, textOf(form, 'domainId'))
        await record('domain.made_primary', {}, { type: 'domain', id: textOf(form, 'domainId') })
        return done('domain-primary')
      case 'remove-domain':
        await removeDomain(pool, context.domainAdapters.hostnames, tenant.id, textOf(form, 'domainId'))
        await record('domain.removed', {}, { type: 'domain', id: textOf(form, 'domainId') })
        return done('domain-removed')
      default:
        return json({ intent, message: 'Choose what to do.' }, { status: 400 })
    }
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    const detail = known.details as { path: string; message: string }[] | undefined
    const message = Array.isArray(detail) && detail[0] ? `${known.message} ${detail.map((d) => d.message).join('; ')}` : known.message
    return json({ intent, message }, { status: known.status })
  }
}

export default function TenantPage() {
  const { tenant, canManage, notice } = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const busy = useNavigation().state === 'submitting'
  const errorFor = (intent: string) =>
    result?.intent === intent ? (
      <Notice kind="error" testId={`error-${intent}`}>
        {result.message}
      </Notice>
    ) : null
  const expires = tenant.demoExpiresAt ? ` · demo until ${new Date(tenant.demoExpiresAt).toUTCString()}` : ''
  const status = tenant.deleteAfter ? `Deletion scheduled for ${new Date(tenant.deleteAfter).toUTCString()}` : tenant.status === 'active' ? 'Active' : `Suspended: ${tenant.suspendedReason ?? ''}`
  return (
    <PlatformPage title={tenant.name} lead={<>{tenant.primaryHost} · {tenant.plan} plan{tenant.isDemo ? ' · demo' : ''}{expires}</>}>
      {notice && !result ? (
        <Notice kind="success" testId="tenant-notice">
          {notice}
        </Notice>
      ) : null}
      <p>
        <Link to="/tenants">← All tenants</Link>
      </p>
      <div className="settings-grid">
        <section className="card" data-testid="tenant-usage">
          <h2>Usage</h2>
          <dl className="facts">
            <div><dt>Team</dt><dd>{tenant.usage.staff}</dd></div>
            <div><dt>Customers with accounts</dt><dd>{tenant.usage.customers}</dd></div>
            <div><dt>Resources</dt><dd>{tenant.usage.resources}</dd></div>
            <div><dt>Services</dt><dd>{tenant.usage.services}</dd></div>
            <div><dt>Appointments this month</dt><dd data-testid="usage-events">{tenant.usage.eventsThisMonth}</dd></div>
          </dl>
        </section>

        <section className="card portal-form" data-testid="tenant-status">
          <h2>Status</h2>
          <p data-testid="tenant-status-text">{status}</p>
          {canManage ? (
            tenant.status === 'active' ? (
              <>
                <Form method="post">
                  {errorFor('suspend')}
                  <Field name="reason" label="Reason for suspending" maxLength={500} />
                  <button type="submit" name="intent" value="suspend" disabled={busy} data-testid="suspend">
                    Suspend
                  </button>
                </Form>
                <hr />
                <Form method="post">
                  {errorFor('delete')}
                  <Field name="confirm" label={`Type ${tenant.slug} to delete this business after 14 days`} testId="delete-confirm" />
                  <button type="submit" name="intent" value="delete" className="danger" disabled={busy} data-testid="delete">
                    Delete after 14 days
                  </button>
                </Form>
              </>
            ) : (
              <Form method="post">
                <button type="submit" name="intent" value="reactivate" disabled={busy} data-testid="reactivate">
                  {tenant.deleteAfter ? 'Cancel deletion and reactivate' : 'Reactivate'}
                </button>
              </Form>
            )
          ) : null}
        </section>

        <section className="card portal-form" data-testid="tenant-domains">
          <h2>Domains</h2>
          {errorFor('verify')}
          {errorFor('verify-http')}
          {errorFor('primary')}
          {errorFor('remove-domain')}
          <ul className="plain-list">
            {tenant.domains.map((d) => (
              <li key={d.id} data-testid="domain" data-host={d.host}>
                <strong>{d.host}</strong> {d.isPrimary ? <span className="tag">Primary</span> : null}{' '}
                {d.verifiedAt ? <span className="badge confirmed">Verified</span> : <span className="badge pending" data-testid="domain-unverified">Not verified</span>}
                {d.verificationToken ? (
                  <div className="muted small">
                    Add a TXT record <code>_smoothschedule-verify.{d.host}</code> with the value <code data-testid="txt-value">smoothschedule-verify={d.verificationToken}</code>, or serve{' '}
                    <code>{d.verificationToken}</code> at <code>http://{d.host}/.well-known/smoothschedule-verify</code>.
                    {d.lastCheckError ? <div className="error">Last check: {d.lastCheckError}</div> : null}
                  </div>
                ) : null}
                {canManage ? (
                  <Form method="post" className="inline-actions">
                    <input type="hidden" name="domainId" value={d.id} />
                    {!d.verifiedAt ? (
                      <>
                        <button type="submit" name="intent" value="verify" className="small" disabled={busy} data-testid="verify-domain">
                          Verify (DNS)
                        </button>
                        <button type="submit" name="intent" value="verify-http" className="link" disabled={busy}>
                          Verify by HTTP
                        </button>
                      </>
                    ) : null}
                    {d.verifiedAt && !d.isPrimary ? (
                      <button type="submit" name="intent" value="primary" className="small" disabled={busy} data-testid="make-primary">
                        Make primary
                      </button>
                    ) : null}
                    {d.isCustom ? (
                      <button type="submit" name="intent" value="remove-domain" className="link" disabled={busy} data-testid="remove-domain">
                        Remove
                      </button>
                    ) : null}
                  </Form>
                ) : null}
              </li>
            ))}
          </ul>
          {canManage ? (
            <Form method="post" noValidate>
              {errorFor('add-domain')}
              <Field name="host" label="Add a custom domain" placeholder="booking.example.com" testId="domain-host" />
              <button type="submit" name="intent" value="add-domain" disabled={busy} data-testid="add-domain">
                Add domain
              </button>
            </Form>
          ) : null}
        </section>
      </div>
    </PlatformPage>
  )
}
