// Server-only helpers shared by the booking, manage-link and portal pages: the host's tenant, the
// viewer's time zone, week ranges and labels, errors from domain code, the same-origin check for
// form posts, and the portal's calendar reach (mirroring calendarReach in worker/scheduling/routes.ts).
import { getTenantSettings } from '../../worker/platform/tenant-settings'
import { json, redirect, type AppLoadContext } from '@remix-run/cloudflare'
import { DateTime } from 'luxon'
import type { Slot } from '../../worker/scheduling/availability'
import { listGrants } from '../../worker/identity/grants'
import { decide, type Action, type ActionScope, type Grant, type Principal } from '../../worker/identity/permissions'
import { audit } from '../../worker/platform/audit'
import { isValidTimeZone } from '../../worker/platform/tenants'
import { getService, listResources, type Service } from '../../worker/scheduling/catalog'
import type { DayOfSlots, SlotChoice } from './slot-picker'

const LOCALE = 'en-US'

/** Throws the page's 404 (rendered by the root ErrorBoundary). */
export function notFound(message: string): never {
  throw json({ code: 'not_found', message }, { status: 404 })
}

/** The business this host serves, with its TenantHub; any other host has no such pages. */
/** What the business lets its booking pages show and allow (tenant settings). */
export async function bookingOptions(context: AppLoadContext) {
  const { tenant, pool } = tenantOf(context)
  const { bookingPage, cancellationPolicy } = await getTenantSettings(pool, tenant)
  return { ...bookingPage, policyText: cancellationPolicy.text }
}

export function tenantOf(context: AppLoadContext) {
  const tenancy = context.tenancy
  if (tenancy?.kind !== 'tenant' || !context.hub) notFound('There is nothing at this address.')
  return { tenant: tenancy.tenant, hub: context.hub, pool: context.pool() }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An active service of this business by the id in the URL, or the 404 page. */
export async function bookableService(context: AppLoadContext, id: string | undefined) {
  const found = tenantOf(context)
  const service = id && uuid.test(id) ? await getService(found.pool, found.tenant.schemaName, id) : null
  if (!service || !service.isActive) notFound('This business offers no such service.')
  return { ...found, service }
}

/** The zone the customer reads times in: `?tz=` when it is a real IANA zone, else the business's. */
export function viewerZone(url: URL, fallback: string): string {
  return zoneOr(url.searchParams.get('tz'), fallback)
}

/** `value` when it names a real IANA zone (a form field, a query parameter), else `fallback`. */
export function zoneOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.length > 0 && value.length <= 64 && isValidTimeZone(value) ? value : fallback
}

// ---- errors from domain code ----

export interface DomainError {
  status: number
  code: string
  message: string
  details?: unknown
}

/**
 * Domain code throws AppError. The Remix build carries its own copy of worker/errors.ts, and the
 * TenantHub client's errors are made by the Worker's copy, so `instanceof` is not reliable here:
 * recognise the shape instead.
 */
export function domainError(error: unknown): DomainError | null {
  const e = error as Partial<DomainError> | null
  if (e && typeof e === 'object' && typeof e.status === 'number' && typeof e.code === 'string' && typeof e.message === 'string') {
    return { status: e.status, code: e.code, message: e.message, details: e.details }
  }
  return null
}

// ---- same-origin form posts ----

/**
 * Remix actions take plain form posts, which carry cookies. SameSite=Lax keeps cookies off
 * cross-site posts already; checking Origin (Referer when a browser omits it) is the second lock.
 */
export function assertSameOrigin(request: Request): void {
  const expected = new URL(request.url)
  const host = request.headers.get('host') ?? expected.host
  const claimed = request.headers.get('origin') ?? request.headers.get('referer')
  let ok = false
  if (claimed && claimed !== 'null') {
    try {
      ok = new URL(claimed).host === host
    } catch {
      ok = false
    }
  }
  if (!ok) throw json({ code: 'cross_origin', message: 'This form was sent from another site, so it was refused.' }, { status: 403 })
}

// ---- time ----

