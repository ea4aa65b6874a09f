/**
 * Typed failures of object stores. Every store failure is a `StorageError` carrying S3's own
 * error code (`NoSuchBucket`, `AccessDenied`, ...) or the system error code (`ECONNREFUSED`,
 * `ENOSPC`, ...), because trail status shows that code verbatim in `LatestDeliveryError`.
 * The two "absent" cases get subclasses so callers can branch with `instanceof`.
 */

export type StorageOperation =
  | 'bucketExists'
  | 'createBucket'
  | 'putObject'
  | 'getObject'
  | 'headObject'
  | 'listObjects'
  | 'deleteObject'

export interface StorageErrorFields {
  operation: StorageOperation
  bucket: string
  key?: string
  /** S3's error code (`NoSuchBucket`, `AccessDenied`, `SlowDown`) or a system one (`ECONNREFUSED`). */
  code: string
  /** True when the same call may succeed later without anyone changing anything (outages, throttling). */
  retryable: boolean
  cause?: unknown
}

/** A store operation failed; `code` is what trail status reports as the delivery error. */
export class StorageError extends Error {
  override name = 'StorageError'
  readonly operation: StorageOperation
  readonly bucket: string
  readonly key?: string
  readonly code: string
  readonly retryable: boolean

  constructor(fields: StorageErrorFields) {
    const where = fields.key === undefined ? fields.bucket : `${fields.bucket}/${fields.key}`
    super(`${fields.operation} ${where} failed: ${fields.code}`, { cause: fields.cause })
    this.operation = fields.operation
    this.bucket = fields.bucket
    this.key = fields.key
    this.code = fields.code
    this.retryable = fields.retryable
  }
}

/** The bucket does not exist (S3 `NoSuchBucket`); writes into it fail until someone creates it. */
export class BucketNotFoundError extends StorageError {
  override name = 'BucketNotFoundError'

  constructor(bucket: string, options: { operation?: StorageOperation; key?: string; cause?: unknown } = {}) {
    super({
      operation: options.operation ?? 'putObject',
      bucket,
      key: options.key,
      code: 'NoSuchBucket',
      retryable: false,
      cause: options.cause,
    })
  }
}

/** The object does not exist (S3 `NoSuchKey`). */
export class ObjectNotFoundError extends StorageError {
  override name = 'ObjectNotFoundError'
  declare readonly key: string

  constructor(bucket: string, key: string, options: { operation?: StorageOperation; cause?: unknown } = {}) {
    super({
      operation: options.operation ?? 'getObject',
      bucket,
      key,
      code: 'NoSuchKey',
      retryable: false,
      cause: options.cause,
    })
  }
}

/** A store configuration that cannot work (e.g. an access key id without its secret). */
export class StorageConfigError extends Error {
  override name = 'StorageConfigError'

  constructor(readonly field: string, readonly reason: string) {
    super(`invalid object store configuration: ${field}: ${reason}`)
  }
}

/**
 * The code a status field shows for a failed write (GetTrailStatus' LatestDeliveryError and
 * the like): S3's error code when the store gave one (`NoSuchBucket`), else the error's name.
 */
export function errorCodeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.length > 0) return code
    const name = (error as { name?: unknown }).name
    if (typeof name === 'string' && name.length > 0) return name
  }
  return 'InternalFailure'
}
