/**
 * Section "disk": bytes on disk per stored event (the journal's and the Event History
 * index's SQLite files plus their WALs after a checkpoint) divided by the average size of
 * the stored records as JSON. Baseline: that JSON size, i.e. what a plain NDJSON log of the
 * same records would take, before any index.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Dataset } from './dataset.js'
import type { SectionResult } from './report.js'
import { formatBytes, formatNumber } from './stats.js'

const TARGET_RATIO = 0.5
const DATABASES = ['opentrail.db', 'history.db']

interface DatabaseSize {
  name: string
  fileBytes: number
  walBytes: number
  /** Per table/index (dbstat), empty where SQLite lacks dbstat. */
  tables: { name: string; bytes: number }[]
}

function measure(dataDir: string, name: string): DatabaseSize & { journalEvents?: number } {
  const path = join(dataDir, name)
  const db = new Database(path)
  let tables: DatabaseSize['tables'] = []
  let journalEvents: number | undefined
  try {
    db.pragma('wal_checkpoint(TRUNCATE)')
    if (name === 'opentrail.db') journalEvents = (db.prepare('SELECT count(*) AS n FROM journal').get() as { n: number }).n
    try {
      tables = db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as DatabaseSize['tables']
    } catch {
      // SQLite built without the dbstat virtual table
    }
  } finally {
    db.close()
  }
  return { name, fileBytes: statSync(path).size, walBytes: existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0, tables, journalEvents }
}

export function benchDisk(dataset: Dataset): SectionResult {
  const sizes = DATABASES.filter((name) => existsSync(join(dataset.dataDir, name))).map((name) => measure(dataset.dataDir, name))
  const stored = sizes.find((s) => s.journalEvents !== undefined)?.journalEvents ?? 0
  const totalBytes = sizes.reduce((n, s) => n + s.fileBytes + s.walBytes, 0)
  const perEvent = totalBytes / stored
  const ratio = perEvent / dataset.averageJsonBytes
  const tables = sizes.flatMap((s) => s.tables).sort((a, b) => b.bytes - a.bytes)
  const total = tables.reduce((n, t) => n + t.bytes, 0)
  // Tables under 0.5% of the files are summed into one line.
  const major = tables.filter((t) => t.bytes >= total * 0.005)
  const minor = tables.filter((t) => t.bytes < total * 0.005)
  const notes = [
    `${formatNumber(stored, 0)} stored events; ${sizes.map((s) => `${s.name} ${formatBytes(s.fileBytes)} + WAL ${formatBytes(s.walBytes)}`).join(', ')} after PRAGMA wal_checkpoint(TRUNCATE).`,
    tables.length ? 'per table/index (dbstat, pages incl. free space in them):' : 'dbstat is not available in this SQLite build: no per-table sizes.',
    ...major.map((t) => `  ${t.name.padEnd(28)} ${formatBytes(t.bytes).padStart(10)}  ${formatNumber(t.bytes / stored, 1).padStart(7)} B/event`),
    ...(minor.length ? [`  ${`${minor.length} smaller tables/indexes`.padEnd(28)} ${formatBytes(minor.reduce((n, t) => n + t.bytes, 0)).padStart(10)}`] : []),
  ]
  return {
    section: 'disk',
    rows: [
      { metric: 'disk bytes per stored event', value: `${formatNumber(perEvent, 1)} B`, baseline: `${formatNumber(dataset.averageJsonBytes, 1)} B JSON`, ratio, target: `<= ${TARGET_RATIO} of JSON size`, pass: ratio <= TARGET_RATIO },
      { metric: 'total (databases + WALs)', value: formatBytes(totalBytes), baseline: formatBytes(dataset.averageJsonBytes * stored) },
    ],
    notes,
    figures: {
      storedEvents: stored,
      ...Object.fromEntries(sizes.flatMap((s) => [[`dbBytes:${s.name}`, s.fileBytes], [`walBytes:${s.name}`, s.walBytes]])),
      bytesPerEvent: perEvent,
      averageJsonBytes: dataset.averageJsonBytes,
      ratio,
      ...Object.fromEntries(tables.map((t) => [`table:${t.name}`, t.bytes])),
    },
  }
}
