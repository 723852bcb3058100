// Starts the whole local platform (`tsx scripts/start.ts`) for the browser tests, on ports of its
// own and a throw-away data folder, and stops it afterwards. Its output goes to
// test-results/e2e-platform.log.
import { spawn } from 'node:child_process'
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The port the platform listens on: http://<host>.lvh.me:<port>. */
    e2ePort: number
    /** The platform's break-glass token (start.ts writes it into the data folder), for reading the outbox. */
    e2ePlatformToken: string
    /** The platform's local DNS-over-HTTPS resolver (publish TXT records with PUT /records/<name>). */
    e2eDnsUrl: string
  }
}

const root = resolve(import.meta.dirname, '..', '..')
const PORT = Number(process.env.E2E_PORT ?? 8797)
const INSPECTOR_PORT = PORT + 10_000
const DNS_PORT = PORT + 1_000
const READY = 'SmoothSchedule Edge is running.'
const START_TIMEOUT_MS = 180_000
const STOP_TIMEOUT_MS = 15_000

export default async function setup(project: TestProject) {
  for (const port of [PORT, INSPECTOR_PORT, DNS_PORT]) {
    if (!(await isFree(port))) {
      throw new Error(`port ${port} on 127.0.0.1 is in use; stop what listens there or pick another with E2E_PORT`)
    }
  }
  const resultsDir = join(root, 'test-results')
  mkdirSync(resultsDir, { recursive: true })
  const logFile = join(resultsDir, 'e2e-platform.log')
  const log = createWriteStream(logFile)
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-e2e-'))
  const started = Date.now()
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`
  log.write(`[e2e] starting the platform on port ${PORT} (inspector ${INSPECTOR_PORT}), data in ${dataDir}\n`)

  // Always the embedded database in the fresh data folder, never a DATABASE_URL from the shell.
  const { DATABASE_URL: _ignored, ...env } = process.env
  const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], {
    cwd: root,
    detached: true, // its own process group, so teardown can stop tsx and the node it runs together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      PORT: String(PORT),
      INSPECTOR_PORT: String(INSPECTOR_PORT),
      DNS_PORT: String(DNS_PORT),
      SS_DATA_DIR: dataDir,
      FORCE_COLOR: '0',
    },
  })
  const pid = child.pid
  let output = ''
  const exited = new Promise<void>((done) => child.once('exit', () => done()))

  const stop = async () => {
    if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
      log.write(`\n[e2e] SIGTERM to the platform's process group at ${seconds()}\n`)
      try {
        process.kill(-pid, 'SIGTERM') // start.ts stops wrangler dev and the database on SIGTERM
      } catch {
        // already gone
      }
      const stopped = await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS).then(() => false)])
      if (!stopped) {
        log.write(`\n[e2e] platform did not stop within ${STOP_TIMEOUT_MS / 1000}s; SIGKILL\n`)
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // already gone
        }
        await Promise.race([exited, sleep(5_000)])
      }
    }
    log.write(`[e2e] platform stopped (${child.signalCode ?? child.exitCode}) at ${seconds()}\n`)
    await new Promise<void>((done) => log.end(done))
    rmSync(dataDir, { recursive: true, force: true })
  }

  await new Promise<void>((ready, fail) => {
    const failWith = (reason: string) => {
      clearTimeout(timer)
      fail(new Error(`${reason}\n--- platform output (also in ${logFile}) ---\n${output}`))
    }
    const timer = setTimeout(
      () => failWith(`the platform did not start within ${START_TIMEOUT_MS / 1000}s`),
      START_TIMEOUT_MS,
    )
    let isReady = false
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8')
      log.write(text)
      output += text
      if (!isReady && output.includes(READY)) {
        isReady = true
        clearTimeout(timer)
        log.write(`[e2e] ready after ${seconds()}\n`)
        ready()
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('error', (error) => failWith(`could not start the platform: ${error.message}`))
    child.once('exit', (code, signal) => failWith(`the platform exited (${signal ?? code}) before it was ready`))
  }).catch(async (error: unknown) => {
    await stop()
    throw error
  })

  project.provide('e2ePort', PORT)
  project.provide('e2eDnsUrl', `http://127.0.0.1:${DNS_PORT}/dns-query`)
  project.provide('e2ePlatformToken', readFileSync(join(dataDir, 'platform-token'), 'utf8').trim())
  return stop
}

function isFree(port: number): Promise<boolean> {
  return new Promise((answer) => {
    const probe = createServer()
    probe.once('error', () => answer(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => answer(true)))
  })
}

/** A wait that does not keep the process alive (vitest would otherwise linger until it ends). */
function sleep(ms: number) {
  return new Promise<void>((done) => setTimeout(done, ms).unref())
}
