// Which topics hear about a change, and what each is told (pure). Staff topics (calendar,
// resource:<id>) get the whole event; a customer's event:<id> gets it without other people's
// details; the public service:<id> topics get only the time taken or freed on their resources.
import type { BusyRange, ChangeMessage, EventSnapshot, Topic } from './protocol'

export type EventChange =
  | { kind: 'event'; type: 'event.created' | 'event.updated' | 'event.confirmed' | 'event.cancelled'; event: EventSnapshot }
  | { kind: 'event'; type: 'event.moved'; event: EventSnapshot; previous: { start: string; end: string } }

export type HoldChange = {
  kind: 'hold'
  type: 'hold.placed' | 'hold.released' | 'hold.expired'
  hold: { id: string; serviceId: string; resourceIds: string[]; start: number; end: number; expiresAt: number }
}

/** Hours, date overrides, blocked time, closures, resources or services changed. */
export type AvailabilityChange = { kind: 'availability'; resourceIds: string[] | 'all'; reason: string; taken?: BusyRange[]; freed?: BusyRange[] }

export type HubChange = EventChange | HoldChange | AvailabilityChange

export interface ServiceResources {
  id: string
  resourceIds: string[]
}

export interface Entry {
  topic: Topic
  message: ChangeMessage
}

/** A customer's cancellation: the whole appointment, or one place in a group session. */
export function bookingCancelled(event: EventSnapshot): EventChange {
  return { kind: 'event', type: event.status === 'cancelled' ? 'event.cancelled' : 'event.updated', event }
}

const iso = (ms: number) => new Date(ms).toISOString()

/** What the customer following their own booking may see of it. */
export function customerView(event: EventSnapshot): EventSnapshot {
  return { ...event, notes: '', customers: [] }
}

export function fanOut(change: HubChange, services: ServiceResources[]): Entry[] {
  const entries: Entry[] = []
  const staff = (resourceIds: string[], message: ChangeMessage) => {
    entries.push({ topic: 'calendar', message })
    for (const id of new Set(resourceIds)) entries.push({ topic: `resource:${id}`, message })
  }
  const publicAvailability = (resourceIds: string[] | 'all', taken: BusyRange[], freed: BusyRange[], reason: string) => {
    const touched = resourceIds === 'all' ? null : new Set(resourceIds)
    for (const service of services) {
      if (touched && !service.resourceIds.some((id) => touched.has(id))) continue
      const ids = touched ? service.resourceIds.filter((id) => touched.has(id)) : service.resourceIds
      const clip = (ranges: BusyRange[]) => ranges.map((r) => ({ ...r, resourceIds: r.resourceIds.filter((id) => service.resourceIds.includes(id)) }))
      entries.push({ topic: `service:${service.id}`, message: { type: 'availability.changed', resourceIds: ids, taken: clip(taken), freed: clip(freed), reason } })
    }
  }

  if (change.kind === 'event') {
    const { event } = change
    const message: ChangeMessage = change.type === 'event.moved' ? { type: 'event.moved', event, previous: change.previous } : { type: change.type, event }
    staff(event.resourceIds, message)
    const own = customerView(event)
    entries.push({ topic: `event:${event.id}`, message: change.type === 'event.moved' ? { type: 'event.moved', event: own, previous: change.previous } : { type: change.type, event: own } })
    const range = (start: string, end: string): BusyRange => ({ start, end, resourceIds: event.resourceIds })
    if (change.type === 'event.created') publicAvailability(event.resourceIds, [range(event.start, event.end)], [], 'booked')
    else if (change.type === 'event.updated') publicAvailability(event.resourceIds, [], [], 'seats')
    else if (change.type === 'event.cancelled') publicAvailability(event.resourceIds, [], [range(event.start, event.end)], 'cancelled')
    else if (change.type === 'event.moved') {
      publicAvailability(event.resourceIds, [range(event.start, event.end)], [range(change.previous.start, change.previous.end)], 'moved')
    }
    // confirming a pending event changes no one's availability: the slot was already taken
  } else if (change.kind === 'hold') {
    const { hold } = change
    const shown = { id: hold.id, serviceId: hold.serviceId, resourceIds: hold.resourceIds, start: iso(hold.start), end: iso(hold.end), expiresAt: iso(hold.expiresAt) }
    staff(hold.resourceIds, { type: change.type, hold: shown })
    const range = { start: shown.start, end: shown.end, resourceIds: hold.resourceIds }
    if (change.type === 'hold.placed') publicAvailability(hold.resourceIds, [range], [], 'held')
    else publicAvailability(hold.resourceIds, [], [range], change.type === 'hold.expired' ? 'hold expired' : 'hold released')
  } else {
    const all = [...new Set(services.flatMap((s) => s.resourceIds))]
    const resourceIds = change.resourceIds === 'all' ? all : change.resourceIds
    const message: ChangeMessage = { type: 'availability.changed', resourceIds, taken: change.taken ?? [], freed: change.freed ?? [], reason: change.reason }
    staff(resourceIds, message)
    publicAvailability(change.resourceIds, change.taken ?? [], change.freed ?? [], change.reason)
  }
  return entries
}
