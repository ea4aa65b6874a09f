/**
 * Starts a throwaway moto server (an in-memory fake of AWS) for tests that need real S3 wire
 * behaviour. Resolves undefined when moto_server is not installed, so suites can skip with a
 * visible warning; in CI (CI=true) a missing moto_server throws, so the suite fails instead.
 *
 * @example
 * const moto = await startMoto()
 * describe.skipIf(moto === undefined)('S3 store', () => { ... })
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

/** Credentials and Region moto accepts (it checks no signatures). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const
export const MOTO_REGION = 'us-east-1'

/** How long moto may take to answer its first request (Python start-up is slow on cold caches). */
const READY_TIMEOUT_MS = 30_000
const READY_POLL_INTERVAL_MS = 100
const STOP_TIMEOUT_MS = 5_000
/** What a pyenv shim exits with when the command exists in no installed Python. */
const COMMAND_NOT_FOUND_EXIT = 127

export interface MotoServer {
  /** e.g. `http://127.0.0.1:41234`; use with forcePathStyle. */
  endpoint: string
  stop(): Promise<void>
}

export async function startMoto(): Promise<MotoServer | undefined> {
  const command = process.env.MOTO_SERVER ?? 'moto_server'
  const port = await freePort()
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8')
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000)
  })
  let exit: { missing: boolean; detail: string } | undefined
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      exit ??= { missing: error.code === 'ENOENT', detail: error.message }
      resolve()
    })
    child.once('exit', (code, signal) => {
      exit ??= { missing: code === COMMAND_NOT_FOUND_EXIT, detail: `exited with ${code ?? signal}: ${stderr}` }
      resolve()
    })
  })

  const endpoint = `http://127.0.0.1:${port}`
  let ready: boolean
  try {
    ready = await waitUntilAnswering(endpoint, () => exit === undefined)
  } catch (error) {
    await stopChild(child, exited)
    throw error
  }
  if (ready) return { endpoint, stop: () => stopChild(child, exited) }

  if (exit === undefined || !exit.missing) throw new Error(`moto_server failed to start: ${exit?.detail}`)
  if (isCi()) throw new Error(`moto_server not found (${command}); S3 tests must run in CI`)
  console.warn('skipping S3 tests: moto_server not found')
  return undefined
}

function isCi(): boolean {
  const ci = process.env.CI?.toLowerCase()
  return ci === 'true' || ci === '1'
}

/** Asks the OS for a free port by listening on port 0, then frees it for moto. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('could not read the free port')
  return address.port
}

/**
 * Polls until the server answers any HTTP request (readiness, not a fixed wait). Resolves
 * false as soon as the process is gone; throws when it runs but never answers.
 */
async function waitUntilAnswering(endpoint: string, isRunning: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (!isRunning()) return false
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) })
      await response.arrayBuffer()
      return true
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`moto_server at ${endpoint} did not answer`, { cause: error })
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_INTERVAL_MS))
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
  await exited
  clearTimeout(timer)
}
