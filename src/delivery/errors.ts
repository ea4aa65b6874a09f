/**
 * Typed failures of trail delivery. The `code` is what GetTrailStatus shows as
 * LatestDeliveryError / LatestNotificationError: S3's own error code when the store gave one.
 */

/** Writing a log file of a planned delivery failed; the plan stays pending and is retried. */
export class LogFileDeliveryError extends Error {
  override readonly name = 'LogFileDeliveryError'
  readonly trailArn: string
  readonly bucket: string
  readonly key: string
  readonly firstSeq: number
  readonly lastSeq: number
  /** S3's error code (`NoSuchBucket`, `AccessDenied`) or a system one (`ENOSPC`). */
  readonly code: string
  readonly retryable: boolean

  constructor(fields: {
    trailArn: string
    bucket: string
    key: string
    firstSeq: number
    lastSeq: number
    code: string
    retryable: boolean
    cause?: unknown
  }) {
    super(`delivery of ${fields.key} (seq ${fields.firstSeq}-${fields.lastSeq}) to ${fields.bucket} failed: ${fields.code}`, {
      cause: fields.cause,
    })
    this.trailArn = fields.trailArn
    this.bucket = fields.bucket
    this.key = fields.key
    this.firstSeq = fields.firstSeq
    this.lastSeq = fields.lastSeq
    this.code = fields.code
    this.retryable = fields.retryable
  }
}

/** A persisted plan names journal entries that are gone (deleted by retention); it cannot be replayed. */
export class PlanEntriesMissingError extends Error {
  override readonly name = 'PlanEntriesMissingError'
  constructor(
    readonly trailArn: string,
    readonly missingSeqs: number[],
  ) {
    super(`delivery plan of ${trailArn} names ${missingSeqs.length} journal entries that no longer exist`)
  }
}
