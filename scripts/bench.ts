// npm run bench: booking storms, booking throughput (API vs plain SQL) and slot computation, on the
// embedded PGlite and, when BENCH_DATABASE_URL (or DATABASE_URL) names a PostgreSQL server, on a
// throw-away database there too. Each database gets its own platform (`tsx scripts/start.ts`) as a
// child process on its own port. Figures go to bench-results/ (git-ignored).
//
//   npm run bench -- [--db pglite,postgres] [--suites booking,fanout] [--storms 50,200] [--m 400]
//                    [--concurrency 32] [--runs 30] [--busy 2000] [--port 8897] [--source worktree|head|live]
//                    [--request-timeout 60] [--phase-timeout 120]   (seconds)
//                    [--sockets 1000] [--fan-tenants 10] [--fan-sockets 100] [--fan-rounds 5]   (realtime fan-out)
//
// Environment equivalents: BENCH_DB, BENCH_STORMS, BENCH_M, BENCH_CONCURRENCY, BENCH_RUNS,
// BENCH_BUSY, BENCH_PORT, BENCH_SOURCE, BENCH_SUITES, BENCH_SOCKETS, BENCH_FAN_TENANTS, BENCH_FAN_SOCKETS, BENCH_FAN_ROUNDS, BENCH_REQUEST_TIMEOUT, BENCH_PHASE_TIMEOUT. --source (scripts/bench/source.ts): by default the platform
// runs from a frozen copy of the working tree, because `wrangler dev` reloads the Worker on every
// source edit; `live` runs in place (reloads are then counted and reported). Exit code 1 when the storm invariant (exactly one winner, no overlapping
// live occupations) is violated or a database run fails; timings are never asserted.
import { cpus, loadavg, totalmem } from 'node:os'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createThrowawayDatabase, type ThrowawayDatabase } from './bench/db'
import { Endpoint } from './bench/http'
import { startPlatform, type Platform } from './bench/platform'
import { formatRun, type DatabaseRun } from './bench/report'
import { formatFanOut, runFanOut, type FanOutConfig } from './bench/fan-out'
import { measureEngine, runScenario, type BenchConfig, type Engine } from './bench/scenario'
import { prepareSource, type SourceMode } from './bench/source'

const root = resolve(import.meta.dirname, '..')

function option(name: string, env: string): string | undefined {
  const args = process.argv.slice(2)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === `--${name}`) return args[i + 1]
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3)
  }
  return process.env[env]
}

