/**
 * Section "lookup": LookupEvents latency and requests/s on the large data set, by
 * Username (200 distinct) and by EventName (300 distinct), through raw SigV4-signed
 * keep-alive requests (the AWS SDK client would add its own CPU cost on the same two
 * cores; the wire requests are the same).
 *
 * Baseline: ListChannels on the same server, same key, same client. It is the cheapest
 * honest floor for a control-plane call: the same SigV4 check, JSON parse and answer,
 * and, like every control-plane call OpenTrail serves, its own management event made
 * durable in the journal before the answer; only the query itself is missing. So the
 * ratio is what the Event History query costs on top of a signed, recorded API call.
 * GET /health (no auth, no journal) is shown too, as the bare HTTP floor.
 *
 * Each target runs twice: one client in sequence (unloaded latency) and N concurrent
 * clients (throughput, and latency under that load, which the targets are judged on).
 */
import type { Dataset } from './dataset.js'
import { eventNames, userNames } from './events.js'
import { runLoad } from './load.js'
import type { ClientPlacement, LoadResult, RequestTarget } from './load.js'
import type { Row, SectionResult } from './report.js'
import { BENCH_CREDENTIALS, startBenchServer } from './server.js'
import { formatMs, formatNumber, perSecond, summarizeLatencies } from './stats.js'

export interface LookupOptions {
  concurrency: number
  serialRequests: number
  loadedDurationMs: number
  client: ClientPlacement
}

const TARGET_P99_MS = 20
const TARGET_RPS = 1_000
/** Requests of the cold pass (the first after start, one client). */
const COLD_REQUESTS = 100
/** CloudTrail's own LookupEvents limit per account and Region. */
const CLOUDTRAIL_RPS = 2

interface Measured {
  /** One client, the first requests after the server started: LookupEvents' cache of serialised events is still empty. */
  cold: ReturnType<typeof summarizeLatencies>
  serial: ReturnType<typeof summarizeLatencies>
  loaded: ReturnType<typeof summarizeLatencies>
  rps: number
  failures: number
  firstFailure?: string
  eventsPerAnswer?: number
}

