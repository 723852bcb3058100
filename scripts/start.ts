// npm start: the whole local platform. Embedded Postgres (unless DATABASE_URL is set), the
// WebSocket proxy, migrations, seed, the Remix build and `wrangler dev`; Ctrl-C stops it all.
import { startLocalDns, type LocalDns } from './lib/local-dns'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { join, resolve } from 'node:path'
import { migrateAllTenants, migratePublic } from '../db/migrate'
import { openLocalDatabase, type LocalDatabase } from './lib/local-db'
import { connectDatabase } from './lib/node-db'
import { seedPlatform } from './lib/seed'

const root = resolve(import.meta.dirname, '..')
const bin = (name: string) => join(root, 'node_modules', '.bin', name)
const port = Number(process.env.PORT ?? 8787)
const rootDomain = (process.env.ROOT_DOMAIN ?? 'lvh.me').toLowerCase()
const dataDir = resolve(process.env.SS_DATA_DIR ?? join(root, '.data'))
const skipBuild = process.env.SKIP_BUILD === '1'

let local: LocalDatabase | undefined
let wrangler: ChildProcess | undefined
let dns: LocalDns | undefined
let stopping = false

async function stop(code: number): Promise<never> {
  if (stopping) process.exit(code)
  stopping = true
  console.log('\nStopping…')
  if (wrangler && wrangler.exitCode === null && wrangler.pid) {
    const exited = new Promise((r) => wrangler!.once('exit', r))
    try {
      process.kill(-wrangler.pid, 'SIGTERM') // its own process group: wrangler and workerd
    } catch {
      // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))])
    if (wrangler.exitCode === null) {
      try {
        process.kill(-wrangler.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  await local?.close().catch((e) => console.error('closing the database:', e))
  await dns?.close().catch(() => undefined)
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))

function step(message: string) {
  console.log(`• ${message}`)
}

/** A random secret generated on first start and kept in the data folder (git-ignored). */
function localSecret(name: string): string {
  const file = join(dataDir, name)
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  return readFileSync(file, 'utf8').trim()
}

/** fetch() may not set Host, and *.lvh.me needs DNS; so ask 127.0.0.1 with an explicit Host header. */
function getWithHost(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { host }, timeout: 10_000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timed out')))
  })
}

async function waitForHealth(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    if (wrangler?.exitCode !== null) throw new Error('wrangler dev exited before the platform came up')
    try {
      const res = await getWithHost(`platform.${rootDomain}:${port}`, '/api/health')
      if (res.status === 200) return
      last = `${res.status} ${res.body}`
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`the platform did not become healthy within ${timeoutMs / 1000}s (last answer: ${last})`)
}

try {
  mkdirSync(dataDir, { recursive: true })
  step(process.env.DATABASE_URL ? 'Using the PostgreSQL in DATABASE_URL' : `Starting the embedded database (${dataDir})`)
  local = await openLocalDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir })

  const database = connectDatabase({ databaseUrl: local.databaseUrl, wsProxy: local.wsProxy })
  try {
    const pub = await migratePublic(database.pool)
    const tenants = await migrateAllTenants(database.pool)
    step(`Migrations: public ${pub.applied.length ? `+${pub.applied.length}` : 'up to date'}, ${tenants.total} tenant schema(s), ${tenants.changed} migrated`)
    if (tenants.failed.length) throw new Error(`tenant migrations failed: ${JSON.stringify(tenants.failed)}`)
    const seeded = await seedPlatform(database, rootDomain)
    step(seeded.created.length ? `Seeded ${seeded.created.join(', ')}` : 'Seed data already present')
  } finally {
    await database.close()
  }

  if (!skipBuild) {
    step('Building the Remix app')
    const build = spawnSync(bin('remix'), ['vite:build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    if (build.status !== 0) throw new Error('the Remix build failed')
  }

  // Custom domains are verified against this resolver locally (publish records with PUT /records/<name>).
  dns = await startLocalDns(Number(process.env.DNS_PORT ?? 0))
  const envFile = join(dataDir, 'dev.env')
  writeFileSync(
    envFile,
    [
      `DATABASE_URL=${local.databaseUrl}`,
      `NEON_WS_PROXY=${local.wsProxy}`,
      `ROOT_DOMAIN=${rootDomain}`,
      `PLATFORM_BOOTSTRAP_TOKEN=${localSecret('platform-token')}`,
      `AUTH_SIGNING_KEYS=dev1:${localSecret('signing-key')}`,
      `DATA_ENCRYPTION_KEY=${localSecret('data-key')}`,
      `DNS_RESOLVER_URL=${dns.url}`,
      // links in notifications (manage your booking) point at this local server
      'PUBLIC_URL_SCHEME=http',
      `PUBLIC_URL_PORT=${port}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  step(`Starting wrangler dev on 127.0.0.1:${port}`)
  wrangler = spawn(
    bin('wrangler'),
    [
      'dev',
      '--ip', '127.0.0.1',
      '--port', String(port),
      '--inspector-port', String(Number(process.env.INSPECTOR_PORT ?? port + 10_000)),
      '--env-file', envFile,
      '--persist-to', join(dataDir, 'wrangler'),
      '--show-interactive-dev-session=false',
    ],
    { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  )
  wrangler.on('exit', (code) => {
    if (!stopping) {
      console.error(`wrangler dev exited (${code}); stopping the platform`)
      void stop(1)
    }
  })
  await waitForHealth(120_000)

  const base = (host: string) => `http://${host}:${port}`
  console.log(`
SmoothSchedule Edge is running.
  Platform      ${base(`platform.${rootDomain}`)}
  Demo business ${base(`demo.${rootDomain}`)}
  Marketing     ${base(rootDomain)}
  API health    ${base(`platform.${rootDomain}`)}/api/health
  Platform API  token in ${join(dataDir, 'platform-token')} (Authorization: Bearer …)
  Local DNS     ${dns.url} (TXT records for custom domains: PUT ${dns.url.replace('/dns-query', '/records/<name>')})
Press Ctrl-C to stop.`)
} catch (error) {
  console.error(`npm start failed: ${error instanceof Error ? error.message : error}`)
  await stop(1)
}