function positiveInt(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${what} must be a whole number > 0, got ${value}`)
  return n
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log(`npm run bench -- [--db pglite,postgres] [--suites booking,fanout] [--sockets 1000] [--fan-tenants 10] [--fan-sockets 100] [--fan-rounds 5] [--storms 50,200] [--m 400] [--concurrency 32] [--runs 30] [--busy 2000] [--port 8897] [--source worktree|head|live]
  [--request-timeout 60] [--phase-timeout 120]   (seconds; a booking unanswered after request-timeout is a failure,
                                                  the API throughput phase sends nothing new after phase-timeout)
PostgreSQL run when BENCH_DATABASE_URL (or DATABASE_URL) is set, e.g.
  BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench`)
  process.exit(0)
}

const serverUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || undefined
const wanted = (option('db', 'BENCH_DB') ?? 'pglite,postgres').split(',').map((s) => s.trim())
const basePort = positiveInt(option('port', 'BENCH_PORT'), 8897, '--port')
const runs = positiveInt(option('runs', 'BENCH_RUNS'), 30, '--runs')
const sourceMode = (option('source', 'BENCH_SOURCE') ?? 'worktree') as SourceMode
if (!['worktree', 'head', 'live'].includes(sourceMode)) throw new Error(`--source must be worktree, head or live, got ${sourceMode}`)
const config: BenchConfig = {
  storms: (option('storms', 'BENCH_STORMS') ?? '50,200').split(',').map((n) => positiveInt(n.trim(), 0, '--storms')),
  m: positiveInt(option('m', 'BENCH_M'), 400, '--m'),
  concurrency: positiveInt(option('concurrency', 'BENCH_CONCURRENCY'), 32, '--concurrency'),
  resources: 20,
  slotDays: 30,
  busyIntervals: positiveInt(option('busy', 'BENCH_BUSY'), 2000, '--busy'),
  engineRuns: runs,
  apiRuns: runs,
  warmups: 3,
  seed: 20260501,
  requestTimeoutMs: positiveInt(option('request-timeout', 'BENCH_REQUEST_TIMEOUT'), 60, '--request-timeout') * 1000,
  phaseTimeoutMs: positiveInt(option('phase-timeout', 'BENCH_PHASE_TIMEOUT'), 120, '--phase-timeout') * 1000,
}

const suites = (option('suites', 'BENCH_SUITES') ?? 'booking,fanout').split(',').map((s) => s.trim())
for (const suite of suites) if (suite !== 'booking' && suite !== 'fanout') throw new Error(`--suites takes booking and/or fanout, got ${suite}`)
const fanOutConfig: FanOutConfig = {
  sockets: positiveInt(option('sockets', 'BENCH_SOCKETS'), 1000, '--sockets'),
  tenants: positiveInt(option('fan-tenants', 'BENCH_FAN_TENANTS'), 10, '--fan-tenants'),
  socketsPerTenant: positiveInt(option('fan-sockets', 'BENCH_FAN_SOCKETS'), 100, '--fan-sockets'),
  rounds: positiveInt(option('fan-rounds', 'BENCH_FAN_ROUNDS'), 5, '--fan-rounds'),
}

const plan: { kind: DatabaseRun['kind']; label: string; port: number }[] = []
if (wanted.includes('pglite')) plan.push({ kind: 'pglite', label: 'PGlite (embedded)', port: basePort })
if (wanted.includes('postgres') || wanted.includes('postgresql')) {
  if (serverUrl) plan.push({ kind: 'postgresql', label: 'PostgreSQL', port: basePort + 1 })
  else console.log('(no BENCH_DATABASE_URL or DATABASE_URL: the PostgreSQL run is skipped)')
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return '?'
  }
}

const resultsDir = join(root, 'bench-results')
mkdirSync(resultsDir, { recursive: true })
const startedAt = new Date()
const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100)
const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
const log = (message: string) => console.log(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s] ${message}`)

// Whatever is running when we are interrupted is stopped before we go.
const cleanups = new Set<() => Promise<void>>()
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130)
    interrupted = true
    console.error(`\n${signal}: stopping the platform and dropping the throw-away database…`)
    void Promise.allSettled([...cleanups].map((c) => c())).finally(() => process.exit(130))
  })
}

const source = prepareSource(root, sourceMode)
process.on('exit', () => source.dispose())
// The in-process engine comes from the same sources as the Worker under test.
const engineModule = (await import(pathToFileURL(join(source.dir, 'worker', 'scheduling', 'availability.ts')).href)) as typeof import('../worker/scheduling/availability')
const engine: Engine = engineModule.availableSlots

console.log(
  `SmoothSchedule Edge benchmark — node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ` +
    `storms ${config.storms.join('/')}, M=${config.m}, concurrency ${config.concurrency}, ${runs} runs; ` +
    `sources: ${sourceMode === 'live' ? 'the repository itself (live)' : `a frozen copy (${sourceMode}) in ${source.dir}`}, ` +
    `HEAD ${source.gitHead?.slice(0, 10) ?? '?'} + ${source.uncommitted.length} uncommitted change(s)`,
)