export async function benchLookup(dataset: Dataset, options: LookupOptions, log: (line: string) => void): Promise<SectionResult> {
  const t0 = performance.now()
  const app = await startBenchServer(dataset.dataDir)
  const startupMs = performance.now() - t0
  const users = userNames()
  const names = eventNames()
  const measure = async (target: RequestTarget, seed: number): Promise<Measured> => {
    const spec = { kind: 'requests', endpoint: app.url, credentials: BENCH_CREDENTIALS, target, users, eventNames: names } as const
    const cold = await runLoad({ ...spec, concurrency: 1, maxRequests: COLD_REQUESTS, maxDurationMs: 20_000, seed: seed + 4 }, options.client)
    await runLoad({ ...spec, concurrency: options.concurrency, maxRequests: 500, maxDurationMs: 2_000, seed: seed + 1 }, options.client)
    const serial = await runLoad({ ...spec, concurrency: 1, maxRequests: options.serialRequests, maxDurationMs: 20_000, seed: seed + 2 }, options.client)
    const loaded = await runLoad({ ...spec, concurrency: options.concurrency, maxRequests: 1_000_000, maxDurationMs: options.loadedDurationMs, seed: seed + 3 }, options.client)
    const failed = [serial, loaded].find((r: LoadResult) => r.failures > 0)
    log(`  ${target}: ${formatNumber(perSecond(loaded.requests, loaded.elapsedMs), 0)} req/s`)
    return {
      cold: summarizeLatencies(cold.latenciesMs),
      serial: summarizeLatencies(serial.latenciesMs),
      loaded: summarizeLatencies(loaded.latenciesMs),
      rps: perSecond(loaded.requests, loaded.elapsedMs),
      failures: cold.failures + serial.failures + loaded.failures,
      firstFailure: failed?.firstFailure,
      eventsPerAnswer: loaded.eventsPerAnswer,
    }
  }
  try {
    const health = await measure('health', 11)
    const floor = await measure('ListChannels', 21)
    const byUser = await measure('LookupEvents:Username', 31)
    const byName = await measure('LookupEvents:EventName', 41)
    const c = options.concurrency
    const rows: Row[] = []
    for (const [label, m] of [['by Username', byUser], ['by EventName', byName]] as const) {
      rows.push(
        { metric: `LookupEvents ${label}: req/s (${c} clients)`, value: formatNumber(m.rps, 0), baseline: formatNumber(floor.rps, 0), ratio: m.rps / floor.rps, target: `> ${formatNumber(TARGET_RPS, 0)} req/s`, pass: m.rps > TARGET_RPS },
        { metric: `  p50 (${c} clients)`, value: formatMs(m.loaded.p50Ms), baseline: formatMs(floor.loaded.p50Ms), ratio: m.loaded.p50Ms / floor.loaded.p50Ms },
        { metric: `  p99 (${c} clients)`, value: formatMs(m.loaded.p99Ms), baseline: formatMs(floor.loaded.p99Ms), ratio: m.loaded.p99Ms / floor.loaded.p99Ms, target: `< ${TARGET_P99_MS} ms`, pass: m.loaded.p99Ms < TARGET_P99_MS },
        { metric: '  p50 (1 client)', value: formatMs(m.serial.p50Ms), baseline: formatMs(floor.serial.p50Ms), ratio: m.serial.p50Ms / floor.serial.p50Ms },
        { metric: '  p99 (1 client)', value: formatMs(m.serial.p99Ms), baseline: formatMs(floor.serial.p99Ms), ratio: m.serial.p99Ms / floor.serial.p99Ms, target: `< ${TARGET_P99_MS} ms`, pass: m.serial.p99Ms < TARGET_P99_MS },
        { metric: `  p50 / p99 (1 client, cold)`, value: `${formatMs(m.cold.p50Ms)} / ${formatMs(m.cold.p99Ms)}`, baseline: `${formatMs(floor.cold.p50Ms)} / ${formatMs(floor.cold.p99Ms)}`, ratio: m.cold.p99Ms / floor.cold.p99Ms },
      )
    }
    rows.push(
      { metric: `GET /health: req/s (${c} clients)`, value: formatNumber(health.rps, 0) },
      { metric: '  p50 / p99 (1 client)', value: `${formatMs(health.serial.p50Ms)} / ${formatMs(health.serial.p99Ms)}` },
    )
    const failures = [health, floor, byUser, byName].filter((m) => m.failures > 0)
    const notes = [
      `${formatNumber(dataset.events, 0)} stored events; server start-up on the indexed data dir: ${formatMs(startupMs)}.`,
      `baseline = ListChannels (signed, recorded in the journal like every control-plane call, no query); ratios are LookupEvents / ListChannels.`,
      `answers carried on average ${formatNumber(byUser.eventsPerAnswer ?? Number.NaN, 1)} events (by Username) and ${formatNumber(byName.eventsPerAnswer ?? Number.NaN, 1)} (by EventName), MaxResults left at its default.`,
      `LookupEvents keeps recently answered events serialised (a cache bounded by size); the figures above are with it warm, as under a console or an investigation asking for the same recent events. "cold" = the first ${COLD_REQUESTS} requests of each kind after the server started, one client, mostly uncached events.`,
      `raw signed keep-alive requests (node:http), load generator ${options.client === 'worker' ? 'in a worker thread of the server process' : 'on the server thread'}; latencies are measured at the client, signing excluded.`,
      `for scale: CloudTrail allows ${CLOUDTRAIL_RPS} LookupEvents requests/s per account and Region; by Username ran at ${formatNumber(byUser.rps / CLOUDTRAIL_RPS, 0)}x that.`,
      failures.length ? `FAILURES: ${failures.map((m) => `${m.failures} (${m.firstFailure})`).join('; ')}` : 'no failed requests.',
    ]
    return {
      section: 'lookup',
      rows,
      notes,
      figures: {
        events: dataset.events,
        startupMs,
        healthRps: health.rps,
        listChannelsRps: floor.rps,
        listChannelsP50Ms: floor.loaded.p50Ms,
        listChannelsP99Ms: floor.loaded.p99Ms,
        usernameRps: byUser.rps,
        usernameP50Ms: byUser.loaded.p50Ms,
        usernameP99Ms: byUser.loaded.p99Ms,
        usernameSerialP50Ms: byUser.serial.p50Ms,
        usernameSerialP99Ms: byUser.serial.p99Ms,
        usernameColdP50Ms: byUser.cold.p50Ms,
        usernameColdP99Ms: byUser.cold.p99Ms,
        eventNameRps: byName.rps,
        eventNameP50Ms: byName.loaded.p50Ms,
        eventNameP99Ms: byName.loaded.p99Ms,
        eventNameSerialP50Ms: byName.serial.p50Ms,
        eventNameSerialP99Ms: byName.serial.p99Ms,
        eventNameColdP50Ms: byName.cold.p50Ms,
        eventNameColdP99Ms: byName.cold.p99Ms,
        concurrency: c,
      },
    }
  } finally {
    await app.close()
  }
}
