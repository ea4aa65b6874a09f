/**
 * Builds a log file: gzip of UTF-8 `{"Records":[...]}`, each record serialised exactly as
 * stored (JSON.stringify of the journal's record). Pure: the same records give the same
 * bytes (gzip's header carries no time when zlib writes it), so a replayed plan rewrites
 * identical objects.
 */
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'
import { formatEventTime } from '../record/index.js'

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

/** Bytes one record adds to a file's uncompressed JSON (plus its separating comma). */
export function serializedRecordBytes(record: CloudTrailRecord): number {
  return Buffer.byteLength(JSON.stringify(record), 'utf8') + 1
}

export function buildLogFile(records: readonly CloudTrailRecord[]): LogFile {
  if (records.length === 0) throw new RangeError('a log file needs at least one record')
  const json = Buffer.from(`{"Records":[${records.map((r) => JSON.stringify(r)).join(',')}]}`, 'utf8')
  let oldest = Infinity
  let newest = -Infinity
  for (const r of records) {
    const t = Date.parse(r.eventTime)
    if (!Number.isFinite(t)) continue
    oldest = Math.min(oldest, t)
    newest = Math.max(newest, t)
  }
  // A record without a readable time cannot widen the range; a file of only such records spans epoch 0.
  if (!Number.isFinite(oldest)) oldest = newest = 0
  return {
    body: gzipSync(json),
    sha256: createHash('sha256').update(json).digest('hex'),
    uncompressedBytes: json.length,
    oldestEventTime: formatEventTime(new Date(oldest)),
    newestEventTime: formatEventTime(new Date(newest)),
  }
}
