/**
 * Section "delivery" (trails): how fast acknowledged events reach the trail's bucket as
 * CloudTrail log files, with a 10 s delivery interval.
 *
 * Events: realistic management records (the same generator as the history data set, with
 * eventTime "now") appended through the running app's journal in batches of 100 at a
 * steady pace; the acknowledgement is the append resolving, the same durable point at
 * which PutAuditEvents answers. (PutAuditEvents' own events are ActivityAuditLog, which
 * trails do not deliver, as in CloudTrail.) The installation's default trail delivers
 * to the folder store under `<dataDir>/buckets`; the bucket is polled every
 * POLL_MS, and an event's latency is the time its log file was first seen minus its
 * acknowledgement, so it is exact to within POLL_MS.
 *
 * Baseline: the delivery interval itself; the ratio is latency / interval.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { setTimeout as sleep } from 'node:timers/promises'
import { startApp } from '../src/app/index.js'
import { historyRecords } from './events.js'
import type { SectionResult } from './report.js'
import { benchConfig } from './server.js'
import { formatMs, formatNumber, perSecond, summarizeLatencies } from './stats.js'

const SRC = join(import.meta.dirname, '../../src')
const INTERVAL_MS = 10_000
const SLACK_MS = 2_000
const POLL_MS = 100
const BATCH = 100
const SEED = 99_001

export interface DeliveryBenchOptions {
  /** How long events are appended. */
  ingestMs: number
  /** Events per second asked for (the journal may manage fewer). */
  eventsPerSecond: number
}

/** True when src/delivery has its public face and the app's wiring imports it. */
export function deliveryAvailable(): boolean {
  const app = join(SRC, 'app/app.ts')
  return existsSync(join(SRC, 'delivery/index.ts')) && existsSync(app) && readFileSync(app, 'utf8').includes('delivery/index.js')
}

export async function benchDelivery(options: DeliveryBenchOptions, log: (line: string) => void): Promise<SectionResult | string> {
  if (!deliveryAvailable()) return 'delivery: not available yet'
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-bench-delivery-'))
  const dataDir = join(dir, 'data')
  const app = await startApp(benchConfig(dataDir, { deliveryInterval: `${INTERVAL_MS}ms` }))
  const buckets = join(dataDir, 'buckets')
  const ackAt = new Map<string, number>()
  const deliveredAt = new Map<string, number>()
  const seenFiles = new Set<string>()
  let files = 0
  let lastFileAt = 0
  const scan = (): void => {
    if (!existsSync(buckets)) return
    for (const rel of readdirSync(buckets, { recursive: true, encoding: 'utf8' })) {
      if (seenFiles.has(rel) || !rel.endsWith('.json.gz') || !rel.includes(`${sep}CloudTrail${sep}`) || rel.includes(`${sep}.metadata${sep}`)) continue
      const now = performance.now()
      seenFiles.add(rel)
      files++
      lastFileAt = now
      const records = (JSON.parse(gunzipSync(readFileSync(join(buckets, rel))).toString('utf8')) as { Records?: { eventID?: string }[] }).Records ?? []
      for (const r of records) if (r.eventID && !deliveredAt.has(r.eventID)) deliveredAt.set(r.eventID, now)
    }
  }
  let polling = true
  const poller = (async () => {
    while (polling) {
      scan()
      await sleep(POLL_MS)
    }
  })()
  try {
    log(`  appending for ${formatMs(options.ingestMs)}, delivery interval ${formatMs(INTERVAL_MS)}...`)
    const records = historyRecords(app.accountId, Number.MAX_SAFE_INTEGER, SEED, Date.now(), 0)
    const started = performance.now()
    const pauseMs = (1000 * BATCH) / options.eventsPerSecond
    while (performance.now() - started < options.ingestMs) {
      const t0 = performance.now()
      const batch = Array.from({ length: BATCH }, () => {
        const record = records.next().value!
        record.eventTime = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
        return { record }
      })
      await app.journal.append(batch)
      const acked = performance.now()
      for (const { record } of batch) ackAt.set(record.eventID, acked)
      const rest = pauseMs - (acked - t0)
      if (rest > 0) await sleep(rest)
    }
    const ingestElapsed = performance.now() - started
    // Drain: everything acknowledged should be delivered within an interval or two.
    const deadline = performance.now() + 3 * INTERVAL_MS + 10_000
    while (performance.now() < deadline && [...ackAt.keys()].some((id) => !deliveredAt.has(id))) await sleep(POLL_MS)
    polling = false
    await poller
    scan()

    const latencies: number[] = []
    for (const [id, at] of ackAt) {
      const d = deliveredAt.get(id)
      if (d !== undefined) latencies.push(d - at)
    }
    const missing = ackAt.size - latencies.length
    const lat = summarizeLatencies(latencies)
    const ingestRate = perSecond(ackAt.size, ingestElapsed)
    // Delivery throughput: events written as log files per second, from the first
    // acknowledgement to the last log file.
    const deliveryRate = perSecond(latencies.length, lastFileAt - started)
    const keepsUp = missing === 0 && lat.p99Ms <= INTERVAL_MS + SLACK_MS
    return {
      section: 'delivery',
      rows: [
        { metric: 'keeps up: all delivered, p99 in bound', value: `${formatNumber(latencies.length, 0)} / ${formatNumber(ackAt.size, 0)}`, target: 'keeps up with ingest', pass: keepsUp },
        { metric: 'delivered events/s (log files)', value: formatNumber(deliveryRate, 0), baseline: `${formatNumber(ingestRate, 0)} ingested/s`, ratio: deliveryRate / ingestRate },
        { metric: 'ack → object in bucket p50', value: formatMs(lat.p50Ms), baseline: `interval ${formatMs(INTERVAL_MS)}`, ratio: lat.p50Ms / INTERVAL_MS },
        { metric: 'ack → object in bucket p99', value: formatMs(lat.p99Ms), baseline: `interval ${formatMs(INTERVAL_MS)}`, ratio: lat.p99Ms / INTERVAL_MS, target: `<= interval + ${SLACK_MS / 1000} s`, pass: lat.p99Ms <= INTERVAL_MS + SLACK_MS },
        { metric: 'ack → object in bucket max', value: formatMs(lat.maxMs), baseline: `interval ${formatMs(INTERVAL_MS)}`, ratio: lat.maxMs / INTERVAL_MS },
      ],
      notes: [
        `${formatNumber(ackAt.size, 0)} events appended over ${formatMs(ingestElapsed)} (asked ${formatNumber(options.eventsPerSecond, 0)}/s in batches of ${BATCH}); ${formatNumber(latencies.length, 0)} delivered in ${files} log files; ${missing} not delivered within the drain time.`,
        'delivered events/s runs from the first acknowledgement to the last log file, so it includes the wait for the last tick and stays a little under the ingest rate even when delivery keeps up.',
        `acknowledgement = journal.append resolved on the running app (durable); arrival = first poll (every ${POLL_MS} ms) that sees the log file in the default trail's folder bucket.`,
      ],
      figures: { appended: ackAt.size, delivered: latencies.length, missing, files, ingestEventsPerSecond: ingestRate, deliveredEventsPerSecond: deliveryRate, p50Ms: lat.p50Ms, p99Ms: lat.p99Ms, maxMs: lat.maxMs, intervalMs: INTERVAL_MS },
    }
  } finally {
    polling = false
    await poller
    await app.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
