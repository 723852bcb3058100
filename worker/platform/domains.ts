// Custom domains: a business adds its own host name, proves it owns it (a DNS TXT record read over
// DNS-over-HTTPS, or a token served at a well-known path), and only then does the host route to it.
// One may be primary; removing one stops routing at once in this isolate (host cache) and within
// the cache TTL elsewhere. Production also registers the host with Cloudflare for SaaS (custom
// hostnames) through the same adapter (decision 016).
import type { Pool } from '@neondatabase/serverless'
import { z } from 'zod'
import { withTransaction } from '../../db/client'
import { AppError, pgErrorCode } from '../errors'
import { hostCache } from '../identity/tenancy'
import { randomToken } from '../identity/passwords'

type Queryable = Pick<Pool, 'query'>

export const VERIFY_RECORD_PREFIX = '_smoothschedule-verify'
export const VERIFY_PATH = '/.well-known/smoothschedule-verify'
/** An unverified claim older than this no longer blocks another business from claiming the host. */
export const STALE_CLAIM_DAYS = 7

export function domainHost(rootDomain: string) {
  const root = rootDomain.toLowerCase()
  return z
    .string()
    .trim()
    .toLowerCase()
    .max(253, 'a host name is at most 253 characters')
    .transform((h) => h.replace(/\.$/, ''))
    .refine((h) => /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/.test(h), 'must be a host name such as booking.example.com')
    .refine((h) => h !== root && !h.endsWith(`.${root}`), `hosts under ${root} are the platform's own; add your own domain`)
    .refine((h) => !/^\d+(\.\d+){3}$/.test(h), 'an IP address is not a domain')
}

// ---- Adapters -----------------------------------------------------------------------------------

/** Reads what proves ownership of a host: its TXT records, or the token served on it. */
export interface DomainVerifier {
  txtRecords(name: string): Promise<string[]>
  httpToken(host: string): Promise<string | null>
}

/** DNS-over-HTTPS (RFC 8484 JSON form, as Cloudflare and Google answer it) and plain HTTP. */
export function dohVerifier(resolverUrl: string, fetcher: typeof fetch = fetch): DomainVerifier {
  return {
    async txtRecords(name) {
      const url = new URL(resolverUrl)
      url.searchParams.set('name', name)
      url.searchParams.set('type', 'TXT')
      const res = await fetcher(url.toString(), { headers: { accept: 'application/dns-json' } })
      if (!res.ok) throw new AppError(503, 'dns_unavailable', `The DNS resolver answered ${res.status}; try again in a minute.`)
      const body = (await res.json()) as { Status?: number; Answer?: { type: number; data: string }[] }
      return (body.Answer ?? []).filter((a) => a.type === 16).map((a) => a.data.replace(/^"|"$/g, '').replace(/"\s*"/g, ''))
    },
    async httpToken(host) {
      try {
        const res = await fetcher(`http://${host}${VERIFY_PATH}`, { redirect: 'manual' })
        if (!res.ok) return null
        return (await res.text()).trim().slice(0, 200)
      } catch {
        return null
      }
    },
  }
}

/** Cloudflare for SaaS: the edge must know a custom host name before it serves it. */
export interface CustomHostnames {
  register(host: string): Promise<void>
  remove(host: string): Promise<void>
}

/** Development and tests: nothing to tell an edge; the domains table is the whole record. */
export const localCustomHostnames: CustomHostnames = { register: async () => {}, remove: async () => {} }

