/**
 * Where the folder store keeps things: bucket `b` is `<root>/b/`, object key `k` is the file
 * `<root>/b/k`, and its metadata sidecar is `<root>/b/.metadata/k.json`. Also the checks that
 * keep a key inside its bucket, and S3's key order (UTF-8 bytes, not UTF-16 code units).
 */
import { join } from 'node:path'
import { TEMP_FILE_PREFIX } from './durable-write.js'
import { StorageError, type StorageOperation } from './errors.js'

/** The hidden folder, at the top of each bucket, that holds metadata sidecars. */
export const METADATA_FOLDER = '.metadata'
const SIDECAR_SUFFIX = '.json'
/** S3's limit on key length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024

// S3's bucket naming rules; they also keep a bucket name a single, harmless folder name.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/

export function bucketPath(root: string, bucket: string, operation: StorageOperation): string {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new StorageError({ operation, bucket, code: 'InvalidBucketName', retryable: false })
  }
  return join(root, bucket)
}

export function objectPath(bucketDir: string, key: string): string {
  return join(bucketDir, ...key.split('/'))
}

export function sidecarPath(bucketDir: string, key: string): string {
  return join(bucketDir, METADATA_FOLDER, ...key.split('/')) + SIDECAR_SUFFIX
}

/**
 * Throws unless the key maps to exactly one file inside the bucket. S3 accepts any key, but a
 * folder cannot hold `a//b`, `../x`, a trailing `/`, or a name reserved for our own files.
 */
export function checkKey(operation: StorageOperation, bucket: string, key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new StorageError({ operation, bucket, key, code: 'KeyTooLongError', retryable: false })
  }
  const segments = key.split('/')
  const unsupported =
    key.length === 0 ||
    key.includes('\0') ||
    segments[0] === METADATA_FOLDER ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..' || segment.startsWith(TEMP_FILE_PREFIX))
  if (unsupported) {
    // Not an S3 code: S3 would take the key, only the folder layout cannot represent it.
    throw new StorageError({ operation, bucket, key, code: 'UnsupportedKey', retryable: false })
  }
}

/** S3 key order: compares UTF-8 bytes (JavaScript's `<` compares UTF-16 code units). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}
