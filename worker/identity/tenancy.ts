// Tenancy: which business (if any) a request's Host addresses. Host → tenant lookups are
// cached inside the isolate for a short TTL, so most requests pay no query for routing.
import { and, eq, isNotNull } from 'drizzle-orm'
import type { Db } from '../../db/client'
import { domains, tenants, type TenantRow } from '../../db/public'
import { classifyHost, type HostTarget } from './host'

export interface TenantSummary {
  id: string
  slug: string
  name: string
  schemaName: string
  status: TenantRow['status']
  timeZone: string
  plan: string
  shard: string
  isDemo: boolean
}

export type Tenancy =
  | { kind: 'marketing'; host: string }
  | { kind: 'platform'; host: string }
  | { kind: 'tenant'; host: string; via: 'subdomain' | 'custom-domain'; tenant: TenantSummary }

export type TenancyOutcome =
  | { ok: true; tenancy: Tenancy }
  | { ok: false; status: 400 | 404; code: 'invalid_host' | 'unknown_host'; message: string }

export interface TenantLookup {
  bySlug(slug: string): Promise<TenantSummary | null>
  byVerifiedDomain(host: string): Promise<TenantSummary | null>
}

const summaryColumns = {
  id: tenants.id,
  slug: tenants.slug,
  name: tenants.name,
  schemaName: tenants.schemaName,
  status: tenants.status,
  timeZone: tenants.timeZone,
  plan: tenants.plan,
  shard: tenants.shard,
  isDemo: tenants.isDemo,
}

export function databaseTenantLookup(db: Db): TenantLookup {
  return {
    async bySlug(slug) {
      const rows = await db.select(summaryColumns).from(tenants).where(eq(tenants.slug, slug)).limit(1)
      return rows[0] ?? null
    },
    async byVerifiedDomain(host) {
      const rows = await db
        .select(summaryColumns)
        .from(domains)
        .innerJoin(tenants, eq(tenants.id, domains.tenantId))
        .where(and(eq(domains.host, host), isNotNull(domains.verifiedAt)))
        .limit(1)
      return rows[0] ?? null
    },
  }
}

interface CacheEntry {
  tenant: TenantSummary | null
  expiresAt: number
}

/** Isolate-local cache; misses are cached for a shorter time than hits. */
export class HostCache {
  private readonly entries = new Map<string, CacheEntry>()

  constructor(
    private readonly maxEntries = 2_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key)
      return undefined
    }
    return entry
  }

  set(key: string, tenant: TenantSummary | null, ttlMs: number): void {
    if (ttlMs <= 0) return
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(key, { tenant, expiresAt: this.now() + ttlMs })
  }

  clear(): void {
    this.entries.clear()
  }

  /** Drops what is cached for one host (a domain was verified or removed), found or not. */
  forgetHost(host: string): void {
    for (const key of [...this.entries.keys()]) if (key.endsWith(`:${host}`)) this.entries.delete(key)
  }

  /** Drops every cached host of one tenant (its name, zone or status changed). */
  forgetTenant(tenantId: string): void {
    for (const [key, entry] of this.entries) if (entry.tenant?.id === tenantId) this.entries.delete(key)
  }
}

/**
 * One cache per isolate, shared by the Worker's modules and the Remix server build (a bundle of
 * its own, with its own copy of this module): a page action that verifies or removes a domain must
 * invalidate the cache the router reads.
 */
export const hostCache: HostCache = ((globalThis as { __smoothScheduleHostCache?: HostCache }).__smoothScheduleHostCache ??= new HostCache())

export async function resolveTenancy(
  rawHost: string | null | undefined,
  options: { rootDomain: string; lookup: TenantLookup; cache?: HostCache; ttlSeconds?: number },
): Promise<TenancyOutcome> {
  const target: HostTarget = classifyHost(rawHost, options.rootDomain)
  switch (target.kind) {
    case 'invalid':
      return { ok: false, status: 400, code: 'invalid_host', message: target.reason }
    case 'unknown':
      return { ok: false, status: 404, code: 'unknown_host', message: `No business lives at ${target.host}. ${target.reason}` }
    case 'marketing':
    case 'platform':
      return { ok: true, tenancy: target }
  }
  const cache = options.cache ?? hostCache
  const ttlMs = (options.ttlSeconds ?? 30) * 1000
  const key = `${target.kind}:${target.host}`
  let entry = cache.get(key)
  if (!entry) {
    const tenant =
      target.kind === 'tenant-subdomain'
        ? await options.lookup.bySlug(target.slug)
        : await options.lookup.byVerifiedDomain(target.host)
    cache.set(key, tenant, tenant ? ttlMs : Math.min(ttlMs, 5_000))
    entry = { tenant, expiresAt: 0 }
  }
  if (!entry.tenant) {
    return { ok: false, status: 404, code: 'unknown_host', message: `No business lives at ${target.host}.` }
  }
  return {
    ok: true,
    tenancy: {
      kind: 'tenant',
      host: target.host,
      via: target.kind === 'tenant-subdomain' ? 'subdomain' : 'custom-domain',
      tenant: entry.tenant,
    },
  }
}
