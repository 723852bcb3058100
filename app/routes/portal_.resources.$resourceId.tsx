// /portal/resources/:id: one resource. Catalog managers change its details, replace its weekly
// hours (several ranges a day), set other hours (or closed) on a date, and block time; staff block
// time on their own calendar only (the API's rule for POST /resources/:id/blocks).
import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/cloudflare'
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react'
import { DateTime } from 'luxon'
import { audit } from '../../worker/platform/audit'
import { loadCalendars } from '../../worker/scheduling/calendars'
import {
  addBlockedTime,
  intervalInput,
  overrideInput,
  resourceInput,
  setDateOverride,
  setWeeklyHours,
  updateResource,
  weeklyHoursInput,
} from '../../worker/scheduling/catalog'
import { may, portalContext, portalNavigation, requireAction } from '../components/portal-access.server'
import { resourceOrNotFound } from '../components/portal-catalog.server'
import { checked, fieldErrors, instantOf, invalid, numberOf, parseForm, textOf, type FieldErrors } from '../components/portal-forms.server'
import { ActiveBadge, Checkbox, Field, FieldError, KIND_LABELS, PageHead, PortalPage, useFormKey } from '../components/portal-layout'
import { assertSameOrigin, calendarReach, domainError, reachOf } from '../components/scheduling.server'
import { Notice } from '../components/slot-picker'

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.resource.name} · ${data.tenantName}` : 'Resource' }]

const LOCALE = 'en-US'
const DAY = 24 * 3600_000
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const
const OVERRIDE_ROWS = 3
const NOTICES: Record<string, string> = {
  created: 'The resource is added. Now give it its weekly hours.',
  updated: 'The details are saved.',
  hours: 'The weekly hours are saved.',
  override: 'The hours for that date are saved.',
  block: 'The time is blocked.',
}

type Range = { start: string; end: string }

async function resourceOf(context: Parameters<typeof portalContext>[0], id: string | undefined) {
  const found = portalContext(context)
  return { ...found, resource: await resourceOrNotFound(found.pool, found.tenant.schemaName, id) }
}

/** May block time on this resource: managers of every calendar, or staff on their own. */
async function mayBlock(context: Parameters<typeof portalContext>[0], request: Request, actor: ReturnType<typeof portalContext>['actor'], id: string, offerOnly: boolean) {
  const reach = await reachOf(context, request, actor, 'manage', !offerOnly)
  return reach === null || (reach !== false && reach.includes(id))
}

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const { tenant, pool, actor, resource } = await resourceOf(context, params.resourceId)
  await calendarReach(context, request, actor, 'read')
  const [nav, manage, block] = await Promise.all([
    portalNavigation(context, request, actor),
    may(context, request, actor, 'tenant.catalog.manage', true),
    mayBlock(context, request, actor, resource.id, true),
  ])
  const now = Date.now()
  const zone = tenant.timeZone
  // The engine's loader is the one reader of hours, overrides and blocks; it leaves out inactive resources.
  const calendar = manage || block ? (await loadCalendars(pool, tenant.schemaName, [resource.id], now, now + 90 * DAY)).calendars[0] : undefined
  const today = DateTime.fromMillis(now, { zone: resource.timeZone }).toISODate()!
  const weekly = WEEKDAYS.map((_, i) =>
    (calendar?.weekly ?? [])
      .filter((w) => w.weekday === i + 1)
      .sort((a, b) => a.start.localeCompare(b.start))
      .map((w) => ({ start: w.start, end: w.end })),
  )
  const span = (start: number, end: number) => {
    const a = DateTime.fromMillis(start, { zone }).setLocale(LOCALE)
    const b = DateTime.fromMillis(end, { zone }).setLocale(LOCALE)
    return `${a.toFormat('ccc, LLL d, h:mm a')} – ${b.toFormat(a.hasSame(b, 'day') ? 'h:mm a' : 'ccc, LLL d, h:mm a')}`
  }
  return json({
    tenantName: tenant.name,
    zone,
    nav,
    manage,
    block,
    hoursKnown: !!calendar,
    resource: { ...resource, kindLabel: KIND_LABELS[resource.kind] },
    weekly,
    overrides: (calendar?.overrides ?? [])
      .filter((o) => o.date >= today)
      .sort((a, b) => a.date.localeCompare(b.date))
      .map((o) => ({
        date: DateTime.fromISO(o.date).setLocale(LOCALE).toFormat('ccc, LLL d, yyyy'),
        hours: o.ranges.length ? o.ranges.map((r) => `${r.start}–${r.end}`).join(', ') : 'Closed',
      })),
    blocks: (calendar?.blocks ?? [])
      .filter((b) => b.end > now)
      .sort((a, b) => a.start - b.start)
      .map((b) => span(b.start, b.end)),
    notice: NOTICES[new URL(request.url).searchParams.get('notice') ?? ''] ?? null,
  })
}

// ---- actions: one form each, told apart by `intent` ----

function fail<V>(intent: Intent, values: V, errors: FieldErrors, message = 'Please check the highlighted fields.') {
  return invalid({ intent, ...values }, errors, message)
}
type Intent = 'update' | 'hours' | 'override' | 'block'

/** Rows of `<prefix>.<row>.start|end` as typed, in row order. */
function rangesOf(form: FormData, prefix: string): Range[] {
  const rows: Range[] = []
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d{1,2})\\.(start|end)$`)
  for (const [name, value] of form.entries()) {
    const match = pattern.exec(name)
    if (!match || typeof value !== 'string') continue
    const row = (rows[Number(match[1])] ??= { start: '', end: '' })
    row[match[2] as 'start' | 'end'] = value.trim()
  }
  return Array.from(rows, (r) => r ?? { start: '', end: '' })
}

