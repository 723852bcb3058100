// /portal/notifications: what the business's customers were sent (the outbox: confirmations,
// reminders, changes, with the calendar file) and its webhook endpoints with their recent
// deliveries, each of which can be sent again. Owners and managers.
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, useLoaderData } from '@remix-run/react'
import { DateTime } from 'luxon'
import { listNotifications } from '../../worker/communication/notifications'
import { listDeliveries, listWebhookEndpoints, replayDelivery } from '../../worker/communication/webhooks'
import { audit } from '../../worker/platform/audit'
import { portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { PageHead, PortalPage } from '../components/portal-layout'
import { assertSameOrigin } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `Messages · ${data.tenantName}` : 'Messages' }]

const FORBIDDEN = 'Messages and webhooks are for the owner and managers.'

export async function loader({ context, request }: LoaderFunctionArgs) {
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.notifications.read', FORBIDDEN)
  const dataKey = context.dataKey
  const [nav, notifications, endpoints] = await Promise.all([
    portalNavigation(context, request, actor),
    listNotifications(pool, tenant.schemaName, { limit: 100 }),
    listWebhookEndpoints(pool, tenant.schemaName, dataKey),
  ])
  const label = (iso: string) => DateTime.fromISO(iso, { zone: tenant.timeZone }).toFormat('LLL d, HH:mm')
  const hooks = await Promise.all(
    endpoints.map(async (e) => ({ ...e, deliveries: (await listDeliveries(pool, tenant.schemaName, e.id, { limit: 10 })).map((d) => ({ ...d, when: label(d.createdAt) })) })),
  )
  return json({
    tenantName: tenant.name,
    zone: tenant.timeZone,
    nav,
    notifications: notifications.map((n) => ({ ...n, when: label(n.createdAt) })),
    hooks,
    notice: new URL(request.url).searchParams.get('notice') === 'replayed' ? 'The delivery is on its way again.' : null,
  })
}

export async function action({ context, request }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor } = portalContext(context)
  await requireAction(context, request, actor, 'tenant.webhooks.manage', 'Replaying webhooks is for the owner and managers.')
  const form = await request.formData()
  const id = String(form.get('deliveryId') ?? '')
  if (!/^[0-9a-f-]{36}$/.test(id)) throw json({ code: 'invalid_input', message: 'No such delivery.' }, { status: 400 })
  await replayDelivery(pool, tenant, id)
  await audit(pool, { action: 'tenant.webhook_replayed', ...actor.audit, tenantId: tenant.id, targetType: 'webhook_delivery', targetId: id })
  return redirect('/portal/notifications?notice=replayed')
}

export default function Notifications() {
  const data = useLoaderData<typeof loader>()
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Messages" nav={data.nav}>
      <PageHead title="Messages" lead="What your customers were sent, and what your webhooks received. Without an email or SMS provider configured, this outbox is where messages go." />
      {data.notice ? <Notice kind="success">{data.notice}</Notice> : null}
      <section className="card" data-testid="outbox">
        <h2>Sent to customers</h2>
        {data.notifications.length === 0 ? (
          <p className="muted">Nothing yet. Confirmations, reminders and changes appear here.</p>
        ) : (
          <ul className="plain-list">
            {data.notifications.map((n) => (
              <li key={n.id} data-testid="outbox-message">
                <details>
                  <summary>
                    <span className="muted">{n.when}</span> · {n.channel === 'sms' ? 'SMS' : 'Email'} to {n.to} · <strong>{n.subject || n.body.slice(0, 60)}</strong>{' '}
                    <span className={n.status === 'failed' ? 'error-text' : 'muted'}>({n.status}{n.error ? `: ${n.error}` : ''})</span>
                  </summary>
                  <pre className="message-body">{n.body}</pre>
                  {n.hasIcs ? <a href={`/api/tenant/notifications/${n.id}/ics`}>Calendar file (.ics)</a> : null}
                </details>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="card" data-testid="webhooks">
        <h2>Webhooks</h2>
        {data.hooks.length === 0 ? (
          <p className="muted">No endpoints. Register one with POST /api/tenant/webhooks (see the webhook guide).</p>
        ) : (
          data.hooks.map((h) => (
            <div key={h.id} data-testid="webhook-endpoint">
              <h3>
                {h.url} <span className="muted">{h.active ? '' : '(switched off)'} · {h.events.join(', ')} · secret {h.secretHint}</span>
              </h3>
              <ul className="plain-list">
                {h.deliveries.map((d) => (
                  <li key={d.id} data-testid="webhook-delivery">
                    <span className="muted">{d.when}</span> {d.eventType} · <strong>{d.status}</strong> · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                    {d.responseCode ? ` · HTTP ${d.responseCode}` : ''}
                    {d.lastError ? ` · ${d.lastError}` : ''}
                    <Form method="post" style={{ display: 'inline', marginLeft: '0.5rem' }}>
                      <input type="hidden" name="deliveryId" value={d.id} />
                      <button type="submit" className="link-button">
                        Send again
                      </button>
                    </Form>
                  </li>
                ))}
              </ul>
            </div>
          ))
        )}
      </section>
    </PortalPage>
  )
}
