/**
 * SHA-256 of a gzip object's uncompressed bytes, as validate-logs computes it.
 * Inflation runs on libuv's thread pool (zlib stream), hashing on the main thread, so
 * several files hashed concurrently use more than one core.
 */
import { createHash } from 'node:crypto'
import { constants, createGunzip } from 'node:zlib'

/** Output chunk size: large chunks keep per-chunk overhead small next to SHA-256 itself. */
const INFLATE_CHUNK_BYTES = 1024 * 1024
/** Input slice size fed to the inflater, so a 50 MB object is not handed over in one piece. */
const FEED_BYTES = 1024 * 1024

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
