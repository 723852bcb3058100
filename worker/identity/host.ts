// Pure rules that turn a Host header into what it addresses: the marketing site, the
// platform, a tenant subdomain, or a candidate custom domain. No I/O here.

export type HostTarget =
  | { kind: 'marketing'; host: string }
  | { kind: 'platform'; host: string }
  | { kind: 'tenant-subdomain'; host: string; slug: string }
  | { kind: 'custom-domain'; host: string }
  | { kind: 'unknown'; host: string; reason: string }
  | { kind: 'invalid'; reason: string }

/** Subdomains that can never be tenant slugs. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  'www', 'platform', 'api', 'app', 'admin', 'auth', 'login', 'static', 'assets', 'cdn',
  'mail', 'smtp', 'status', 'docs', 'help', 'support', 'billing', 'ws', 'dev', 'staging',
])

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const PORT = /^\d{1,5}$/

/** Lower-cases, drops the port and a trailing dot; null when it is not a valid DNS host name. */
export function normalizeHost(raw: string | null | undefined): string | null {
  if (!raw) return null
  let host = raw.trim().toLowerCase()
  if (host.length === 0 || host.length > 260) return null
  if (host.startsWith('[')) return null // IP literals never address a tenant
  const colon = host.lastIndexOf(':')
  if (colon !== -1) {
    if (!PORT.test(host.slice(colon + 1))) return null
    host = host.slice(0, colon)
  }
  if (host.endsWith('.')) host = host.slice(0, -1)
  if (host.length === 0 || host.length > 253) return null
  const labels = host.split('.')
  if (!labels.every((label) => LABEL.test(label))) return null
  return host
}

export function classifyHost(rawHost: string | null | undefined, rootDomain: string): HostTarget {
  const host = normalizeHost(rawHost)
  if (!host) return { kind: 'invalid', reason: 'The Host header is missing or is not a valid host name.' }
  const root = rootDomain.toLowerCase()
  if (host === root || host === `www.${root}`) return { kind: 'marketing', host }
  if (host === `platform.${root}`) return { kind: 'platform', host }
  if (host.endsWith(`.${root}`)) {
    const sub = host.slice(0, -(root.length + 1))
    if (sub.includes('.')) return { kind: 'unknown', host, reason: 'Nested subdomains do not address a business.' }
    if (RESERVED_SLUGS.has(sub)) return { kind: 'unknown', host, reason: `"${sub}" is a reserved name.` }
    return { kind: 'tenant-subdomain', host, slug: sub }
  }
  if (/^\d+(\.\d+){3}$/.test(host) || host === 'localhost') {
    return { kind: 'unknown', host, reason: `Open the platform by name, e.g. http://platform.${root}` }
  }
  return { kind: 'custom-domain', host }
}
