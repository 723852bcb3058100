// Notification wording: the defaults, a business's own templates, and rendering them for one
// customer. Templates are Mustache (logic-less, no code runs); dates are formatted by Luxon in the
// customer's time zone and language, falling back to the business's.
import type { Pool } from '@neondatabase/serverless'
import { DateTime } from 'luxon'
import Mustache from 'mustache'
import { z } from 'zod'
import { AppError } from '../errors'
import { NOTIFICATION_KINDS, type NotificationKind } from '../jobs/messages'
import { tenantSql } from '../scheduling/sql'

type Queryable = Pick<Pool, 'query'>

export const CHANNELS = ['email', 'sms'] as const
export type Channel = (typeof CHANNELS)[number]

/** Every placeholder a template may use, with what it stands for (shown in the portal). */
export const PLACEHOLDERS = {
  customer_name: 'the customer’s name',
  business_name: 'your business name',
  service_name: 'the service booked',
  start: 'date and time, in the customer’s time zone and language',
  date: 'the date alone',
  time: 'the start time alone',
  end_time: 'the end time',
  time_zone: 'the time zone the times are in',
  duration_minutes: 'length in minutes',
  with: 'who or what the appointment is with (staff, room)',
  manage_url: 'the customer’s link to reschedule or cancel',
  cancellation_policy: 'your cancellation policy text',
  reminder_lead: 'reminders: how long before the start, e.g. “in 2 hours”',
  previous_start: 'reschedules: the old date and time',
} as const
export type Placeholder = keyof typeof PLACEHOLDERS
export type TemplateValues = Record<Placeholder, string>

export interface Template {
  subject: string
  body: string
}

const manage = '{{#manage_url}}\n\nReschedule or cancel: {{manage_url}}{{/manage_url}}'
const policy = '{{#cancellation_policy}}\n\n{{cancellation_policy}}{{/cancellation_policy}}'

export const DEFAULT_TEMPLATES: Record<NotificationKind, Record<Channel, Template>> = {
  confirmation: {
    email: {
      subject: 'Confirmed: {{service_name}} on {{date}}',
      body: `Hello {{customer_name}},\n\nyour {{service_name}} with {{business_name}} is confirmed for {{start}} ({{time_zone}}).{{#with}}\nWith: {{with}}{{/with}}${policy}${manage}\n\nThe calendar file attached adds it to your calendar.\n\n{{business_name}}`,
    },
    sms: { subject: '', body: '{{business_name}}: {{service_name}} confirmed for {{start}}.{{#manage_url}} Manage: {{manage_url}}{{/manage_url}}' },
  },
  pending_approval: {
    email: {
      subject: 'Requested: {{service_name}} on {{date}}',
      body: `Hello {{customer_name}},\n\nthank you for your request for {{service_name}} on {{start}} ({{time_zone}}). {{business_name}} will confirm it shortly; we will write again when they do.${manage}\n\n{{business_name}}`,
    },
    sms: { subject: '', body: '{{business_name}}: we received your request for {{service_name}} on {{start}} and will confirm it soon.' },
  },
  reschedule: {
    email: {
      subject: 'Moved: {{service_name}} is now on {{date}}',
      body: `Hello {{customer_name}},\n\nyour {{service_name}} with {{business_name}} has moved{{#previous_start}} from {{previous_start}}{{/previous_start}} to {{start}} ({{time_zone}}).${manage}\n\nThe attached calendar file updates your calendar.\n\n{{business_name}}`,
    },
    sms: { subject: '', body: '{{business_name}}: your {{service_name}} is now on {{start}}.{{#manage_url}} Manage: {{manage_url}}{{/manage_url}}' },
  },
  cancellation: {
    email: {
      subject: 'Cancelled: {{service_name}} on {{date}}',
      body: 'Hello {{customer_name}},\n\nyour {{service_name}} with {{business_name}} on {{start}} ({{time_zone}}) is cancelled.\n\n{{business_name}}',
    },
    sms: { subject: '', body: '{{business_name}}: your {{service_name}} on {{start}} is cancelled.' },
  },
  reminder: {
    email: {
      subject: 'Reminder: {{service_name}} {{reminder_lead}}',
      body: `Hello {{customer_name}},\n\na reminder of your {{service_name}} with {{business_name}} on {{start}} ({{time_zone}}).{{#with}}\nWith: {{with}}{{/with}}${policy}${manage}\n\n{{business_name}}`,
    },
    sms: { subject: '', body: '{{business_name}}: reminder, {{service_name}} {{reminder_lead}} ({{start}}).{{#manage_url}} Manage: {{manage_url}}{{/manage_url}}' },
  },
}

const templateText = (max: number) => z.string().max(max, `at most ${max} characters`)

/** A business's own template: only known placeholders, and it must parse. */
export const templateInput = z
  .object({ subject: templateText(200).default(''), body: templateText(5000).min(1, 'the body is required') })
  .strict()
  .superRefine((value, ctx) => {
    for (const field of ['subject', 'body'] as const) {
      const problem = templateProblem(value[field])
      if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem })
    }
  })

function templateProblem(text: string): string | null {
  let tokens: unknown[]
  try {
    tokens = Mustache.parse(text)
  } catch (error) {
    return `the template does not parse: ${(error as Error).message}`
  }
  const unknown = new Set<string>()
  const visit = (list: unknown[]) => {
    for (const token of list as [string, string, number, number, unknown[]?][]) {
      const [type, name, , , children] = token
      if (type === 'name' || type === '&' || type === '{' || type === '#' || type === '^') {
        if (!(name in PLACEHOLDERS)) unknown.add(name)
      }
      if (type === '>') unknown.add(`>${name}`)
      if (children) visit(children)
    }
  }
  visit(tokens)
  if (unknown.size === 0) return null
  return `unknown placeholder${unknown.size > 1 ? 's' : ''} ${[...unknown].map((n) => `{{${n}}}`).join(', ')}; use ${Object.keys(PLACEHOLDERS).map((n) => `{{${n}}}`).join(', ')}`
}

