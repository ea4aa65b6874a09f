/**
 * Section "ingest": durable events/s through the real HTTP PutAuditEvents (batches of 100,
 * several concurrent closed-loop clients), against a baseline measured in the same run:
 * the same events appended as NDJSON to a file, one fsync per batch of 100.
 *
 * Baseline choice: one writer appending batches in sequence (writeSync + fsyncSync). A
 * single file gains nothing from concurrent writers unless their batches share a sync,
 * which is group commit, the very thing under test; so the baseline is the naive durable
 * log, one sync per acknowledged batch, with no HTTP, no auth, no parsing and no index.
 *
 * A second baseline, the floor server (floor-server.ts), takes the same load over HTTP and
 * does only what PutAuditEvents' contract cannot do without: parse, checksums, eventData
 * validity, a group-committed fsync. Its rate is a ceiling for any Node.js server on the
 * machine, so it tells how much of the distance to the NDJSON baseline is the runtime's.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import type { Journal } from '../src/journal/index.js'
import { HISTORY_PROJECTION_NAME } from '../src/history/index.js'
import { TRAIL_DELIVERY_CURSOR } from '../src/delivery/index.js'
import { integrationEventData } from './events.js'
import { startFloorServer } from './floor-server.js'
import { runLoad } from './load.js'
import type { ClientPlacement, IngestLoad, LoadResult } from './load.js'
import type { SectionResult } from './report.js'
import { BENCH_CREDENTIALS, defaultChannelArn, startBenchServer } from './server.js'
import { formatMs, formatNumber, perSecond, summarizeLatencies } from './stats.js'

export interface IngestOptions {
  events: number
  concurrency: number
  batchSize: number
  maxDurationMs: number
  client: ClientPlacement
}

const TARGET_RATIO = 0.5
const TARGET_EVENTS_PER_SECOND = 20_000
const SEED = 20_240_601

export async function benchIngest(options: IngestOptions): Promise<SectionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-bench-ingest-'))
  const app = await startBenchServer(join(dir, 'data'))
  try {
    const channelArn = await defaultChannelArn(app.url)
    const nowMs = Date.now()
    const base = { kind: 'ingest', endpoint: app.url, credentials: BENCH_CREDENTIALS, channelArn, accountId: app.accountId, batchSize: options.batchSize, concurrency: options.concurrency, nowMs, maxDurationMs: options.maxDurationMs } as const

    // Warm-up: JIT, connections, the journal's first trained dictionary (at 1,000 events).
    await runLoad({ ...base, events: Math.min(2_000, options.events), maxDurationMs: 5_000, seed: SEED + 1, idPrefix: 'warm' }, options.client)

    const baseline = appendNdjson(join(dir, 'baseline.ndjson'), integrationEventData(app.accountId, options.events, SEED, nowMs), options.batchSize)
    const floor = await floorRun({ ...base, events: options.events, seed: SEED, idPrefix: 'floor' }, join(dir, 'floor.ndjson'), options.client)

    const headBefore = await app.journal.head()
    const run = await measuredRun({ ...base, events: options.events, seed: SEED, idPrefix: 'run' }, options.client)
    const headAfter = await app.journal.head()
    const stored = headAfter - headBefore
    const deliveryBacklog = headAfter - (await app.journal.getCursor(TRAIL_DELIVERY_CURSOR))
    const indexLagMs = await untilIndexed(app.journal, headAfter)

    const rate = perSecond(run.events, run.elapsedMs)
    const baseRate = perSecond(baseline.events, baseline.elapsedMs)
    const floorRate = perSecond(floor.events, floor.elapsedMs)
    // What the target ratio leaves for everything (server and load generator) on the machine's cores.
    const budgetUs = (availableParallelism() * 1e6) / (TARGET_RATIO * baseRate)
    const ack = summarizeLatencies(run.latenciesMs)
    const sync = summarizeLatencies(baseline.batchMs)
    const notes = [
      `${formatNumber(run.events, 0)} of ${formatNumber(options.events, 0)} prepared events sent (the run stops after ${formatMs(options.maxDurationMs)}), in batches of ${options.batchSize}, ${options.concurrency} concurrent clients (${options.client === 'worker' ? 'load generator in a worker thread of the server process' : 'load generator on the server thread'}), bodies built and SigV4-signed before the clock starts.`,
      `baseline: the same eventData strings as NDJSON lines, one writer, writeSync + fsyncSync per batch of ${options.batchSize}, in sequence.`,
      `floor server: the same signed batches over HTTP to a Node.js server that only parses them, verifies checksums where given, parses each eventData and group-commits it to a file with fsync (${formatNumber(floorRate / baseRate, 2)}× the NDJSON baseline: the most any server in this runtime reaches here).`,
      `journal head grew by ${formatNumber(stored, 0)} events; failed events: ${run.failures}${run.firstFailure ? ` (first: ${run.firstFailure})` : ''}.`,
    ]
    return {
      section: 'ingest',
      rows: [
        { metric: 'durable events/s', value: formatNumber(rate, 0), baseline: formatNumber(baseRate, 0), ratio: rate / baseRate, target: `>= ${TARGET_RATIO} of baseline`, pass: rate / baseRate >= TARGET_RATIO },
        { metric: 'durable events/s (absolute)', value: formatNumber(rate, 0), target: `>= ${formatNumber(TARGET_EVENTS_PER_SECOND, 0)}`, pass: rate >= TARGET_EVENTS_PER_SECOND },
        { metric: 'durable events/s against the floor server', value: formatNumber(rate, 0), baseline: formatNumber(floorRate, 0), ratio: rate / floorRate },
        { metric: 'elapsed', value: formatMs(run.elapsedMs), baseline: formatMs(baseline.elapsedMs) },
        { metric: 'CPU per acknowledged event (all threads, load generator included)', value: `${formatNumber(run.cpuUsPerEvent, 0)} µs`, baseline: `floor server ${formatNumber(floor.cpuUsPerEvent, 0)} µs`, target: `<= ${formatNumber(budgetUs, 0)} µs on ${availableParallelism()} cores for ${TARGET_RATIO}× of baseline` },
        { metric: 'batch ack latency p50 (HTTP) / write+fsync p50', value: formatMs(ack.p50Ms), baseline: formatMs(sync.p50Ms), ratio: ack.p50Ms / sync.p50Ms },
        { metric: 'batch ack latency p99 (HTTP) / write+fsync p99', value: formatMs(ack.p99Ms), baseline: formatMs(sync.p99Ms), ratio: ack.p99Ms / sync.p99Ms },
        { metric: 'last ack → Event History caught up', value: formatMs(indexLagMs), target: '<= 1 s (searchable within a second)', pass: indexLagMs <= 1000 },
        { metric: 'default trail: events not yet in log files at the last ack', value: formatNumber(deliveryBacklog, 0) },
      ],
      notes,
      figures: {
        events: run.events,
        failedEvents: run.failures,
        eventsPerSecond: rate,
        baselineEventsPerSecond: baseRate,
        floorEventsPerSecond: floorRate,
        floorCpuUsPerEvent: floor.cpuUsPerEvent,
        ratio: rate / baseRate,
        ackP50Ms: ack.p50Ms,
        ackP99Ms: ack.p99Ms,
        baselineBatchP50Ms: sync.p50Ms,
        baselineBatchP99Ms: sync.p99Ms,
        indexLagMs,
        deliveryBacklog,
        cpuMsPerEvent: run.cpuUsPerEvent / 1000,
        client: options.client,
        concurrency: options.concurrency,
      },
    }
  } finally {
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A load with the CPU every thread of the process (server, its workers, the load generator)
 * spent per acknowledged event while the clock ran.
 */