const BOTH = 'Give both a start and an end, or leave both empty.'

export async function action({ context, request, params }: ActionFunctionArgs) {
  assertSameOrigin(request)
  const { tenant, pool, actor, resource, hub } = await resourceOf(context, params.resourceId)
  const form = await request.formData()
  const intent = textOf(form, 'intent') as Intent
  const who = { ...actor.audit, tenantId: tenant.id, targetType: 'resource', targetId: resource.id }
  const done = (notice: string) => redirect(`/portal/resources/${resource.id}?notice=${notice}`)
  const manageOnly = () => requireAction(context, request, actor, 'tenant.catalog.manage', 'Your role may not change the business’s resources.')

  try {
    if (intent === 'update') {
      await manageOnly()
      const values = { name: textOf(form, 'name'), capacity: textOf(form, 'capacity'), timeZone: textOf(form, 'timeZone').trim(), isActive: checked(form, 'isActive') }
      const parsed = parseForm(resourceInput.pick({ name: true, capacity: true, timeZone: true, isActive: true }), {
        name: values.name,
        capacity: numberOf(values.capacity),
        timeZone: values.timeZone,
        isActive: values.isActive,
      })
      if (!parsed.success) return fail(intent, values, fieldErrors(parsed.error, { timeZone: 'Use an IANA time zone such as America/New_York.' }))
      await updateResource(pool, tenant.schemaName, resource.id, parsed.data)
      await audit(pool, { action: 'resource.updated', ...who })
      await hub.announce({ kind: 'availability', resourceIds: [resource.id], reason: 'resource changed' })
      return done('updated')
    }

    if (intent === 'hours') {
      await manageOnly()
      const days = WEEKDAYS.map((_, i) => rangesOf(form, `hours.${i + 1}`))
      const errors: FieldErrors = {}
      const rules: { weekday: number; start: string; end: string }[] = []
      days.forEach((rows, i) =>
        rows.forEach((row, r) => {
          if (!row.start && !row.end) return
          const rule = { weekday: i + 1, ...row }
          // Each range alone through the API's schema, so that its message lands on its own row.
          const one = !row.start || !row.end ? null : parseForm(weeklyHoursInput, { rules: [rule] })
          if (!one) errors[`hours.${i + 1}.${r}`] = BOTH
          else if (!one.success) errors[`hours.${i + 1}.${r}`] = Object.values(fieldErrors(one.error))[0]!
          else rules.push(rule)
        }),
      )
      const values = { days }
      if (Object.keys(errors).length) return fail(intent, values, errors, 'Nothing was saved: please fix the highlighted ranges.')
      const parsed = parseForm(weeklyHoursInput, { rules })
      if (!parsed.success) return fail(intent, values, fieldErrors(parsed.error), 'Nothing was saved.')
      await setWeeklyHours(pool, tenant.schemaName, resource.id, parsed.data)
      await audit(pool, { action: 'resource.hours_set', ...who, detail: { ranges: rules.length } })
      await hub.announce({ kind: 'availability', resourceIds: [resource.id], reason: 'weekly hours' })
      return done('hours')
    }

    if (intent === 'override') {
      await manageOnly()
      const values = { date: textOf(form, 'date'), closed: checked(form, 'closed'), ranges: rangesOf(form, 'override') }
      const errors: FieldErrors = {}
      const ranges: Range[] = []
      if (!values.closed) {
        values.ranges.forEach((row, r) => {
          if (!row.start && !row.end) return
          const one = !row.start || !row.end ? null : parseForm(overrideInput.shape.ranges, [row])
          if (!one) errors[`override.${r}`] = BOTH
          else if (!one.success) errors[`override.${r}`] = Object.values(fieldErrors(one.error))[0]!
          else ranges.push(row)
        })
        if (!ranges.length && !Object.keys(errors).length) errors.ranges = 'Give the hours for that date, or tick “Closed all day”.'
      }
      const parsed = parseForm(overrideInput, { date: values.date, ranges })
      if (!parsed.success) fieldErrors(parsed.error, {}, errors)
      if (Object.keys(errors).length || !parsed.success) return fail(intent, values, errors)
      await setDateOverride(pool, tenant.schemaName, resource.id, parsed.data)
      await hub.announce({ kind: 'availability', resourceIds: [resource.id], reason: 'date override' })
      await audit(pool, { action: 'resource.override_set', ...who, detail: { date: parsed.data.date, closed: parsed.data.ranges.length === 0 } })
      return done('override')
    }

    if (intent === 'block') {
      if (!(await mayBlock(context, request, actor, resource.id, false))) {
        throw json({ code: 'forbidden', message: 'You may block time on your own calendar only.' }, { status: 403 })
      }
      const values = { startsAt: textOf(form, 'startsAt'), endsAt: textOf(form, 'endsAt'), reason: textOf(form, 'reason') }
      const start = instantOf(values.startsAt, tenant.timeZone)
      const end = instantOf(values.endsAt, tenant.timeZone)
      const errors: FieldErrors = {}
      if ('error' in start) errors.startsAt = start.error
      if ('error' in end) errors.endsAt = end.error
      if (Object.keys(errors).length) return fail(intent, values, errors)
      const parsed = parseForm(intervalInput, { startsAt: 'iso' in start ? start.iso : '', endsAt: 'iso' in end ? end.iso : '', reason: values.reason })
      if (!parsed.success) return fail(intent, values, fieldErrors(parsed.error, { endsAt: 'Must end after it starts.' }))
      const block = await addBlockedTime(pool, tenant.schemaName, resource.id, parsed.data)
      await hub.announce({ kind: 'availability', resourceIds: [resource.id], reason: 'blocked time' })
      await audit(pool, { action: 'resource.time_blocked', ...who, detail: { blockId: block.id, startsAt: block.startsAt, endsAt: block.endsAt } })
      return done('block')
    }
  } catch (error) {
    const known = domainError(error)
    if (!known || known.status >= 500) throw error
    return fail(intent, {}, {}, known.message)
  }
  return json({ ok: false as const, values: { intent: null }, errors: {} as FieldErrors, message: 'Unknown form.' }, { status: 400 })
}