export function timeLabel(instant: number | string, zone: string): string {
  return DateTime.fromMillis(typeof instant === 'number' ? instant : Date.parse(instant), { zone }).setLocale(LOCALE).toFormat('h:mm a')
}

export function dateLabel(instant: number | string, zone: string): string {
  return DateTime.fromMillis(typeof instant === 'number' ? instant : Date.parse(instant), { zone }).setLocale(LOCALE).toFormat('cccc, LLLL d, yyyy')
}

/** "Tuesday, May 12, 2026 · 9:00 AM – 10:00 AM (America/New_York)" pieces for one appointment. */
export function appointmentLabels(start: string, end: string, zone: string) {
  return { date: dateLabel(start, zone), time: `${timeLabel(start, zone)} – ${timeLabel(end, zone)}`, zone }
}

export function priceLabel(cents: number, currency: string): string {
  if (cents === 0) return 'Free'
  return new Intl.NumberFormat(LOCALE, { style: 'currency', currency }).format(cents / 100)
}

export function durationLabel(minutes: number): string {
  if (minutes < 60) return `${minutes} min`
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return m ? `${h} h ${m} min` : `${h} h`
}

export interface WeekRange {
  from: number
  to: number
  /** YYYY-MM-DD of the first day, in the viewer's zone */
  start: string
  dates: string[]
  label: string
  previous: string | null
  next: string | null
}

/**
 * Seven local days from `?week=` (never before today), and the neighbouring weeks while they fall
 * within the service's booking horizon.
 */
export function weekRange(url: URL, zone: string, horizonDays: number, now = Date.now()): WeekRange {
  const today = DateTime.fromMillis(now, { zone }).startOf('day')
  const asked = url.searchParams.get('week')
  const parsed = asked && /^\d{4}-\d{2}-\d{2}$/.test(asked) ? DateTime.fromISO(asked, { zone }) : null
  const lastDay = today.plus({ days: horizonDays })
  let first = parsed?.isValid ? parsed.startOf('day') : today
  if (first < today) first = today
  if (first > lastDay) first = lastDay
  const end = first.plus({ days: 7 })
  const dates = Array.from({ length: 7 }, (_, i) => first.plus({ days: i }).toISODate()!)
  const previousStart = first.minus({ days: 7 }) < today ? today : first.minus({ days: 7 })
  const last = end.minus({ days: 1 }).setLocale(LOCALE)
  return {
    from: first.toMillis(),
    to: end.toMillis(),
    start: first.toISODate()!,
    dates,
    label: `${first.setLocale(LOCALE).toFormat('LLL d')} – ${last.toFormat(first.month === last.month ? 'd' : 'LLL d')}`,
    previous: first > today ? previousStart.toISODate()! : null,
    next: end < lastDay ? end.toISODate()! : null,
  }
}

/** A slot as the picker shows it: the value a button posts, and its label in the viewer's zone. */
export function slotChoice(slot: Pick<Slot, 'start' | 'resourceIds'>, zone: string): SlotChoice {
  return { value: `${new Date(slot.start).toISOString()}|${slot.resourceIds.join(',')}`, label: timeLabel(slot.start, zone) }
}

/** Slots grouped by local date, one entry per day of the week (days without slots stay, empty). */
export function groupByDay(slots: Slot[], week: WeekRange, zone: string): DayOfSlots[] {
  return week.dates.map((date) => {
    const day = DateTime.fromISO(date, { zone }).setLocale(LOCALE)
    return {
      date,
      weekday: day.toFormat('cccc'),
      label: day.toFormat('LLLL d'),
      slots: slots.filter((s) => s.local.date === date).map((s) => slotChoice(s, zone)),
    }
  })
}

/** Parses a slot button's value `start|resourceId,resourceId`. */
export function parseSlotChoice(value: FormDataEntryValue | null): { start: number; resourceIds: string[] } | null {
  if (typeof value !== 'string') return null
  const [start, ids] = value.split('|')
  const at = start ? Date.parse(start) : NaN
  const resourceIds = (ids ?? '').split(',').filter(Boolean)
  if (!Number.isFinite(at) || resourceIds.length === 0 || resourceIds.length > 5 || !resourceIds.every((id) => uuid.test(id))) return null
  return { start: at, resourceIds }
}