/** Production: the Cloudflare API's custom hostnames of the zone that fronts the Worker. */
export function cloudflareCustomHostnames(apiToken: string, zoneId: string, fetcher: typeof fetch = fetch): CustomHostnames {
  const base = `https://api.cloudflare.com/client/v4/zones/${zoneId}/custom_hostnames`
  const call = async (url: string, init: RequestInit) => {
    const res = await fetcher(url, { ...init, headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' } })
    const body = (await res.json().catch(() => ({}))) as { success?: boolean; result?: { id: string }[]; errors?: { message: string }[] }
    if (!res.ok || body.success === false) throw new AppError(503, 'custom_hostname_failed', `Cloudflare refused the custom host name: ${body.errors?.[0]?.message ?? res.status}.`)
    return body
  }
  return {
    async register(host) {
      await call(base, { method: 'POST', body: JSON.stringify({ hostname: host, ssl: { method: 'http', type: 'dv' } }) })
    },
    async remove(host) {
      const found = await call(`${base}?hostname=${encodeURIComponent(host)}`, { method: 'GET' })
      for (const r of found.result ?? []) await call(`${base}/${r.id}`, { method: 'DELETE' })
    },
  }
}

/** The adapters the settings ask for: DoH at DNS_RESOLVER_URL; Cloudflare for SaaS when its token and zone are set. */
export function domainAdaptersFor(settings: { DNS_RESOLVER_URL: string; CF_API_TOKEN?: string; CF_ZONE_ID?: string }) {
  return {
    verifier: dohVerifier(settings.DNS_RESOLVER_URL),
    hostnames: settings.CF_API_TOKEN && settings.CF_ZONE_ID ? cloudflareCustomHostnames(settings.CF_API_TOKEN, settings.CF_ZONE_ID) : localCustomHostnames,
  }
}

// ---- Domain functions ---------------------------------------------------------------------------

export interface Domain {
  id: string
  host: string
  tenantId: string
  isPrimary: boolean
  isCustom: boolean
  verifiedAt: string | null
  /** shown until verified: the TXT value (or HTTP body) that proves ownership */
  verificationToken: string | null
  lastCheckedAt: string | null
  lastCheckError: string | null
  /** how to prove ownership */
  instructions: { txtName: string; txtValue: string; httpUrl: string } | null
}

function toDomain(r: Record<string, any>): Domain {
  const verified = r.verified_at ? new Date(r.verified_at).toISOString() : null
  const token = verified ? null : (r.verification_token as string | null)
  return {
    id: r.id,
    host: r.host,
    tenantId: r.tenant_id,
    isPrimary: r.is_primary,
    isCustom: r.is_custom,
    verifiedAt: verified,
    verificationToken: token,
    lastCheckedAt: r.last_checked_at ? new Date(r.last_checked_at).toISOString() : null,
    lastCheckError: r.last_check_error,
    instructions: token ? { txtName: `${VERIFY_RECORD_PREFIX}.${r.host}`, txtValue: `smoothschedule-verify=${token}`, httpUrl: `http://${r.host}${VERIFY_PATH}` } : null,
  }
}

export async function listDomains(db: Queryable, tenantId: string): Promise<Domain[]> {
  const { rows } = await db.query(`SELECT * FROM public.domains WHERE tenant_id = $1 ORDER BY is_primary DESC, is_custom, host`, [tenantId])
  return rows.map(toDomain)
}

async function domainOf(db: Queryable, tenantId: string, domainId: string, lock = false) {
  const { rows } = await db.query(`SELECT * FROM public.domains WHERE id = $1 AND tenant_id = $2 ${lock ? 'FOR UPDATE' : ''}`, [domainId, tenantId])
  if (!rows[0]) throw new AppError(404, 'unknown_domain', 'This business has no domain with that id.')
  return rows[0]
}

/** Adds a custom host, unverified (it routes nowhere yet), with a fresh verification token. */
export async function addDomain(pool: Pool, rootDomain: string, tenantId: string, rawHost: unknown): Promise<Domain> {
  const parsed = z.object({ host: domainHost(rootDomain) }).strict().parse(rawHost)
  const host = parsed.host
  return withTransaction(pool, async (client) => {
    const existing = await client.query(`SELECT tenant_id, verified_at, created_at FROM public.domains WHERE host = $1 FOR UPDATE`, [host])
    const row = existing.rows[0]
    if (row) {
      if (row.tenant_id === tenantId) throw new AppError(409, 'domain_exists', `${host} is already one of this business's domains.`)
      if (row.verified_at) throw new AppError(409, 'domain_taken', `${host} is already verified by another business.`)
      if (Date.now() - new Date(row.created_at).getTime() < STALE_CLAIM_DAYS * 86_400_000) {
        throw new AppError(409, 'domain_claimed', `Another business is verifying ${host}; if it is yours, try again after ${STALE_CLAIM_DAYS} days or contact support.`)
      }
      // a stale, never-verified claim does not keep the host from its real owner
      await client.query(`DELETE FROM public.domains WHERE host = $1 AND verified_at IS NULL`, [host])
    }
    try {
      const { rows } = await client.query(
        `INSERT INTO public.domains (host, tenant_id, is_primary, is_custom, verification_token) VALUES ($1, $2, false, true, $3) RETURNING *`,
        [host, tenantId, randomToken(18)],
      )
      return toDomain(rows[0]!)
    } catch (error) {
      if (pgErrorCode(error) === '23505') throw new AppError(409, 'domain_taken', `${host} was just added by another business.`)
      throw error
    }
  })
}

/**
 * Checks the proof (TXT record first, then the HTTP token) and marks the domain verified, which
 * makes it routable. A failed check is recorded on the domain and answered 422 with what was seen.
 */
export const verifyInput = z.object({ method: z.enum(['dns', 'http']).default('dns') }).strict()

export async function verifyDomain(
  pool: Pool,
  verifier: DomainVerifier,
  hostnames: CustomHostnames,
  tenantId: string,
  domainId: string,
  method: 'dns' | 'http' = 'dns',
): Promise<Domain> {
  const row = await domainOf(pool, tenantId, domainId)
  if (row.verified_at) return toDomain(row)
  const expected = `smoothschedule-verify=${row.verification_token}`
  const name = `${VERIFY_RECORD_PREFIX}.${row.host}`
  let seen: string[] = []
  let error: string | null = null
  let ok = false
  if (method === 'dns') {
    try {
      seen = await verifier.txtRecords(name)
    } catch (e) {
      error = e instanceof Error ? e.message : String(e)
    }
    ok = seen.includes(expected)
  } else {
    ok = (await verifier.httpToken(row.host)) === row.verification_token
  }
  if (!ok) {
    const reason =
      method === 'http'
        ? `http://${row.host}${VERIFY_PATH} did not answer with the verification token.`
        : (error ??
          (seen.length
            ? `The TXT record ${name} holds ${seen.map((s) => `"${s.slice(0, 80)}"`).join(', ')}, not "${expected}".`
            : `No TXT record ${name} was found (DNS changes can take a few minutes).`))
    await pool.query(`UPDATE public.domains SET last_checked_at = now(), last_check_error = $2 WHERE id = $1`, [domainId, reason])
    throw new AppError(422, 'verification_failed', reason)
  }
  await hostnames.register(row.host)
  const { rows } = await pool.query(
    `UPDATE public.domains SET verified_at = now(), last_checked_at = now(), last_check_error = NULL WHERE id = $1 AND tenant_id = $2 RETURNING *`,
    [domainId, tenantId],
  )
  // a cached "no business here" for the host must not outlive its verification
  hostCache.forgetHost(row.host)
  return toDomain(rows[0]!)
}

/** The primary domain is where links and emails point. Only a verified domain can be primary. */
export async function makePrimaryDomain(pool: Pool, tenantId: string, domainId: string): Promise<Domain[]> {
  await withTransaction(pool, async (client) => {
    const row = await domainOf(client, tenantId, domainId, true)
    if (!row.verified_at) throw new AppError(409, 'domain_unverified', `Verify ${row.host} before making it primary.`)
    await client.query(`UPDATE public.domains SET is_primary = false WHERE tenant_id = $1 AND is_primary AND id <> $2`, [tenantId, domainId])
    await client.query(`UPDATE public.domains SET is_primary = true WHERE id = $1`, [domainId])
  })
  hostCache.forgetTenant(tenantId)
  return listDomains(pool, tenantId)
}

/** Stops routing the host at once here (and within the cache TTL in other isolates). The subdomain stays. */
export async function removeDomain(pool: Pool, hostnames: CustomHostnames, tenantId: string, domainId: string): Promise<Domain[]> {
  const host = await withTransaction(pool, async (client) => {
    const row = await domainOf(client, tenantId, domainId, true)
    if (!row.is_custom) throw new AppError(409, 'subdomain_stays', `${row.host} is the business's own subdomain; it cannot be removed.`)
    await client.query(`DELETE FROM public.domains WHERE id = $1`, [domainId])
    if (row.is_primary) {
      await client.query(`UPDATE public.domains SET is_primary = true WHERE tenant_id = $1 AND NOT is_custom`, [tenantId])
    }
    return row.host as string
  })
  hostCache.forgetHost(host)
  hostCache.forgetTenant(tenantId)
  await hostnames.remove(host).catch((error) => console.error(`custom hostname ${host}: could not deregister`, error))
  return listDomains(pool, tenantId)
}
