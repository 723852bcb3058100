// What the Worker hands every Remix loader and action. Type-only imports keep the Worker's
// runtime (and cloudflare:workers) out of the Remix module graph.
import type { Db } from '../db/client'
import type { Tenancy } from '../worker/identity/tenancy'
import type { describeSession } from '../worker/identity/routes'
import type { Pool } from '@neondatabase/serverless'

export type AuthSummary = ReturnType<typeof describeSession>
import type { HubClient } from '../worker/scheduling/hub-client'
import type { domainAdaptersFor } from '../worker/platform/domains'

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
    pool: () => Pool
    /** the signed-in user (and the real user behind a masquerade), or null */
    auth: AuthSummary | null
    /** the host tenant's TenantHub (bookings, holds, moves); null off tenant hosts */
    hub: HubClient | null
    /** the client's address, for audit entries */
    clientIp: string | null
    /** how custom domains are verified and registered (worker/platform/domains.ts) */
    domainAdapters: ReturnType<typeof domainAdaptersFor>
    /** uploaded files (business logos); R2 */
    uploads: R2Bucket
    /** unseals webhook secrets for their hints (DATA_ENCRYPTION_KEY) */
    dataKey: string
  }
}

export {}
