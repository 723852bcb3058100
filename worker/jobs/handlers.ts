// The handler of each job type, built for one Worker environment (providers come from its secrets).
// Handlers live in their domain; this file only wires them to the consumer.
import type { Env } from '../env'
import type { JobHandlers } from './consumer'

export function jobHandlers(_env: Env): JobHandlers {
  return {
    // Reachability probe for the queue path; the job_runs row is its whole effect.
    'system.ping': async () => {},
  }
}
