// Who may follow which realtime topic (pure). The identity comes from the verified session or
// ticket, never from the client; what needs the database (does this customer own that event?)
// is returned as a check for the hub to run.
import { parseTopic, type Topic } from './protocol'
import type { Role } from '../identity/permissions'

export type SocketPrincipal =
  | { kind: 'anonymous' }
  | {
      kind: 'user'
      userId: string
      role: Role
      /** all: every resource (owners, managers, grants); own: the resources linked to them; none: customers */
      calendar: 'all' | 'own' | 'none'
      ownResourceIds: string[]
      /** the session the socket was opened with: signing out closes its sockets */
      sessionId: string
      /** when what this identity may see must be decided again (grants expire, roles change) */
      recheckAt: string
    }
  /** a customer holding the manage link of one booking */
  | { kind: 'booking'; bookingId: string; eventId: string }

export type TopicCheck =
  | { check: 'service-bookable'; serviceId: string }
  | { check: 'event-exists'; eventId: string }
  | { check: 'event-on-resources'; eventId: string; resourceIds: string[] }
  | { check: 'event-of-customer'; eventId: string; userId: string }

export type TopicDecision =
  | { allowed: true; topics: Topic[]; check?: TopicCheck }
  | { allowed: false; code: 'unknown_topic' | 'forbidden'; message: string }

const forbidden = (message: string): TopicDecision => ({ allowed: false, code: 'forbidden', message })

/**
 * Decides a subscription. A staff member's `calendar` means the topics of their own resources,
 * so that every topic's sequence is complete for everyone who follows it (no filtered gaps).
 */
export function decideTopic(principal: SocketPrincipal, raw: string): TopicDecision {
  const topic = parseTopic(raw)
  if (!topic) {
    return { allowed: false, code: 'unknown_topic', message: `"${raw.slice(0, 80)}" is not a topic: use calendar, resource:<id>, service:<id>, event:<id> or ticket:<id>.` }
  }
  const user = principal.kind === 'user' ? principal : null
  switch (topic.kind) {
    case 'service':
      return { allowed: true, topics: [`service:${topic.id}`], check: { check: 'service-bookable', serviceId: topic.id! } }
    case 'calendar':
      if (user?.calendar === 'all') return { allowed: true, topics: ['calendar'] }
      if (user?.calendar === 'own') {
        if (user.ownResourceIds.length === 0) return forbidden('No resource is linked to your account, so you have no calendar to follow.')
        return { allowed: true, topics: user.ownResourceIds.map((id) => `resource:${id}` as const) }
      }
      return forbidden('The calendar is for the business team; sign in as staff.')
    case 'resource':
      if (user?.calendar === 'all' || (user?.calendar === 'own' && user.ownResourceIds.includes(topic.id!))) {
        return { allowed: true, topics: [`resource:${topic.id}`] }
      }
      return forbidden('You may follow your own calendar only.')
    case 'event':
      if (principal.kind === 'booking') {
        return principal.eventId === topic.id ? { allowed: true, topics: [`event:${topic.id}`] } : forbidden('This link gives access to its own booking only.')
      }
      if (user?.calendar === 'all') return { allowed: true, topics: [`event:${topic.id}`], check: { check: 'event-exists', eventId: topic.id! } }
      if (user?.calendar === 'own') {
        return { allowed: true, topics: [`event:${topic.id}`], check: { check: 'event-on-resources', eventId: topic.id!, resourceIds: user.ownResourceIds } }
      }
      if (user) return { allowed: true, topics: [`event:${topic.id}`], check: { check: 'event-of-customer', eventId: topic.id!, userId: user.userId } }
      return forbidden('Sign in, or open the link in your booking email, to follow a booking.')
    case 'ticket':
      // Support tickets arrive with the commerce module; until then only the team may follow one.
      if (user?.calendar === 'all') return { allowed: true, topics: [`ticket:${topic.id}`] }
      return forbidden('Tickets are for the business team.')
  }
}
