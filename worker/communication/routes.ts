// /api/tenant/notifications, /api/tenant/notification-templates, /api/tenant/webhooks: the
// business's outbox of customer messages, its wording, and its webhook endpoints and deliveries.
import { Hono, type Context } from 'hono'
import { z } from 'zod'
import type { AppEnv } from '../context'
import { AppError } from '../errors'
import { auditActor, can } from '../identity/access'
import { NOTIFICATION_KINDS } from '../jobs/messages'
import { doc } from '../openapi'
import { audit } from '../platform/audit'
import { getTenantSettings } from '../platform/tenant-settings'
import { readJson, readParam, readQuery } from '../validation'
import { listNotifications, notificationIcs, outboxQuery } from './notifications'
import { CHANNELS, DEFAULT_TEMPLATES, listTemplates, PLACEHOLDERS, renderTemplate, resetTemplate, sampleValues, saveTemplate, templateInput } from './templates'
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliveriesQuery,
  getWebhookEndpoint,
  listDeliveries,
  listWebhookEndpoints,
  replayDelivery,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookInput,
  webhookUpdate,
} from './webhooks'

export const communicationRoutes = new Hono<AppEnv>()

function tenantOf(c: Context<AppEnv>) {
  const tenancy = c.get('tenancy')
  if (tenancy.kind !== 'tenant') throw new AppError(404, 'not_found', 'This endpoint is served on a business host only.')
  return tenancy.tenant
}

const pool = (c: Context<AppEnv>) => c.get('database')().pool
const webhookOptions = (c: Context<AppEnv>) => ({ dataKey: c.get('settings').DATA_ENCRYPTION_KEY, production: c.get('settings').ENVIRONMENT === 'production' })

const kindParam = z.enum(NOTIFICATION_KINDS, `the kind is one of ${NOTIFICATION_KINDS.join(', ')}`)
const channelParam = z.enum(CHANNELS, 'the channel is email or sms')

communicationRoutes.get('/notifications', can('tenant.notifications.read'), doc({ summary: 'Messages sent to customers (newest first): confirmations, reminders, changes', query: outboxQuery }), async (c) => {
  return c.json({ notifications: await listNotifications(pool(c), tenantOf(c).schemaName, readQuery(c, outboxQuery)) })
})

communicationRoutes.get('/notifications/:id/ics', can('tenant.notifications.read'), doc({ summary: 'The calendar file (ICS) sent with a message' }), async (c) => {
  const ics = await notificationIcs(pool(c), tenantOf(c).schemaName, readParam(c, 'id'))
  if (!ics) throw new AppError(404, 'unknown_notification', 'No message with a calendar file has that id.')
  return c.body(ics, 200, { 'content-type': 'text/calendar; charset=utf-8', 'content-disposition': 'attachment; filename="appointment.ics"' })
})

communicationRoutes.get('/notification-templates', can('tenant.profile.manage'), doc({ summary: 'The wording of each notification and channel, the defaults where not customised, and the placeholders' }), async (c) => {
  return c.json({ templates: await listTemplates(pool(c), tenantOf(c).schemaName), placeholders: PLACEHOLDERS })
})

communicationRoutes.put(
  '/notification-templates/:kind/:channel',
  can('tenant.profile.manage'),
  doc({ summary: 'Use your own wording for one notification and channel (Mustache placeholders such as {{customer_name}})', body: templateInput, status: 200 }),
  async (c) => {
    const tenant = tenantOf(c)
    const kind = readParam(c, 'kind', kindParam) as (typeof NOTIFICATION_KINDS)[number]
    const channel = readParam(c, 'channel', channelParam) as (typeof CHANNELS)[number]
    const template = await saveTemplate(pool(c), tenant.schemaName, kind, channel, await readJson(c, z.unknown()))
    await audit(pool(c), { action: 'tenant.template_updated', ...auditActor(c), tenantId: tenant.id, targetType: 'template', targetId: `${kind}/${channel}` })
    return c.json({ template })
  },
)

