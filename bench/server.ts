/**
 * The real OpenTrail, started in this process through the app's own wiring (parseConfig +
 * startApp) on a free loopback port, with a known admin key to sign requests with.
 */
import { startApp } from '../src/app/index.js'
import { parseConfig } from '../src/config/index.js'
import type { RunningApp } from '../src/app/index.js'
import type { Credentials } from './signed-fetch.js'
import { RequestSigner, send } from './signed-fetch.js'

export const BENCH_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIAOPENTRAILBENCH01',
  secretAccessKey: 'opentrail-bench-secret-local-only',
}

/** The config the benchmarks run with: loopback, a free port, quiet logs, the bench admin key. */
export function benchConfig(dataDir: string, extra: { deliveryInterval?: string; digestInterval?: string } = {}) {
  return parseConfig(
    { host: '127.0.0.1', port: 0, dataDir, logLevel: 'warn', ...extra },
    { OPENTRAIL_ADMIN_ACCESS_KEY_ID: BENCH_CREDENTIALS.accessKeyId, OPENTRAIL_ADMIN_SECRET_ACCESS_KEY: BENCH_CREDENTIALS.secretAccessKey },
  )
}

export async function startBenchServer(dataDir: string): Promise<RunningApp> {
  return startApp(benchConfig(dataDir))
}

/** The ARN of the account's default channel, read through the API as a client would. */
export async function defaultChannelArn(url: string): Promise<string> {
  const signer = new RequestSigner(url, BENCH_CREDENTIALS)
  const { status, text } = await send(await signer.controlPlane('ListChannels', {}))
  if (status !== 200) throw new Error(`ListChannels answered ${status}: ${text.slice(0, 200)}`)
  const channel = (JSON.parse(text) as { Channels?: { Name?: string; ChannelArn?: string }[] }).Channels?.find((c) => c.Name === 'default')
  if (!channel?.ChannelArn) throw new Error('the account has no default channel')
  return channel.ChannelArn
}
