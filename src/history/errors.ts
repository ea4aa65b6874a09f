/**
 * Why a lookup was refused. Each class carries, in `code`, the CloudTrail exception name
 * LookupEvents answers with; the api folder maps codes to the wire. Messages name the
 * parameter, never a token's bytes.
 */

/** The CloudTrail exception names a lookup can fail with. */
export type LookupErrorCode =
  | 'InvalidLookupAttributesException'
  | 'InvalidTimeRangeException'
  | 'InvalidMaxResultsException'
  | 'InvalidNextTokenException'
  | 'InvalidEventCategoryException'

/** Base class: a LookupEvents request that cannot be answered as asked. */
export abstract class LookupError extends Error {
  abstract readonly code: LookupErrorCode
  readonly retryable = false
}

export class InvalidLookupAttributesError extends LookupError {
  override readonly name = 'InvalidLookupAttributesError'
  readonly code = 'InvalidLookupAttributesException'
  constructor(
    /** The offending attribute key, as given. */
    readonly attributeKey: string,
    message: string,
  ) {
    super(message)
  }
}

export class InvalidTimeRangeError extends LookupError {
  override readonly name = 'InvalidTimeRangeError'
  readonly code = 'InvalidTimeRangeException'
}

export class InvalidMaxResultsError extends LookupError {
  override readonly name = 'InvalidMaxResultsError'
  readonly code = 'InvalidMaxResultsException'
  constructor(readonly maxResults: number) {
    super(`MaxResults must be an integer from 1 to 50, got ${maxResults}`)
  }
}

export class InvalidNextTokenError extends LookupError {
  override readonly name = 'InvalidNextTokenError'
  readonly code = 'InvalidNextTokenException'
  constructor(
    /** Why: the token does not parse or verify, or was issued for other parameters. */
    readonly reason: 'malformed' | 'signature',
  ) {
    super(
      reason === 'malformed'
        ? 'NextToken is not valid'
        : 'NextToken is not valid or was issued for a request with different parameters',
    )
  }
}

export class InvalidEventCategoryError extends LookupError {
  override readonly name = 'InvalidEventCategoryError'
  readonly code = 'InvalidEventCategoryException'
  constructor(readonly eventCategory: string) {
    super(`EventCategory must be "insight"`)
  }
}
