// What the Worker hands every Remix loader and action. Type-only imports keep the Worker's
// runtime (and cloudflare:workers) out of the Remix module graph.
import type { Db } from '../db/client'
import type { Tenancy } from '../worker/identity/tenancy'

export interface HostError {
  status: 400 | 403 | 404
  code: string
  message: string
}

declare module '@remix-run/cloudflare' {
  interface AppLoadContext {
    tenancy: Tenancy | null
    hostError: HostError | null
    rootDomain: string
    environment: string
    db: () => Db
  }
}

export {}
