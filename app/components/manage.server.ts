// A customer's booking found through the secret in their manage link, as the confirmation and
// manage pages show it, and the rule for when it may still be changed online.
import { getTenantSettings } from '../../worker/platform/tenant-settings'
import type { AppLoadContext } from '@remix-run/cloudflare'
import { findBookingByToken } from '../../worker/scheduling/events'
import { getService, listResources } from '../../worker/scheduling/catalog'
import { appointmentLabels, notFound, tenantOf, viewerZone } from './scheduling.server'

const MANAGE_TOKEN = /^[A-Za-z0-9_-]{20,64}$/

export async function bookingOfToken(context: AppLoadContext, request: Request, token: string | undefined) {
  const { tenant, hub, pool } = tenantOf(context)
  const found = token && MANAGE_TOKEN.test(token) ? await findBookingByToken(pool, tenant.schemaName, token) : null
  if (!found) notFound('This manage link is not valid. Check that you copied all of it, or contact the business.')
  const service = await getService(pool, tenant.schemaName, found.event.serviceId)
  const names = new Map((await listResources(pool, tenant.schemaName)).map((r) => [r.id, r.name]))
  const zone = viewerZone(new URL(request.url), tenant.timeZone)
  const cancelled = found.status === 'cancelled' || found.event.status === 'cancelled'
  const { bookingPage, cancellationPolicy } = await getTenantSettings(pool, tenant)
  return {
    /** what the business lets customers do online from the link */
    allows: { cancel: bookingPage.allowCancel, reschedule: bookingPage.allowReschedule },
    tenant,
    hub,
    pool,
    found,
    service,
    zone,
    view: {
      tenantName: tenant.name,
      businessZone: tenant.timeZone,
      serviceName: service?.name ?? found.event.serviceName,
      when: appointmentLabels(found.event.start, found.event.end, zone),
      with: found.event.resourceIds.map((id) => names.get(id) ?? '').filter(Boolean).join(' · '),
      customerName: found.customer.name,
      status: cancelled ? 'cancelled' : found.event.status,
      policyText: cancellationPolicy.text,
    },
  }
}

export type ChangeVerdict =
  | { ok: true; closesAt: number }
  | { ok: false; code: 'cancelled' | 'past' | 'too_late_to_change' | 'not_changeable'; message: string }

/**
 * May the customer still change this booking online? The same cut-off as the public API
 * (assertBeforeCutoff in worker/scheduling/routes.ts): changes close `cancellationCutoffMinutes`
 * before the start.
 */
export function changeVerdict(booking: { status: string; event: { start: string; status: string } }, cutoffMinutes: number, now = Date.now()): ChangeVerdict {
  const start = Date.parse(booking.event.start)
  const cutoff = cutoffMinutes * 60_000
  if (booking.status === 'cancelled' || booking.event.status === 'cancelled') return { ok: false, code: 'cancelled', message: 'This booking is cancelled.' }
  if (start <= now) return { ok: false, code: 'past', message: 'This appointment has already taken place.' }
  if (booking.event.status !== 'pending' && booking.event.status !== 'confirmed') {
    return { ok: false, code: 'not_changeable', message: 'This booking can no longer be changed online.' }
  }
  if (start - now < cutoff) {
    return {
      ok: false,
      code: 'too_late_to_change',
      message: `Changes online close ${Math.round(cutoff / 3600_000)} hour(s) before the appointment; please call the business.`,
    }
  }
  return { ok: true, closesAt: start - cutoff }
}