const runsDone: DatabaseRun[] = []
for (const step of plan) {
  const run: DatabaseRun = { kind: step.kind, label: step.label, port: step.port }
  runsDone.push(run)
  let throwaway: ThrowawayDatabase | undefined
  let platform: Platform | undefined
  let stopPlatform: (() => Promise<void>) | undefined
  const endpoint = new Endpoint(step.port)
  try {
    if (step.kind === 'postgresql') {
      throwaway = await createThrowawayDatabase(serverUrl!)
      cleanups.add(throwaway.drop)
      run.server = throwaway.server
      run.database = throwaway.name
      run.version = throwaway.version
      log(`${step.label}: throw-away database ${throwaway.name} on ${throwaway.server}`)
    }
    let engineTiming: ReturnType<typeof measureEngine> | undefined
    if (suites.includes('booking')) {
      log(`${step.label}: slot engine in-process, ${config.engineRuns} runs (${config.slotDays} days × ${config.resources} resources, ${config.busyIntervals} busy intervals)`)
      engineTiming = measureEngine(engine, config)
      log(`${step.label}: slot engine median ${engineTiming.ms.median} ms, p95 ${engineTiming.ms.p95} ms`)
    }
    run.platformLog = join(resultsDir, `platform-${step.kind}.log`)
    log(`${step.label}: starting the platform on port ${step.port}`)
    platform = await startPlatform({
      root,
      cwd: source.dir,
      port: step.port,
      inspectorPort: step.port + 10_000,
      databaseUrl: throwaway?.url,
      logFile: run.platformLog,
      label: step.kind,
      onSpawn: (stop) => {
        stopPlatform = stop
        cleanups.add(stop)
      },
    })
    run.startupSeconds = Math.round(platform.startupSeconds * 10) / 10
    log(`${step.label}: platform up in ${run.startupSeconds}s`)
    if (step.kind === 'pglite') run.version = `PGlite ${packageVersion('@electric-sql/pglite')} via pglite-socket ${packageVersion('@electric-sql/pglite-socket')}`
    if (suites.includes('booking')) run.result = await runScenario(platform, endpoint, config, (m) => log(`${step.label}: ${m}`), engine, engineTiming!)
    if (suites.includes('fanout')) run.fanOut = await runFanOut(platform, endpoint, source.dir, fanOutConfig, (m) => log(`${step.label}: ${m}`))
  } catch (error) {
    run.error = error instanceof Error ? (error.stack ?? error.message) : String(error)
    log(`${step.label}: FAILED: ${error instanceof Error ? error.message : error}`)
  } finally {
    endpoint.close()
    if (stopPlatform) {
      log(`${step.label}: stopping the platform`)
      await stopPlatform().catch((e) => console.error('stopping the platform:', e))
      cleanups.delete(stopPlatform)
    }
    if (throwaway) {
      await throwaway.drop().then(
        () => log(`${step.label}: dropped ${throwaway!.name}`),
        (e) => console.error(`could not drop ${throwaway!.name}:`, e),
      )
      cleanups.delete(throwaway.drop)
    }
  }
}

const finishedAt = new Date()
const violated = runsDone.some((r) => r.result?.storms.some((s) => !s.invariantHolds))
const failed = runsDone.some((r) => r.error)
const report = {
  startedAt: startedAt.toISOString(),
  finishedAt: finishedAt.toISOString(),
  durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cores: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  suites,
  fanOutConfig,
  config: { ...config, stormSizes: config.storms, N: config.storms, M: config.m, basePort },
  source: { mode: source.mode, gitHead: source.gitHead, uncommitted: source.uncommitted },
  invariant: { holds: !violated, rule: 'each storm: exactly one 201, zero overlapping live occupations of a resource' },
  databases: runsDone.map((r) => ({ ...r, kind: r.kind })),
}
const file = join(resultsDir, `bench-${stamp}.json`)
writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
writeFileSync(join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n')

for (const run of runsDone) {
  console.log(formatRun(run))
  if (run.fanOut) console.log(formatFanOut(run.fanOut))
}
console.log(`\nWhole run ${report.durationSeconds} s. Results: ${file} (and bench-results/latest.json)`)
if (violated) console.error('STORM INVARIANT VIOLATED: see the tables above.')
if (failed) console.error('A database run failed: see above and the platform log in bench-results/.')
source.dispose()
process.exit(violated || failed ? 1 : 0)
