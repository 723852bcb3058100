// Live updates in the browser: one WebSocket to the business's /ws, following some topics. It
// reconnects with backoff and resubscribes, keeps each topic's sequence, and asks the page to
// refetch when it may have missed something (a gap in a sequence, or changes while it was away).
import { useEffect, useRef, useState } from 'react'
import { HEARTBEAT_FRAME, sequenceVerdict, type DeliveredMessage, type ServerFrame } from '../../worker/realtime/protocol'

export type LiveState = 'connecting' | 'live' | 'reconnecting'

const HEARTBEAT_MS = 25_000
const MAX_BACKOFF_MS = 30_000

export interface LiveHandlers {
  onMessage(message: DeliveredMessage): void
  /** Something may have been missed: load the data again. */
  onResync(): void
}

export function useLiveTopics(
  topics: string[],
  handlers: LiveHandlers,
  options: { refreshSession?: boolean; /** where the topics stood when the page's data was loaded */ loadedAt?: Record<string, number> } = {},
): LiveState {
  const [state, setState] = useState<LiveState>('connecting')
  const latest = useRef(handlers)
  latest.current = handlers
  const key = topics.join(',')

  useEffect(() => {
    if (!key) return
    let socket: WebSocket | null = null
    let stopped = false
    let attempt = 0
    let retry: ReturnType<typeof setTimeout> | undefined
    let heartbeat: ReturnType<typeof setInterval> | undefined
    let lastRefresh = 0
    // Starting from the sequences the data was loaded at, a change made between the page's query
    // and the socket's welcome shows as a jump, and the page refetches.
    const lastSeen = new Map<string, number>(Object.entries(options.loadedAt ?? {}))

    const connect = () => {
      if (stopped) return
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?topics=${encodeURIComponent(key)}`
      const ws = new WebSocket(url)
      socket = ws
      ws.onmessage = (event) => {
        let frame: ServerFrame
        try {
          frame = JSON.parse(String(event.data)) as ServerFrame
        } catch {
          return
        }
        handle(frame)
      }
      ws.onclose = () => {
        clearInterval(heartbeat)
        if (stopped || socket !== ws) return
        setState('reconnecting')
        // Exponential backoff with jitter, so a restarted hub is not met by every client at once.
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt) * (0.5 + Math.random() / 2)
        attempt++
        retry = setTimeout(connect, delay)
      }
    }

    /** Topics the welcome names may differ from those asked (a staff calendar is its resources). */
    const adopt = (current: Record<string, number>, reconnecting: boolean) => {
      let missed = false
      for (const [topic, seq] of Object.entries(current)) {
        const seen = lastSeen.get(topic)
        if (reconnecting && seen !== undefined && seq > seen) missed = true
        lastSeen.set(topic, seq)
      }
      return missed
    }

    const deliver = (message: DeliveredMessage) => {
      const verdict = sequenceVerdict(lastSeen.get(message.topic), message.seq)
      if (verdict === 'stale') return
      lastSeen.set(message.topic, message.seq)
      if (verdict === 'gap') latest.current.onResync()
      else latest.current.onMessage(message)
    }

    const handle = (frame: ServerFrame) => {
      switch (frame.type) {
        case 'welcome': {
          const reconnecting = attempt > 0 || lastSeen.size > 0
          attempt = 0
          setState('live')
          clearInterval(heartbeat)
          heartbeat = setInterval(() => socket?.readyState === WebSocket.OPEN && socket.send(HEARTBEAT_FRAME), HEARTBEAT_MS)
          if (adopt(frame.topics, reconnecting)) latest.current.onResync()
          return
        }
        case 'subscribed':
          adopt(frame.topics, false)
          // Refused for lack of a session: the access cookie has expired. Renew it once and reconnect.
          if (options.refreshSession && frame.refused.some((r) => r.code === 'forbidden') && Date.now() - lastRefresh > 60_000) {
            lastRefresh = Date.now()
            void fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' }).then((res) => {
              if (res.ok) socket?.close(4000, 'renewed session')
            })
          }
          return
        case 'batch':
          for (const message of frame.messages) deliver(message)
          return
        case 'pong':
        case 'unsubscribed':
        case 'error':
          return
        default:
          deliver(frame)
      }
    }

    const wake = () => {
      // Back from sleep or offline: try now rather than at the end of a long backoff.
      if (document.visibilityState === 'visible' && socket && socket.readyState === WebSocket.CLOSED) {
        clearTimeout(retry)
        attempt = 0
        connect()
      }
    }
    // Gone offline: the socket may linger half-open for a long while; say so now and retry on "online".
    const offline = () => socket?.close(4001, 'offline')
    connect()
    window.addEventListener('offline', offline)
    window.addEventListener('online', wake)
    document.addEventListener('visibilitychange', wake)
    return () => {
      stopped = true
      clearTimeout(retry)
      clearInterval(heartbeat)
      window.removeEventListener('offline', offline)
      window.removeEventListener('online', wake)
      document.removeEventListener('visibilitychange', wake)
      socket?.close(1000, 'page left')
    }
  }, [key, options.refreshSession])

  return state
}

/** A quiet indicator: nothing to read while live, a short note while reconnecting. */
export function LiveStatus({ state }: { state: LiveState }) {
  return (
    <span className={`live-status ${state}`} data-testid="live-status" data-state={state} role="status" aria-live="polite">
      {state === 'live' ? 'Live' : state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
    </span>
  )
}
