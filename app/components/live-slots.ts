// The free times a live "taken" message rules out at once, before the page's data is reloaded.
import type { BusyRange } from '../../worker/realtime/protocol'
import type { DayOfSlots } from './slot-picker'

/** Slot values (`start ISO|resourceId,…`) whose time overlaps a taken range on one of their resources. */
export function takenSlotValues(days: DayOfSlots[], taken: BusyRange[], durationMinutes: number): string[] {
  const ranges = taken.map((r) => ({ start: Date.parse(r.start), end: Date.parse(r.end), resourceIds: r.resourceIds }))
  const gone: string[] = []
  for (const day of days) {
    for (const slot of day.slots) {
      const [startIso, ids = ''] = slot.value.split('|')
      const start = Date.parse(startIso!)
      const end = start + durationMinutes * 60_000
      const resources = ids.split(',')
      if (ranges.some((r) => r.start < end && r.end > start && r.resourceIds.some((id) => resources.includes(id)))) gone.push(slot.value)
    }
  }
  return gone
}