async function measuredRun(load: IngestLoad, client: ClientPlacement): Promise<LoadResult & { cpuUsPerEvent: number }> {
  let cpuBefore = process.cpuUsage()
  const result = await runLoad(load, client, () => {
    cpuBefore = process.cpuUsage()
  })
  const cpu = process.cpuUsage(cpuBefore)
  return { ...result, cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, result.events) }
}

/** The load against the floor server, warmed up as the real run is. */
async function floorRun(load: IngestLoad, path: string, client: ClientPlacement) {
  const floor = await startFloorServer(path)
  try {
    const spec = { ...load, endpoint: floor.url }
    await runLoad({ ...spec, events: Math.min(2_000, load.events), maxDurationMs: 5_000, idPrefix: 'floor-warm' }, client)
    const result = await measuredRun(spec, client)
    if (result.failures) throw new Error(`the floor server failed ${result.failures} events (first: ${result.firstFailure})`)
    return result
  } finally {
    await floor.close()
  }
}

/**
 * How long after the last acknowledgement the Event History projection has indexed the
 * journal head: the lag a LookupEvents caller sees right after a burst of ingest.
 * Polled every 5 ms, which bounds the figure's resolution.
 */
async function untilIndexed(journal: Journal, head: number): Promise<number> {
  const started = performance.now()
  while ((await journal.getCursor(HISTORY_PROJECTION_NAME)) < head) await delay(5)
  return performance.now() - started
}

/** The baseline: NDJSON appends, each batch written then fsynced before the next. */
function appendNdjson(path: string, lines: string[], batchSize: number): { events: number; elapsedMs: number; batchMs: number[] } {
  const fd = openSync(path, 'a')
  const batchMs: number[] = []
  const started = performance.now()
  try {
    for (let start = 0; start < lines.length; start += batchSize) {
      const t0 = performance.now()
      writeSync(fd, `${lines.slice(start, start + batchSize).join('\n')}\n`)
      fsyncSync(fd)
      batchMs.push(performance.now() - t0)
    }
  } finally {
    closeSync(fd)
  }
  return { events: lines.length, elapsedMs: performance.now() - started, batchMs }
}