// ---- page ----

type Result = ReturnType<typeof useActionData<typeof action>>

/** The action's answer when it is about this form. */
function resultFor<I extends Intent>(result: Result, intent: I) {
  if (!result || result.values.intent !== intent) return null
  return result as unknown as { ok: false; message: string; errors: FieldErrors; values: Record<string, unknown> }
}

export default function ResourcePage() {
  const data = useLoaderData<typeof loader>()
  const result = useActionData<typeof action>()
  const r = data.resource
  return (
    <PortalPage tenantName={data.tenantName} zone={data.zone} section="Resources" nav={data.nav}>
      <p className="back">
        <Link to="/portal/resources">← All resources</Link>
      </p>
      <PageHead
        title={r.name}
        lead={
          <>
            {r.kindLabel} · capacity {r.capacity} · hours in {r.timeZone.replace(/_/g, ' ')} <ActiveBadge active={r.isActive} />
          </>
        }
      />
      {data.notice && !result ? (
        <Notice kind="success" testId="resource-notice">
          {data.notice}
        </Notice>
      ) : null}
      {result && !result.values.intent ? <Notice kind="error">{result.message}</Notice> : null}
      {data.manage ? (
        <div className="portal-split">
          <div>
            <WeeklyHours data={data} result={resultFor(result, 'hours')} />
            <Upcoming data={data} />
          </div>
          <div>
            <Details data={data} result={resultFor(result, 'update')} />
            <Override data={data} result={resultFor(result, 'override')} />
            <Block data={data} result={resultFor(result, 'block')} />
          </div>
        </div>
      ) : data.block ? (
        <div className="portal-split">
          <Block data={data} result={resultFor(result, 'block')} />
          <Upcoming data={data} />
        </div>
      ) : (
        <div className="card">
          <p className="muted">You can see this resource; its hours are kept by the owner and managers.</p>
        </div>
      )}
    </PortalPage>
  )
}

