// Starts the whole local platform (`tsx scripts/start.ts`) as a child process for one benchmark run,
// the way test/e2e/global-setup.ts does: its own port and inspector port, a throw-away data folder,
// its own process group; stopped by SIGTERM to that group (SIGKILL if it lingers).
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const READY = 'SmoothSchedule Edge is running.'
const START_TIMEOUT_MS = 180_000
const STOP_TIMEOUT_MS = 15_000

export interface Platform {
  port: number
  dataDir: string
  /** break-glass SUPERUSER token for /api/platform/* */
  token: string
  /** what the Worker uses (from <dataDir>/dev.env): the database and the Neon WebSocket proxy */
  databaseUrl: string
  wsProxy: string
  logFile: string
  startupSeconds: number
  /** what the platform printed after it was ready that a benchmark must know about */
  events: PlatformEvent[]
  /** when the platform last printed anything (epoch ms) */
  lastOutputAt(): number
  stop(): Promise<void>
}

/** A `wrangler dev` reload (it watches the sources: an edit elsewhere restarts the Worker) or an unhandled error. */
export interface PlatformEvent {
  at: number
  kind: 'reload' | 'error'
  text: string
}

const ANSI = /\u001b\[[0-9;]*m/g

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const probe = createServer()
    probe.once('error', () => answer(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => answer(true)))
  })
}

function sleep(ms: number) {
  return new Promise<void>((done) => setTimeout(done, ms).unref())
}

/** Pids of processes whose command line mentions `text` (Linux /proc). */
function processesMentioning(text: string): number[] {
  if (!existsSync('/proc')) return []
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry))
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  return pids
}

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

export async function startPlatform(options: {
  root: string
  /** the folder `tsx scripts/start.ts` runs in (a frozen copy of the sources, or root itself) */
  cwd: string
  port: number
  inspectorPort: number
  /** a PostgreSQL database for the platform; unset: the embedded PGlite in the data folder */
  databaseUrl?: string
  logFile: string
  label: string
  /** called with the running child's stop function as soon as it is spawned (for signal handlers) */
  onSpawn?: (stop: () => Promise<void>) => void
}): Promise<Platform> {
  for (const port of [options.port, options.inspectorPort]) {
    if (!(await isPortFree(port))) {
      throw new Error(`port ${port} on 127.0.0.1 is in use; stop what listens there or pick another with --port / BENCH_PORT`)
    }
  }
  const log = createWriteStream(options.logFile)
  const dataDir = mkdtempSync(join(tmpdir(), `ss-bench-${options.label}-`))
  const started = Date.now()
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
  log.write(`[bench] starting the platform (${options.label}) on port ${options.port} (inspector ${options.inspectorPort}), data in ${dataDir}\n`)

  // Never inherit a DATABASE_URL from the shell: the embedded run must be embedded.
  const { DATABASE_URL: _shellUrl, BENCH_DATABASE_URL: _benchUrl, ...env } = process.env
  const skipBuild = existsSync(join(options.cwd, 'build', 'server', 'index.js'))
  const child = spawn(join(options.root, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
    cwd: options.cwd,
    detached: true, // its own process group: tsx, the node it runs, wrangler and workerd stop together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      PORT: String(options.port),
      INSPECTOR_PORT: String(options.inspectorPort),
      SS_DATA_DIR: dataDir,
      FORCE_COLOR: '0',
      ...(skipBuild ? { SKIP_BUILD: '1' } : {}),
    },
  })
  const pid = child.pid
  let output = ''
  const events: PlatformEvent[] = []
  let partial = ''
  let lastOutput = Date.now()
  const watch = (text: string) => {
    lastOutput = Date.now()
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const raw of lines) {
      const line = raw.replace(ANSI, '')
      if (/Reloading local server/.test(line)) events.push({ at: Date.now(), kind: 'reload', text: line.trim() })
      else if (/\[ERROR\]|unhandled error/i.test(line)) events.push({ at: Date.now(), kind: 'error', text: line.replace(/^.*?\[ERROR\]\s*/, '').trim().slice(0, 400) })
    }
  }
  const exited = new Promise<void>((done) => child.once('exit', () => done()))

  let stopping: Promise<void> | undefined
  const stop = () =>
    (stopping ??= (async () => {
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        log.write(`\n[bench] SIGTERM to the platform's process group at ${seconds()}\n`)
        try {
          process.kill(-pid, 'SIGTERM') // start.ts stops wrangler dev and the database on SIGTERM
        } catch {
          // already gone
        }
        const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])
        if (!stopped) {
          log.write(`\n[bench] platform did not stop within ${STOP_TIMEOUT_MS / 1000}s; SIGKILL\n`)
          try {
            process.kill(-pid, 'SIGKILL')
          } catch {
            // already gone
          }
          await Promise.race([exited, sleep(5_000)])
        }
      }
      // Whatever of the group is left (workerd is in it too) goes now.
      if (pid !== undefined) {
        try {
          process.kill(-pid, 0)
          process.kill(-pid, 'SIGKILL')
        } catch {
          // the group is gone
        }
      }
      // wrangler dev runs in a process group of its own (start.ts stops it on SIGTERM); if start.ts
      // had to be killed, stop what still runs with our data folder on its command line.
      for (const leftover of processesMentioning(dataDir)) {
        log.write(`[bench] stopping leftover process ${leftover}\n`)
        try {
          process.kill(leftover, 'SIGKILL')
        } catch {
          // gone meanwhile
        }
      }
      log.write(`[bench] platform stopped (${child.signalCode ?? child.exitCode}) at ${seconds()}\n`)
      await new Promise<void>((done) => log.end(done))
      rmSync(dataDir, { recursive: true, force: true })
    })())
  options.onSpawn?.(stop)

  await new Promise<void>((ready, fail) => {
    const failWith = (reason: string) => {
      clearTimeout(timer)
      fail(new Error(`${reason}\n--- platform output (also in ${options.logFile}) ---\n${output.slice(-4000)}`))
    }
    const timer = setTimeout(() => failWith(`the platform did not start within ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS)
    let isReady = false
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      log.write(text)
      if (!isReady) output += text
      else watch(text)
      if (!isReady && output.includes(READY)) {
        isReady = true
        clearTimeout(timer)
        log.write(`[bench] ready after ${seconds()}\n`)
        ready()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('error', (error) => failWith(`could not start the platform: ${error.message}`))
    child.once('exit', (code, signal) => {
      if (!isReady) failWith(`the platform exited (${signal ?? code}) before it was ready`)
    })
  }).catch(async (error: unknown) => {
    await stop()
    throw error
  })

  const startupSeconds = (Date.now() - started) / 1000
  const devEnv = readEnvFile(join(dataDir, 'dev.env'))
  return {
    port: options.port,
    dataDir,
    token: readFileSync(join(dataDir, 'platform-token'), 'utf8').trim(),
    databaseUrl: devEnv.DATABASE_URL!,
    wsProxy: devEnv.NEON_WS_PROXY!,
    logFile: options.logFile,
    startupSeconds,
    events,
    lastOutputAt: () => lastOutput,
    stop,
  }
}
