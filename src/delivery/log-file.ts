/**
 * Builds a log file: gzip of UTF-8 `{"Records":[...]}`, each record as the journal stored
 * its JSON. Pure: the same records give the same bytes (neither gzip writer puts a time in
 * the header), so a replayed plan rewrites identical objects.
 */
import { webcrypto } from 'node:crypto'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import { nativeGzip } from '../native/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { formatEventTime } from '../record/index.js'
import type { EventTimeRange } from './plan-store.js'

/** gzip's default level: files as small as CloudTrail's own. */
const GZIP_LEVEL = 6
/**
 * Both writers run on libuv's thread pool, so compressing a file leaves the event loop to
 * ingest. libdeflate (src/native) first: the same size at level 6, about 1.5 times zlib's
 * speed. zlib's output in 1 MB chunks, one for most files: with its 16 KB default each chunk
 * of a 5 MB file was a round trip to the event loop, ~10 ms of it per file.
 */
const fastGzip = nativeGzip()
const gzipAsync = promisify(gzip)

function gzipFile(json: Buffer): Promise<Buffer> {
  return fastGzip ? fastGzip(json, GZIP_LEVEL) : gzipAsync(json, { level: GZIP_LEVEL, chunkSize: 1024 * 1024 })
}

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
export function serializedRecordBytes(json: string): number {
  return Buffer.byteLength(json, 'utf8') + 1
}

/** Widens a range by one record's eventTime; a record without a readable time does not widen it. */
export function widenEventTimes(range: EventTimeRange | undefined, record: Pick<CloudTrailRecord, 'eventTime'>): EventTimeRange | undefined {
  const t = Date.parse(record.eventTime)
  if (!Number.isFinite(t)) return range
  return range ? { oldestMs: Math.min(range.oldestMs, t), newestMs: Math.max(range.newestMs, t) } : { oldestMs: t, newestMs: t }
}

/**
 * Buffers log files are built in, kept between files: on these VMs first touching fresh memory
 * costs ~2.7 ms a MB, so a new 5 MB buffer (and the 5 MB string a join made before) cost more
 * than writing the file into it. Two at most (trails deliver one file at a time each).
 */
const spareBuffers: Buffer[] = []
const MAX_SPARE_BUFFERS = 2
const MIN_BUFFER_BYTES = 8 * 1024 * 1024
const OPEN = '{"Records":['
const CLOSE = ']}'

function takeBuffer(bytes: number): Buffer {
  const i = spareBuffers.findIndex((b) => b.length >= bytes)
  if (i >= 0) return spareBuffers.splice(i, 1)[0]!
  return Buffer.allocUnsafeSlow(Math.max(bytes, MIN_BUFFER_BYTES))
}

function giveBack(buffer: Buffer): void {
  if (spareBuffers.length < MAX_SPARE_BUFFERS) spareBuffers.push(buffer)
}

/** `texts` are the records' stored JSON; `times` their eventTime range (undefined: none readable, epoch 0). */
export async function buildLogFile(texts: readonly string[], times: EventTimeRange | undefined): Promise<LogFile> {
  if (texts.length === 0) throw new RangeError('a log file needs at least one record')
  const bytes = OPEN.length + CLOSE.length + texts.reduce((n, t) => n + serializedRecordBytes(t), -1)
  const buffer = takeBuffer(bytes)
  try {
    let offset = buffer.write(OPEN, 0, 'latin1')
    texts.forEach((text, i) => {
      if (i > 0) buffer[offset++] = 0x2c // ','
      offset += buffer.write(text, offset, 'utf8')
    })
    buffer.write(CLOSE, offset, 'latin1')
    const json = buffer.subarray(0, bytes)
    // The hash on libuv's thread pool too (WebCrypto's digest runs there), beside the gzip:
    // hashing a 5 MB file on the event loop held it for ~3 ms. Both settle before the
    // buffer is used again.
    const [body, digest] = await Promise.allSettled([gzipFile(json), webcrypto.subtle.digest('SHA-256', json)])
    if (body.status === 'rejected') throw body.reason
    if (digest.status === 'rejected') throw digest.reason
    return {
      body: body.value,
      sha256: Buffer.from(digest.value).toString('hex'),
      uncompressedBytes: bytes,
      oldestEventTime: formatEventTime(new Date(times?.oldestMs ?? 0)),
      newestEventTime: formatEventTime(new Date(times?.newestMs ?? 0)),
    }
  } finally {
    giveBack(buffer)
  }
}
