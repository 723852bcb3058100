// How the portal calendar shows an event, computed the same way on the server (loader) and in the
// browser (live updates), so that a message from the hub becomes the same row a reload would.
import { DateTime } from 'luxon'
import type { DeliveredMessage, EventSnapshot } from '../../worker/realtime/protocol'

const LOCALE = 'en-US'

export interface CalendarView {
  zone: string
  /** ISO instants: events overlapping [from, to) are shown */
  from: string
  to: string
  /** the resources shown as columns (only events on them are listed) */
  columnIds: string[]
  names: Record<string, string>
  /** null: may manage every event; false: none; else events on these resources */
  manage: string[] | null | false
  showCancelled: boolean
}

export interface ShownEvent {
  id: string
  day: string
  time: string
  startLocal: string
  serviceName: string
  status: string
  notes: string
  seats: number
  customers: string[]
  resourceIds: string[]
  resources: string[]
  canManage: boolean
}

const label = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).setLocale(LOCALE).toFormat('h:mm a')

export function showEvent(e: EventSnapshot, view: CalendarView): ShownEvent {
  const start = DateTime.fromISO(e.start, { zone: view.zone })
  const { manage } = view
  return {
    id: e.id,
    day: start.toISODate()!,
    time: `${label(e.start, view.zone)} – ${label(e.end, view.zone)}`,
    startLocal: start.toFormat("yyyy-MM-dd'T'HH:mm"),
    serviceName: e.serviceName,
    status: e.status,
    notes: e.notes,
    seats: e.seats,
    customers: e.customers.map((c) => c.name),
    resourceIds: e.resourceIds,
    resources: e.resourceIds.map((id) => view.names[id]).filter((n): n is string => !!n),
    canManage: (manage === null || (manage !== false && e.resourceIds.some((id) => manage.includes(id)))) && e.status !== 'cancelled',
  }
}

/** The calendar after one live message: the event replaced, added or dropped as a reload would show it. */
export function applyCalendarMessage(events: ShownEvent[], message: DeliveredMessage, view: CalendarView): ShownEvent[] {
  if (!('event' in message)) return events
  const e = message.event
  const rest = events.filter((x) => x.id !== e.id)
  const visible =
    e.start < view.to && e.end > view.from && e.resourceIds.some((id) => view.columnIds.includes(id)) && (view.showCancelled || e.status !== 'cancelled')
  if (!visible) return rest
  return [...rest, showEvent(e, view)].sort((a, b) => a.startLocal.localeCompare(b.startLocal) || a.id.localeCompare(b.id))
}