/** Resources that deliver the service and are a real choice (their group has more than one). */
export function resourceChoices(service: Service, names: Map<string, string>) {
  return service.resourceGroups
    .filter((group) => group.length > 1)
    .flat()
    .filter((id) => names.has(id))
    .map((id) => ({ id, name: names.get(id)! }))
}

// ---- the portal's reach ----

export interface Actor {
  principal: Principal
  scope: ActionScope
  /** who really acted (the masquerader, when masquerading) and as whom, for the audit log */
  audit: { actorUserId: string; effectiveUserId: string; sessionId: string; ip: string | null }
}

/** The signed-in user of this business host, or a redirect to its sign-in page. */
export function actorOf(context: AppLoadContext): Actor {
  const { tenant } = tenantOf(context)
  const auth = context.auth
  if (!auth) throw redirect('/login')
  return {
    principal: { userId: auth.user.id, role: auth.user.role, tenantId: auth.user.tenantId },
    scope: { tenantId: tenant.id, tenantIsDemo: tenant.isDemo },
    audit: {
      actorUserId: auth.masquerade.active ? auth.masquerade.realUser.id : auth.user.id,
      effectiveUserId: auth.user.id,
      sessionId: auth.session.id,
      ip: context.clientIp,
    },
  }
}

function forbidden(message: string): never {
  throw json({ code: 'forbidden', message }, { status: 403 })
}

/** Role first, then an active grant of exactly that action, whose use is audited (as authorize() does). */
export async function mayWithGrants(context: AppLoadContext, actor: Actor, action: Action, path: string, method: string, auditUse: boolean): Promise<boolean> {
  if (decide(actor.principal, action, actor.scope).allowed) return true
  const views = await listGrants(context.pool(), { granteeId: actor.principal.userId })
  const grants: (Grant & { id: string })[] = views.map((g) => ({
    id: g.id,
    action: g.action,
    tenantId: g.tenantId,
    startsAt: new Date(g.startsAt),
    expiresAt: new Date(g.expiresAt),
    revokedAt: g.revokedAt ? new Date(g.revokedAt) : null,
  }))
  const decision = decide(actor.principal, action, actor.scope, grants)
  if (!decision.allowed) return false
  if (decision.via === 'grant' && auditUse) {
    await audit(context.pool(), {
      action: 'grant.used',
      ...actor.audit,
      tenantId: actor.scope.tenantId,
      targetType: 'grant',
      targetId: (decision.grant as Grant & { id?: string }).id ?? null,
      detail: { action, path, method },
    })
  }
  return true
}

/**
 * null: may act on every resource; a list: the resources (linked to the user) they may act on;
 * false: neither. Same rule as the API: `*_all` by role, else `*_own` by role or grant.
 */
export async function reachOf(
  context: AppLoadContext,
  request: Request,
  actor: Actor,
  kind: 'read' | 'manage',
  /** false only to decide what to offer (buttons); a use of the reach audits the grant, as authorize() does */
  auditGrantUse = true,
): Promise<string[] | null | false> {
  const { tenant, pool } = tenantOf(context)
  if (decide(actor.principal, kind === 'read' ? 'tenant.calendar.read_all' : 'tenant.calendar.manage_all', actor.scope).allowed) return null
  const own = kind === 'read' ? 'tenant.calendar.read_own' : 'tenant.calendar.manage_own'
  if (!(await mayWithGrants(context, actor, own, new URL(request.url).pathname, request.method, auditGrantUse))) return false
  const resources = await listResources(pool, tenant.schemaName)
  return resources.filter((r) => r.userId === actor.principal.userId).map((r) => r.id)
}

/** reachOf, with the 403 page for those who have none. */
export async function calendarReach(context: AppLoadContext, request: Request, actor: Actor, kind: 'read' | 'manage'): Promise<string[] | null> {
  const reach = await reachOf(context, request, actor, kind)
  if (reach === false) forbidden(kind === 'read' ? 'The calendar is for the business’s team.' : 'Your role may not change the calendar.')
  return reach
}
