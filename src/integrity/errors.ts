/** Typed failures of log file validation. */
import { formatEventTime } from '../record/index.js'
import type { DigestInvalidReason } from './report.js'

/** ListPublicKeys returned nothing for the range (the CLI stops with this message). */
export class NoPublicKeysError extends Error {
  override readonly name = 'NoPublicKeysError'
  readonly retryable = false
  constructor(readonly start: Date, readonly end: Date) {
    super(`No public keys found between ${formatEventTime(start)} and ${formatEventTime(end)}`)
  }
}

/** The start time is after the end time (the CLI's wording). */
export class InvalidTimeRangeError extends Error {
  override readonly name = 'InvalidTimeRangeError'
  readonly retryable = false
  constructor(readonly start: Date, readonly end: Date) {
    super('Invalid time range specified: start-time must occur before end-time')
  }
}

/** The trail ARN does not look like `arn:<partition>:cloudtrail:<region>:<12 digits>:trail/<name>`. */
export class InvalidTrailArnError extends Error {
  override readonly name = 'InvalidTrailArnError'
  readonly retryable = false
  constructor(readonly trailArn: string) {
    super(`Invalid trail ARN provided: ${trailArn}`)
  }
}

/** Internal: a digest failed a check; `line` is the CLI's report line. */
export class DigestInvalid extends Error {
  override readonly name = 'DigestInvalid'
  constructor(readonly reason: DigestInvalidReason, readonly line: string) {
    super(line)
  }
}

/** Internal: an object the walk needs is absent (S3's NoSuchKey). */
export class ObjectMissing extends Error {
  override readonly name = 'ObjectMissing'
  constructor(readonly bucket: string, readonly key: string) {
    super(`s3://${bucket}/${key} not found`)
  }
}

/** ListPublicKeys got a StartTime after its EndTime (CloudTrail's InvalidTimeRangeException). */
export class PublicKeyTimeRangeError extends Error {
  override readonly name = 'PublicKeyTimeRangeError'
  readonly code = 'InvalidTimeRangeException'
  readonly retryable = false
  constructor(readonly start: Date, readonly end: Date) {
    super('Start time must be before end time.')
  }
}
