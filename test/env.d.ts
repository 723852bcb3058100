// Bindings seen by tests through `env` from cloudflare:test are the Worker's own.
import type { Env as WorkerEnv } from '../worker/env'

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      /** test/lib/webhook-receiver.ts, started by test/global-setup.ts */
      WEBHOOK_RECEIVER_URL: string
    }
  }
}
export {}
