/**
 * Section "disk": bytes on disk per stored event (the SQLite file plus its WAL after a
 * checkpoint, so journal and history index together) divided by the average size of the
 * stored records as JSON. Baseline: that JSON size, i.e. what a plain NDJSON log of the
 * same records would take, before any index.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Dataset } from './dataset.js'
import type { SectionResult } from './report.js'
import { formatBytes, formatNumber } from './stats.js'

const TARGET_RATIO = 0.5

export function benchDisk(dataset: Dataset): SectionResult {
  const path = join(dataset.dataDir, 'opentrail.db')
  const db = new Database(path)
  let tables: { name: string; bytes: number }[] = []
  let stored: number
  let dbstat = true
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
    stored = (db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n
    try {
      tables = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[]
    } catch {
      dbstat = false // SQLite built without the dbstat virtual table
    }
  } finally {
    db.close()
  }
  const fileBytes = statSync(path).size
  const walBytes = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0
  const perEvent = (fileBytes + walBytes) / stored
  const ratio = perEvent / dataset.averageJsonBytes
  const total = tables.reduce((n, t) => n + t.bytes, 0)
  // Tables under 0.5% of the file are summed into one line.
  const major = tables.filter((t) => t.bytes >= total * 0.005)
  const minor = tables.filter((t) => t.bytes < total * 0.005)
  const notes = [
    `${formatNumber(stored, 0)} stored events; opentrail.db ${formatBytes(fileBytes)} + WAL ${formatBytes(walBytes)} after PRAGMA wal_checkpoint(TRUNCATE).`,
    dbstat ? 'per table/index (dbstat, pages incl. free space in them):' : 'dbstat is not available in this SQLite build: no per-table sizes.',
    ...major.map((t) => `  ${t.name.padEnd(28)} ${formatBytes(t.bytes).padStart(10)}  ${formatNumber(t.bytes / stored, 1).padStart(7)} B/event`),
    ...(minor.length ? [`  ${`${minor.length} smaller tables/indexes`.padEnd(28)} ${formatBytes(minor.reduce((n, t) => n + t.bytes, 0)).padStart(10)}`] : []),
  ]
  return {
    section: 'disk',
    rows: [
      { metric: 'disk bytes per stored event', value: `${formatNumber(perEvent, 1)} B`, baseline: `${formatNumber(dataset.averageJsonBytes, 1)} B JSON`, ratio, target: `<= ${TARGET_RATIO} of JSON size`, pass: ratio <= TARGET_RATIO },
      { metric: 'total (db + WAL)', value: formatBytes(fileBytes + walBytes), baseline: formatBytes(dataset.averageJsonBytes * stored) },
    ],
    notes,
    figures: {
      storedEvents: stored,
      dbBytes: fileBytes,
      walBytes,
      bytesPerEvent: perEvent,
      averageJsonBytes: dataset.averageJsonBytes,
      ratio,
      ...Object.fromEntries(tables.map((t) => [`table:${t.name}`, t.bytes])),
    },
  }
}
