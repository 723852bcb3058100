// The handler of each job type, built for one Worker environment (providers come from its secrets).
// Handlers live in their domain; this file only wires them to the consumer.
import { sendNotification } from '../communication/notifications'
import { sendAccountEmail } from '../communication/outbox'
import { providersFor } from '../communication/providers'
import { deliverWebhook } from '../communication/webhooks'
import { settingsOf, type Env } from '../env'
import { runMigrationJob, runProvisionJob } from '../platform/batches'
import type { JobHandlers } from './consumer'

export function jobHandlers(env: Env, options: { fetcher?: typeof fetch } = {}): JobHandlers {
  const settings = settingsOf(env)
  const providers = providersFor(settings, options.fetcher)
  const originOf = (host: string) => `${settings.PUBLIC_URL_SCHEME}://${host}${settings.PUBLIC_URL_PORT ? `:${settings.PUBLIC_URL_PORT}` : ''}`
  return {
    // Reachability probe for the queue path; the job_runs row is its whole effect.
    'system.ping': async () => {},
    'notification.send': (job, { pool }) => sendNotification(job, { pool, providers, dataKey: settings.DATA_ENCRYPTION_KEY, originOf }),
    'webhook.deliver': (job, { pool }) =>
      deliverWebhook(job, { pool, dataKey: settings.DATA_ENCRYPTION_KEY, production: settings.ENVIRONMENT === 'production', fetcher: options.fetcher }),
    'email.send': (job, { pool }) => sendAccountEmail(job, { pool, email: providers.email }),
    'tenant.provision': (job, { pool }) => runProvisionJob(job, { pool, rootDomain: settings.ROOT_DOMAIN }),
    'tenant.migrate': (job, { pool }) => runMigrationJob(job, { pool }),
  }
}
