/**
 * `npm run bench`: OpenTrail's performance figures, each as a ratio to a baseline measured
 * in the same run on the same machine, plus the absolute numbers. Missed targets print
 * FAIL but never fail the process: shared machines are noisy, tests hold no targets.
 *
 *   node dist/bench/main.js [--quick] [--only ingest,lookup,disk,delivery,validate] [--json]
 *                           [--client worker|inprocess] [--concurrency N]
 *                           [--ingest-events N] [--history-events N] [--validate-events N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildDataset } from './dataset.js'
import type { Dataset } from './dataset.js'
import { benchDelivery } from './delivery.js'
import { benchDisk } from './disk.js'
import { benchIngest } from './ingest.js'
import type { ClientPlacement } from './load.js'
import { benchLookup } from './lookup.js'
import { printSection } from './report.js'
import { benchValidate } from './validate.js'
import type { SectionResult } from './report.js'
import { formatMs, formatNumber } from './stats.js'

const SECTIONS = ['ingest', 'lookup', 'disk', 'delivery', 'validate'] as const
type Section = (typeof SECTIONS)[number]

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    client: { type: 'string', default: 'worker' },
    concurrency: { type: 'string' },
    'ingest-events': { type: 'string' },
    'history-events': { type: 'string' },
    'validate-events': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})

if (values.help) {
  console.log('usage: node dist/bench/main.js [--quick] [--only ingest,lookup,disk,delivery,validate] [--json] [--client worker|inprocess] [--concurrency N] [--ingest-events N] [--history-events N] [--validate-events N]')
  process.exit(0)
}

function wholeNumber(value: string | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive whole number, got ${value}`)
  return n
}

const only = new Set((values.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean))
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`unknown section ${s} (choose from ${SECTIONS.join(', ')})`)
const run = (s: Section): boolean => only.has(s)
if (values.client !== 'worker' && values.client !== 'inprocess') throw new Error('--client must be worker or inprocess')
const client = values.client as ClientPlacement
const quick = values.quick
const concurrency = wholeNumber(values.concurrency, 8, '--concurrency')
const ingestEvents = wholeNumber(values['ingest-events'], quick ? 30_000 : 200_000, '--ingest-events')
const historyEvents = wholeNumber(values['history-events'], quick ? 100_000 : 1_000_000, '--history-events')
const validateEvents = wholeNumber(values['validate-events'], quick ? 30_000 : 1_000_000, '--validate-events')
const log = (line: string): void => void process.stderr.write(`${line}\n`)

const results: SectionResult[] = []
const messages: string[] = []
const started = performance.now()
const root = mkdtempSync(join(tmpdir(), 'opentrail-bench-'))
console.log(`OpenTrail bench${quick ? ' (--quick)' : ''}: sections ${[...only].join(', ')}; node ${process.version}; load generator: ${client}`)
try {
  if (run('ingest')) {
    log('ingest...')
    const result = await benchIngest({ events: ingestEvents, concurrency, batchSize: 100, maxDurationMs: quick ? 10_000 : 30_000, client })
    printSection(result)
    results.push(result)
  }
  let dataset: Dataset | undefined
  if (run('disk') || run('lookup')) {
    log(`filling a data dir with ${formatNumber(historyEvents, 0)} events...`)
    dataset = await buildDataset(root, historyEvents, log)
    const fill = `data set: ${formatNumber(dataset.events, 0)} events filled in ${formatMs(dataset.wallMs)} (journal appends ${formatMs(dataset.appendMs)}, history index catch-up ${formatMs(dataset.indexMs)}; ${formatNumber(dataset.events / (dataset.indexMs / 1000), 0)} events/s indexed)`
    console.log(`\n${fill}`)
    messages.push(fill)
  }
  // Disk before lookup: lookups are API calls, and each is itself recorded in the journal.
  if (run('disk') && dataset) {
    const result = benchDisk(dataset)
    printSection(result)
    results.push(result)
  }
  if (run('lookup') && dataset) {
    log('lookup...')
    const result = await benchLookup(dataset, { concurrency, serialRequests: quick ? 500 : 2_000, loadedDurationMs: quick ? 3_000 : 10_000, client }, log)
    printSection(result)
    results.push(result)
  }
  if (run('delivery')) {
    log('delivery...')
    const result = await benchDelivery({ ingestMs: quick ? 25_000 : 45_000, eventsPerSecond: 1_000 }, log)
    if (typeof result === 'string') {
      console.log(`\n${result}`)
      messages.push(result)
    } else {
      printSection(result)
      results.push(result)
    }
  }
  if (run('validate')) {
    log('validate...')
    const result = await benchValidate({ events: validateEvents }, log)
    printSection(result)
    results.push(result)
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
console.log(`\ntotal bench time: ${formatMs(performance.now() - started)}`)
if (values.json) {
  console.log(JSON.stringify({ quick, client, concurrency, messages, sections: Object.fromEntries(results.map((r) => [r.section, r.figures])) }, null, 2))
}
