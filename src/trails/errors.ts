/**
 * Failures of the trail API and the trail store. `code` is the CloudTrail exception name;
 * the api folder turns it into the wire error (see api/errors.ts).
 */

/** The CloudTrail exceptions trails raise. */
export type TrailErrorCode =
  | 'CloudTrailARNInvalidException'
  | 'InsightNotEnabledException'
  | 'InsufficientS3BucketPolicyException'
  | 'InvalidCloudWatchLogsLogGroupArnException'
  | 'InvalidCloudWatchLogsRoleArnException'
  | 'InvalidEventSelectorsException'
  | 'InvalidHomeRegionException'
  | 'InvalidInsightSelectorsException'
  | 'InvalidKmsKeyIdException'
  | 'InvalidNextTokenException'
  | 'InvalidParameterCombinationException'
  | 'InvalidParameterException'
  | 'InvalidS3BucketNameException'
  | 'InvalidS3PrefixException'
  | 'InvalidSnsTopicNameException'
  | 'InvalidTagParameterException'
  | 'InvalidTrailNameException'
  | 'KmsKeyNotFoundException'
  | 'MaximumNumberOfTrailsExceededException'
  | 'OrganizationsNotInUseException'
  | 'ResourceNotFoundException'
  | 'ResourceTypeNotSupportedException'
  | 'S3BucketDoesNotExistException'
  | 'ServiceUnavailableException'
  | 'TagsLimitExceededException'
  | 'TrailAlreadyExistsException'
  | 'TrailNotFoundException'
  | 'TrailNotProvidedException'
  | 'UnsupportedOperationException'

export class TrailError extends Error {
  override readonly name = 'TrailError'
  constructor(
    readonly code: TrailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }

  /** Only an outage of the object store is worth retrying unchanged. */
  get retryable(): boolean {
    return this.code === 'ServiceUnavailableException'
  }
}

/** CloudTrail's (and moto's) wording for an unknown trail. */
export function trailNotFound(ref: string, accountId: string): TrailError {
  return new TrailError('TrailNotFoundException', `Unknown trail: ${ref} for the user: ${accountId}`)
}

/** A stored trail row in a format this version cannot read (a downgrade); not a client error. */
export class TrailStoreFormatError extends Error {
  override readonly name = 'TrailStoreFormatError'
  readonly retryable = false
  constructor(
    readonly arn: string,
    readonly version: number,
  ) {
    super(`trail ${arn} is stored in unknown format version ${version}`)
  }
}
