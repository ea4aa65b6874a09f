/**
 * The Event History data set shared by the "disk" and "lookup" sections: a data dir
 * filled with N realistic stored events (1,000,000 by default), built once per run in a
 * temp dir.
 *
 * Fill path: records are appended straight into the journal (SqliteJournal, through
 * openServices, in batches of 5,000: one transaction and one sync each), then the real
 * server is started on the data dir; startApp is ready only once the HistoryIndex
 * projection has caught up with the journal, so its start-up time is the indexing time.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { openServices } from '../src/app/index.js'
import type { CloudTrailRecord } from '../src/record/index.js'
import { historyRecords } from './events.js'
import { benchConfig, startBenchServer } from './server.js'

export interface Dataset {
  dataDir: string
  accountId: string
  events: number
  /** Average size of the stored records as compact JSON (UTF-8 bytes). */
  averageJsonBytes: number
  /** Time spent inside journal.append (generation excluded). */
  appendMs: number
  /** startApp until ready: the history projection catching up over all events. */
  indexMs: number
  wallMs: number
  remove(): void
}

const APPEND_BATCH = 5_000
const SEED = 7_654_321
/** Events span the last 30 days, inside Event History's default 90-day window and retention. */
const SPAN_MS = 30 * 86_400_000

export async function buildDataset(root: string, events: number, log: (line: string) => void): Promise<Dataset> {
  const dataDir = join(root, `history-${events}`)
  const started = performance.now()
  const services = openServices(benchConfig(dataDir))
  const accountId = services.accountId
  let appendMs = 0
  let jsonBytes = 0
  let appended = 0
  try {
    let batch: CloudTrailRecord[] = []
    const flush = async (): Promise<void> => {
      for (const record of batch) jsonBytes += Buffer.byteLength(JSON.stringify(record))
      const t0 = performance.now()
      await services.journal.append(batch.map((record) => ({ record })))
      appendMs += performance.now() - t0
      appended += batch.length
      batch = []
      if (appended % 100_000 === 0) log(`  filled ${appended.toLocaleString('en-US')} / ${events.toLocaleString('en-US')} events`)
    }
    for (const record of historyRecords(accountId, events, SEED, Date.now() - 60_000, SPAN_MS)) {
      batch.push(record)
      if (batch.length === APPEND_BATCH) await flush()
    }
    if (batch.length) await flush()
  } finally {
    await services.close()
  }
  log('  indexing (server start-up catches the history projection up)...')
  const t0 = performance.now()
  const app = await startBenchServer(dataDir)
  const indexMs = performance.now() - t0
  await app.close()
  return {
    dataDir,
    accountId,
    events: appended,
    averageJsonBytes: jsonBytes / appended,
    appendMs,
    indexMs,
    wallMs: performance.now() - started,
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  }
}