type Data = ReturnType<typeof useLoaderData<typeof loader>>
type FormResult = ReturnType<typeof resultFor>

function Submit({ label, testId }: { label: string; testId: string }) {
  const navigation = useNavigation()
  return (
    <button type="submit" disabled={navigation.state === 'submitting'} data-testid={testId}>
      {label}
    </button>
  )
}

function WeeklyHours({ data, result }: { data: Data; result: FormResult }) {
  const formKey = useFormKey(!!result)
  const typed = result?.values.days as Range[][] | undefined
  const days = (typed ?? data.weekly).map((rows) => {
    const kept = rows.filter((row) => row.start || row.end || typed)
    // one empty row to add a range; more appear after each save
    return kept.length && (kept.at(-1)!.start || kept.at(-1)!.end) ? [...kept, { start: '', end: '' }] : kept.length ? kept : [{ start: '', end: '' }]
  })
  return (
    <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="hours-form">
      <input type="hidden" name="intent" value="hours" />
      <div className="section-head">
        <h2>Weekly hours</h2>
        <span className="muted small">24-hour clock, {data.resource.timeZone.replace(/_/g, ' ')}</span>
      </div>
      {data.hoursKnown ? null : (
        <Notice kind="info">This resource is inactive, so its saved hours are not shown; saving here replaces them.</Notice>
      )}
      {result ? (
        <Notice kind="error" testId="hours-error">
          {result.message}
        </Notice>
      ) : null}
      <table className="hours-table">
        <tbody>
          {WEEKDAYS.map((weekday, i) => (
            <tr key={weekday} data-testid="hours-day" data-weekday={i + 1}>
              <th scope="row">{weekday}</th>
              <td>
                {days[i]!.map((row, r) => {
                  const name = `hours.${i + 1}.${r}`
                  const error = result?.errors[name]
                  return (
                    <div key={r} className="range-row">
                      <input
                        name={`${name}.start`}
                        defaultValue={row.start}
                        placeholder="hh:mm"
                        inputMode="numeric"
                        maxLength={5}
                        className="time"
                        aria-label={`${weekday} range ${r + 1} start`}
                        aria-invalid={error ? true : undefined}
                      />
                      <span className="muted">–</span>
                      <input
                        name={`${name}.end`}
                        defaultValue={row.end}
                        placeholder="hh:mm"
                        inputMode="numeric"
                        maxLength={5}
                        className="time"
                        aria-label={`${weekday} range ${r + 1} end`}
                        aria-invalid={error ? true : undefined}
                      />
                      <FieldError id={name.replace(/\./g, '-')} message={error} />
                    </div>
                  )
                })}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">Empty a range to remove it. A day without ranges is closed. Saving replaces all the weekly hours.</p>
      <Submit label="Save weekly hours" testId="save-hours" />
    </Form>
  )
}

function Details({ data, result }: { data: Data; result: FormResult }) {
  const formKey = useFormKey(!!result)
  const v = (result?.values ?? {}) as Partial<Record<'name' | 'capacity' | 'timeZone', string> & { isActive: boolean }>
  const r = data.resource
  return (
    <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="details-form">
      <input type="hidden" name="intent" value="update" />
      <h2>Details</h2>
      {result ? <Notice kind="error">{result.message}</Notice> : null}
      <Field name="name" label="Name" defaultValue={v.name ?? r.name} error={result?.errors.name} maxLength={120} />
      <div className="field-row">
        <Field name="capacity" label="Capacity" inputMode="numeric" defaultValue={v.capacity ?? String(r.capacity)} error={result?.errors.capacity} />
        <Field name="timeZone" label="Time zone" defaultValue={v.timeZone ?? r.timeZone} error={result?.errors.timeZone} />
      </div>
      <Checkbox name="isActive" label="Active (takes bookings)" defaultChecked={v.isActive ?? r.isActive} />
      <Submit label="Save details" testId="save-details" />
    </Form>
  )
}

function Override({ data, result }: { data: Data; result: FormResult }) {
  const formKey = useFormKey(!!result)
  const v = (result?.values ?? {}) as { date?: string; closed?: boolean; ranges?: Range[] }
  const rows = Array.from({ length: OVERRIDE_ROWS }, (_, i) => v.ranges?.[i] ?? { start: '', end: '' })
  return (
    <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="override-form">
      <input type="hidden" name="intent" value="override" />
      <h2>Other hours on a date</h2>
      <p className="muted small">
        Replaces the weekly hours for that one date (a holiday, a late opening). 24-hour clock, {data.resource.timeZone.replace(/_/g, ' ')}.
      </p>
      {result ? <Notice kind="error">{result.message}</Notice> : null}
      <Field name="date" label="Date" type="date" defaultValue={v.date} error={result?.errors.date} />
      <Checkbox name="closed" label="Closed all day" defaultChecked={v.closed} />
      <fieldset className="ranges">
        <legend>Or open</legend>
        {rows.map((row, i) => (
          <div key={i} className="range-row">
            <input name={`override.${i}.start`} defaultValue={row.start} placeholder="hh:mm" inputMode="numeric" maxLength={5} className="time" aria-label={`Range ${i + 1} start`} aria-invalid={result?.errors[`override.${i}`] ? true : undefined} />
            <span className="muted">–</span>
            <input name={`override.${i}.end`} defaultValue={row.end} placeholder="hh:mm" inputMode="numeric" maxLength={5} className="time" aria-label={`Range ${i + 1} end`} aria-invalid={result?.errors[`override.${i}`] ? true : undefined} />
            <FieldError id={`override-${i}`} message={result?.errors[`override.${i}`]} />
          </div>
        ))}
        <FieldError id="ranges" message={result?.errors.ranges} />
      </fieldset>
      <Submit label="Save date" testId="save-override" />
    </Form>
  )
}

function Block({ data, result }: { data: Data; result: FormResult }) {
  const formKey = useFormKey(!!result)
  const v = (result?.values ?? {}) as Partial<Record<'startsAt' | 'endsAt' | 'reason', string>>
  return (
    <Form method="post" noValidate className="card portal-form" key={formKey} data-testid="block-form">
      <input type="hidden" name="intent" value="block" />
      <h2>Block time</h2>
      <p className="muted small">Time off or a holiday: no bookings then. Times in {data.zone.replace(/_/g, ' ')}.</p>
      {result ? <Notice kind="error">{result.message}</Notice> : null}
      <div className="field-row">
        <Field name="startsAt" label="From" type="datetime-local" defaultValue={v.startsAt} error={result?.errors.startsAt} />
        <Field name="endsAt" label="Until" type="datetime-local" defaultValue={v.endsAt} error={result?.errors.endsAt} />
      </div>
      <Field name="reason" label="Reason (optional)" defaultValue={v.reason} error={result?.errors.reason} maxLength={300} />
      <Submit label="Block time" testId="save-block" />
    </Form>
  )
}

function Upcoming({ data }: { data: Data }) {
  if (!data.hoursKnown) return null
  return (
    <section className="card" data-testid="upcoming">
      <h2>Coming up (90 days)</h2>
      <h3 className="small-head">Other hours</h3>
      {data.overrides.length ? (
        <ul className="plain-list" data-testid="override-list">
          {data.overrides.map((o) => (
            <li key={o.date}>
              <strong>{o.date}</strong> <span className="muted">{o.hours}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">None.</p>
      )}
      <h3 className="small-head">Blocked time</h3>
      {data.blocks.length ? (
        <ul className="plain-list" data-testid="block-list">
          {data.blocks.map((b, i) => (
            <li key={i}>{b}</li>
          ))}
        </ul>
      ) : (
        <p className="muted small">None.</p>
      )}
    </section>
  )
}
