/**
 * SHA-256 of a gzip object's uncompressed bytes, as validate-logs computes it, in two forms
 * with the same results: a stream (inflation on libuv's thread pool, hashing on the calling
 * thread) for the event loop, and a synchronous one for the hashing worker threads, where
 * inflating on the worker's own core is the point.
 */
import { createHash } from 'node:crypto'
import { constants, createGunzip, gunzipSync } from 'node:zlib'

/** Output chunk size: large chunks keep per-chunk overhead small next to SHA-256 itself. */
const INFLATE_CHUNK_BYTES = 1024 * 1024
/** Input slice size fed to the inflater, so a 50 MB object is not handed over in one piece. */
const FEED_BYTES = 1024 * 1024
/** The synchronous form's output buffer is at most this large; larger output is joined from such pieces. */
const SYNC_MAX_CHUNK_BYTES = 64 * 1024 * 1024
/** ...and at least this large: for tiny files, and when the size in the trailer is implausibly small. */
const SYNC_MIN_CHUNK_BYTES = 64 * 1024

/**
 * Lower-hex SHA-256 of gunzip(`gz`). Rejects on corrupt gzip data. A truncated stream is
 * not an error (`Z_SYNC_FLUSH`): like the AWS CLI's `zlib.decompressobj`, it hashes what
 * inflates, which then fails the hash comparison.
 */
export function sha256OfGunzipped(gz: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES, finishFlush: constants.Z_SYNC_FLUSH })
    gunzip.on('data', (chunk: Buffer) => hash.update(chunk))
    gunzip.on('error', reject)
    gunzip.on('end', () => resolve(hash.digest('hex')))
    let offset = 0
    const feed = (): void => {
      while (offset < gz.length) {
        const slice = gz.subarray(offset, offset + FEED_BYTES)
        offset += slice.length
        if (!gunzip.write(slice)) {
          gunzip.once('drain', feed)
          return
        }
      }
      gunzip.end()
    }
    feed()
  })
}

/** `sha256OfGunzipped` on the calling thread: throws where that rejects, hashes truncated streams alike. */
export function sha256OfGunzippedSync(gz: Uint8Array): string {
  const inflated = gunzipSync(gz, { chunkSize: outputBufferSize(gz), finishFlush: constants.Z_SYNC_FLUSH })
  return createHash('sha256').update(inflated).digest('hex')
}

/**
 * One output buffer for the whole file, sized by the gzip trailer's ISIZE (the uncompressed
 * size mod 2^32), so gunzipSync does not copy pieces into a joined buffer (measured: 4% of a
 * validation). A trailer that lies (a truncated or tampered file, several gzip members) only
 * costs speed: output beyond the buffer is joined as usual.
 */
function outputBufferSize(gz: Uint8Array): number {
  if (gz.length < 18) return SYNC_MIN_CHUNK_BYTES // shorter than a gzip header and trailer
  const isize = new DataView(gz.buffer, gz.byteOffset, gz.byteLength).getUint32(gz.length - 4, true)
  // One byte more than the output: a buffer filled exactly would make zlib allocate another.
  return Math.min(Math.max(isize + 1, SYNC_MIN_CHUNK_BYTES), SYNC_MAX_CHUNK_BYTES)
}
