/**
 * Builds a log file: gzip of UTF-8 `{"Records":[...]}`, each record as the journal stored
 * its JSON. Pure: the same entries give the same bytes (gzip's header carries no time when
 * zlib writes it), so a replayed plan rewrites identical objects.
 */
import { createHash } from 'node:crypto'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { JournalEntry } from '../journal/index.js'
import { formatEventTime } from '../record/index.js'

/** zlib's asynchronous gzip runs on libuv's thread pool, so compressing a file leaves the event loop to ingest. */
const gzipAsync = promisify(gzip)

export interface LogFile {
  /** The object's bytes (gzip). */
  body: Buffer
  /** Lower-hex SHA-256 of the uncompressed JSON, as digests record it. */
  sha256: string
  uncompressedBytes: number
  /** `YYYY-MM-DDThh:mm:ssZ` of the oldest and newest event in the file. */
  oldestEventTime: string
  newestEventTime: string
}

export type LogFileEntry = Pick<JournalEntry, 'record' | 'json'>

/** Bytes one record adds to a file's uncompressed JSON (plus its separating comma). */
export function serializedRecordBytes(entry: LogFileEntry): number {
  return Buffer.byteLength(entry.json, 'utf8') + 1
}

export async function buildLogFile(entries: readonly LogFileEntry[]): Promise<LogFile> {
  if (entries.length === 0) throw new RangeError('a log file needs at least one record')
  const json = Buffer.from(`{"Records":[${entries.map((e) => e.json).join(',')}]}`, 'utf8')
  let oldest = Infinity
  let newest = -Infinity
  for (const { record } of entries) {
    const t = Date.parse(record.eventTime)
    if (!Number.isFinite(t)) continue
    oldest = Math.min(oldest, t)
    newest = Math.max(newest, t)
  }
  // A record without a readable time cannot widen the range; a file of only such records spans epoch 0.
  if (!Number.isFinite(oldest)) oldest = newest = 0
  return {
    body: await gzipAsync(json),
    sha256: createHash('sha256').update(json).digest('hex'),
    uncompressedBytes: json.length,
    oldestEventTime: formatEventTime(new Date(oldest)),
    newestEventTime: formatEventTime(new Date(newest)),
  }
}