/** Plain text out: values are inserted as they are (no HTML escaping), templates are trusted to the business. */
export function renderTemplate(template: Template, values: Partial<TemplateValues>): Template {
  const view = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v ?? '']))
  const render = (text: string) => Mustache.render(text, view, {}, { escape: (s: string) => s })
  return { subject: render(template.subject).replace(/\s+/g, ' ').trim(), body: render(template.body).trim() }
}

export interface TimeWords {
  start: string
  date: string
  time: string
  endTime: string
  timeZone: string
}

/** Date and time words for one appointment, in `timeZone` and `locale` (e.g. de-DE, ja-JP). */
export function timeWords(start: Date, end: Date, timeZone: string, locale: string): TimeWords {
  const s = DateTime.fromJSDate(start, { zone: timeZone }).setLocale(locale)
  const e = DateTime.fromJSDate(end, { zone: timeZone }).setLocale(locale)
  return {
    start: s.toLocaleString({ weekday: 'long', year: 'numeric', month: 'long', day: 'numeric', hour: 'numeric', minute: '2-digit' }),
    date: s.toLocaleString({ weekday: 'short', month: 'short', day: 'numeric' }),
    time: s.toLocaleString(DateTime.TIME_SIMPLE),
    endTime: e.toLocaleString(DateTime.TIME_SIMPLE),
    timeZone: s.offsetNameShort ? `${timeZone}, ${s.offsetNameShort}` : timeZone,
  }
}

/** "in 2 hours", "in 1 day", in the customer's language. */
export function leadWords(offsetMinutes: number, locale: string): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' })
  if (offsetMinutes % 1440 === 0) return format.format(offsetMinutes / 1440, 'day')
  if (offsetMinutes % 60 === 0) return format.format(offsetMinutes / 60, 'hour')
  return format.format(offsetMinutes, 'minute')
}

export async function templateFor(db: Queryable, schema: string, kind: NotificationKind, channel: Channel): Promise<Template & { custom: boolean }> {
  const { rows } = await db.query(`SELECT subject, body FROM ${tenantSql(schema)('notification_templates')} WHERE kind = $1 AND channel = $2`, [kind, channel])
  return rows[0] ? { subject: rows[0].subject, body: rows[0].body, custom: true } : { ...DEFAULT_TEMPLATES[kind][channel], custom: false }
}

export async function listTemplates(db: Queryable, schema: string) {
  const { rows } = await db.query(`SELECT kind, channel, subject, body, updated_at FROM ${tenantSql(schema)('notification_templates')}`)
  const custom = new Map(rows.map((r) => [`${r.kind}/${r.channel}`, r]))
  return NOTIFICATION_KINDS.flatMap((kind) =>
    CHANNELS.map((channel) => {
      const row = custom.get(`${kind}/${channel}`)
      return {
        kind,
        channel,
        subject: (row?.subject as string | undefined) ?? DEFAULT_TEMPLATES[kind][channel].subject,
        body: (row?.body as string | undefined) ?? DEFAULT_TEMPLATES[kind][channel].body,
        custom: !!row,
        updatedAt: row ? new Date(row.updated_at).toISOString() : null,
      }
    }),
  )
}

export async function saveTemplate(db: Queryable, schema: string, kind: NotificationKind, channel: Channel, raw: unknown) {
  const parsed = templateInput.safeParse(raw)
  if (!parsed.success) throw new AppError(400, 'invalid_template', 'The template is not valid.', { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) })
  await db.query(
    `INSERT INTO ${tenantSql(schema)('notification_templates')} (kind, channel, subject, body) VALUES ($1, $2, $3, $4)
     ON CONFLICT (kind, channel) DO UPDATE SET subject = EXCLUDED.subject, body = EXCLUDED.body, updated_at = now()`,
    [kind, channel, parsed.data.subject, parsed.data.body],
  )
  return (await listTemplates(db, schema)).find((t) => t.kind === kind && t.channel === channel)!
}

/** Back to the default wording. */
export async function resetTemplate(db: Queryable, schema: string, kind: NotificationKind, channel: Channel) {
  await db.query(`DELETE FROM ${tenantSql(schema)('notification_templates')} WHERE kind = $1 AND channel = $2`, [kind, channel])
  return (await listTemplates(db, schema)).find((t) => t.kind === kind && t.channel === channel)!
}

/** Sample values for the portal's preview. */
export function sampleValues(businessName: string, timeZone: string, locale: string): TemplateValues {
  const start = DateTime.now().setZone(timeZone).plus({ days: 2 }).set({ hour: 10, minute: 0, second: 0, millisecond: 0 })
  const words = timeWords(start.toJSDate(), start.plus({ minutes: 45 }).toJSDate(), timeZone, locale)
  return {
    customer_name: 'Alex Example',
    business_name: businessName,
    service_name: 'Consultation',
    start: words.start,
    date: words.date,
    time: words.time,
    end_time: words.endTime,
    time_zone: words.timeZone,
    duration_minutes: '45',
    with: 'Sam',
    manage_url: 'https://example.com/manage/…',
    cancellation_policy: 'Free cancellation up to 24 hours before.',
    reminder_lead: leadWords(1440, locale),
    previous_start: '',
  }
}
