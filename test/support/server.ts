/**
 * Starts the real `opentrail serve` (the built CLI) as a child process on a free port with
 * a fresh data dir, for end-to-end tests. Readiness is the server's own "listening" line.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'

export const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js')

export interface TestServer {
  endpoint: string
  dataDir: string
  accountId: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  process: ChildProcess
  /** Output so far, for diagnosing failures. */
  output(): string
  client(region?: string, credentials?: { accessKeyId: string; secretAccessKey: string }): CloudTrailClient
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>
  /** Removes the data dir (after stop). */
  cleanup(): void
}

export interface StartOptions {
  dataDir?: string
  args?: string[]
  env?: Record<string, string>
  credentials?: { accessKeyId: string; secretAccessKey: string }
}

let keyCounter = 0

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'opentrail-e2e-'))
  const credentials = options.credentials ?? {
    accessKeyId: `AKIATEST${String(process.pid).padStart(8, '0')}${String(keyCounter++).padStart(4, '0')}`,
    secretAccessKey: 'test-secret-key-for-e2e-tests-only',
  }
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn', ...(options.args ?? [])], {
    env: {
      ...process.env,
      OPENTRAIL_ADMIN_ACCESS_KEY_ID: credentials.accessKeyId,
      OPENTRAIL_ADMIN_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))

  const endpoint = await new Promise<string>((resolveUrl, reject) => {
    const onData = () => {
      const m = /OpenTrail listening on (http:\/\/\S+)/.exec(out)
      if (m) {
        child.stdout!.off('data', onData)
        resolveUrl(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)))
  })
  const accountId = /account:\s+(\d{12})/.exec(out)?.[1] ?? ''

  return {
    endpoint,
    dataDir,
    accountId,
    credentials,
    process: child,
    output: () => out,
    client: (region = 'us-east-1', creds = credentials) => new CloudTrailClient({ endpoint, region, credentials: creds, maxAttempts: 1 }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      await exited
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
