// Bindings seen by tests through `env` from cloudflare:test.
import type { Env } from '../worker/env'

declare global {
  namespace Cloudflare {
    interface Env extends import('../worker/env').Env {}
  }
}
declare module 'cloudflare:test' {
  interface ProvidedEnv extends Env {}
}
export {}
