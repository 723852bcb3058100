// Per-request context shared by every Hono route: settings, a lazily opened database and the tenancy.
import type { Database } from '../db/client'
import type { Env, Settings } from './env'
import type { Tenancy } from './identity/tenancy'
import type { Auth } from './identity/auth'

export interface AppEnv {
  Bindings: Env
  Variables: {
    settings: Settings
    requestId: string
    /** Opens the request's pool on first use; the app closes it when the response is done. */
    database: () => Database
    /** Closes the request's pool now (before a long wait on the TenantHub); the next use opens a new one. */
    releaseDatabase: () => Promise<void>
    tenancy: Tenancy
    /** who is signed in on this request (null: nobody) */
    auth: Auth | null
  }
}
