// Email and SMS providers behind one interface. With EMAIL_API_URL / SMS_API_URL set, messages go
// to an HTTP API (JSON, bearer key, Idempotency-Key header so a retried call is not sent twice by
// the provider either). Without them the provider is the outbox itself: the rows in the tenant's
// notification_outbox (or public.outbox_messages) are what a person reads in the portal.
import type { Settings } from '../env'
import { PermanentJobError } from '../jobs/consumer'

export interface Attachment {
  filename: string
  contentType: string
  content: string
}

export interface EmailMessage {
  to: string
  subject: string
  text: string
  fromName?: string
  attachments?: Attachment[]
  /** stable per message and channel: the provider drops a repeat of the same key */
  idempotencyKey: string
}

export interface SmsMessage {
  to: string
  text: string
  idempotencyKey: string
}

export interface Provider<M> {
  /** recorded with each message: "outbox" or the API's host */
  name: string
  /** Returns the provider's reference for the message (null for the outbox). Throws on failure. */
  send(message: M): Promise<string | null>
}

export interface Providers {
  email: Provider<EmailMessage>
  sms: Provider<SmsMessage>
}

const outbox = { name: 'outbox', send: async () => null }

type ProviderSettings = Pick<Settings, 'EMAIL_API_URL' | 'EMAIL_API_KEY' | 'EMAIL_FROM' | 'SMS_API_URL' | 'SMS_API_KEY' | 'SMS_FROM'>

export function providersFor(settings: ProviderSettings, fetcher: typeof fetch = fetch): Providers {
  return {
    email: settings.EMAIL_API_URL
      ? httpProvider<EmailMessage>(settings.EMAIL_API_URL, settings.EMAIL_API_KEY, fetcher, (m) => ({
          from: m.fromName ? `${m.fromName.replace(/[<>"]/g, '')} <${settings.EMAIL_FROM}>` : settings.EMAIL_FROM,
          to: [m.to],
          subject: m.subject,
          text: m.text,
          attachments: (m.attachments ?? []).map((a) => ({ filename: a.filename, content_type: a.contentType, content: base64(a.content) })),
        }))
      : outbox,
    sms: settings.SMS_API_URL
      ? httpProvider<SmsMessage>(settings.SMS_API_URL, settings.SMS_API_KEY, fetcher, (m) => ({ from: settings.SMS_FROM, to: m.to, text: m.text }))
      : outbox,
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

function httpProvider<M extends { idempotencyKey: string }>(url: string, key: string | undefined, fetcher: typeof fetch, body: (m: M) => unknown): Provider<M> {
  const name = new URL(url).host
  return {
    name,
    async send(message) {
      let response: Response
      try {
        response = await fetcher(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': message.idempotencyKey, ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: JSON.stringify(body(message)),
          signal: AbortSignal.timeout(15_000),
        })
      } catch (error) {
        throw new Error(`${name} could not be reached: ${(error as Error).message}`)
      }
      const text = (await response.text().catch(() => '')).slice(0, 500)
      if (!response.ok) {
        // 4xx other than 408/409/429 means the message itself is refused (a bad address): retrying cannot help.
        const message = `${name} answered ${response.status}${text ? `: ${text}` : ''}`
        if (response.status >= 400 && response.status < 500 && ![408, 409, 429].includes(response.status)) throw new PermanentJobError(message)
        throw new Error(message)
      }
      try {
        const id = (JSON.parse(text) as { id?: unknown }).id
        return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 200) : null
      } catch {
        return null
      }
    },
  }
}