communicationRoutes.delete('/notification-templates/:kind/:channel', can('tenant.profile.manage'), doc({ summary: 'Go back to the default wording', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const kind = readParam(c, 'kind', kindParam) as (typeof NOTIFICATION_KINDS)[number]
  const channel = readParam(c, 'channel', channelParam) as (typeof CHANNELS)[number]
  const template = await resetTemplate(pool(c), tenant.schemaName, kind, channel)
  await audit(pool(c), { action: 'tenant.template_reset', ...auditActor(c), tenantId: tenant.id, targetType: 'template', targetId: `${kind}/${channel}` })
  return c.json({ template })
})

const previewInput = z.object({ kind: kindParam, channel: channelParam, subject: z.string().max(200).default(''), body: z.string().max(5000).optional() }).strict()

communicationRoutes.post('/notification-templates/preview', can('tenant.profile.manage'), doc({ summary: 'Render a template with sample values, without saving it', body: previewInput, status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const input = await readJson(c, previewInput)
  const template = input.body === undefined ? DEFAULT_TEMPLATES[input.kind][input.channel] : templateInput.safeParse({ subject: input.subject, body: input.body })
  if ('success' in template && !template.success) {
    throw new AppError(400, 'invalid_template', 'The template is not valid.', { issues: template.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) })
  }
  const settings = await getTenantSettings(pool(c), tenant)
  const chosen = 'success' in template ? template.data! : template
  return c.json({ preview: renderTemplate(chosen, sampleValues(settings.name, settings.timeZone, settings.locale)) })
})

communicationRoutes.get('/webhooks', can('tenant.webhooks.manage'), doc({ summary: 'Webhook endpoints of the business (secrets shown only as a hint)' }), async (c) => {
  return c.json({ endpoints: await listWebhookEndpoints(pool(c), tenantOf(c).schemaName, c.get('settings').DATA_ENCRYPTION_KEY) })
})

communicationRoutes.post('/webhooks', can('tenant.webhooks.manage'), doc({ summary: 'Register a webhook endpoint; the signing secret is returned this once', body: webhookInput }), async (c) => {
  const tenant = tenantOf(c)
  const input = await readJson(c, webhookInput)
  const created = await createWebhookEndpoint(pool(c), tenant.schemaName, webhookOptions(c), input)
  await audit(pool(c), { action: 'tenant.webhook_created', ...auditActor(c), tenantId: tenant.id, targetType: 'webhook', targetId: created.endpoint.id, detail: { url: input.url, events: input.events } })
  return c.json(created, 201)
})

communicationRoutes.get('/webhooks/:id', can('tenant.webhooks.manage'), doc({ summary: 'One webhook endpoint' }), async (c) => {
  return c.json({ endpoint: await getWebhookEndpoint(pool(c), tenantOf(c).schemaName, c.get('settings').DATA_ENCRYPTION_KEY, readParam(c, 'id')) })
})

communicationRoutes.patch('/webhooks/:id', can('tenant.webhooks.manage'), doc({ summary: 'Change the URL, events or description of an endpoint, or switch it off', body: webhookUpdate }), async (c) => {
  const tenant = tenantOf(c)
  const id = readParam(c, 'id')
  const input = await readJson(c, webhookUpdate)
  const endpoint = await updateWebhookEndpoint(pool(c), tenant.schemaName, webhookOptions(c), id, input)
  await audit(pool(c), { action: 'tenant.webhook_updated', ...auditActor(c), tenantId: tenant.id, targetType: 'webhook', targetId: id, detail: { fields: Object.keys(input) } })
  return c.json({ endpoint })
})

communicationRoutes.delete('/webhooks/:id', can('tenant.webhooks.manage'), doc({ summary: 'Remove an endpoint and its delivery records', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const id = readParam(c, 'id')
  await deleteWebhookEndpoint(pool(c), tenant.schemaName, id)
  await audit(pool(c), { action: 'tenant.webhook_deleted', ...auditActor(c), tenantId: tenant.id, targetType: 'webhook', targetId: id })
  return c.json({ deleted: true })
})

communicationRoutes.post('/webhooks/:id/rotate-secret', can('tenant.webhooks.manage'), doc({ summary: 'A new signing secret, returned this once; the old one also signs for 24 hours', status: 200 }), async (c) => {
  const tenant = tenantOf(c)
  const id = readParam(c, 'id')
  const rotated = await rotateWebhookSecret(pool(c), tenant.schemaName, c.get('settings').DATA_ENCRYPTION_KEY, id)
  await audit(pool(c), { action: 'tenant.webhook_secret_rotated', ...auditActor(c), tenantId: tenant.id, targetType: 'webhook', targetId: id })
  return c.json(rotated)
})

communicationRoutes.get('/webhooks/:id/deliveries', can('tenant.webhooks.manage'), doc({ summary: 'Deliveries to an endpoint (newest first) with status, attempts and response code', query: deliveriesQuery }), async (c) => {
  return c.json({ deliveries: await listDeliveries(pool(c), tenantOf(c).schemaName, readParam(c, 'id'), readQuery(c, deliveriesQuery)) })
})

communicationRoutes.post('/webhook-deliveries/:id/replay', can('tenant.webhooks.manage'), doc({ summary: 'Send a delivery again now (same event id, fresh signature)', status: 202 }), async (c) => {
  const tenant = tenantOf(c)
  const id = readParam(c, 'id')
  const delivery = await replayDelivery(pool(c), tenant, id)
  await audit(pool(c), { action: 'tenant.webhook_replayed', ...auditActor(c), tenantId: tenant.id, targetType: 'webhook_delivery', targetId: id })
  return c.json({ delivery }, 202)
})
