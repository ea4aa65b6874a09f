/**
 * Wire errors. Only the api folder knows HTTP statuses and AWS error codes: other folders
 * throw their own typed errors carrying a CloudTrail exception name in `code`, and
 * `toApiError` maps them here, in one place.
 */

export class ApiError extends Error {
  override readonly name = 'ApiError'
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

/**
 * Codes that AWS answers with a status other than 400. AWS JSON services answer the
 * authentication errors (MissingAuthenticationToken, UnrecognizedClient, InvalidSignature)
 * with 400, and so do we.
 */
const STATUS_BY_CODE: Record<string, number> = {
  AccessDeniedException: 403,
  InternalFailure: 500,
  ServiceUnavailableException: 503,
}

/** An error from any folder that carries a CloudTrail error code. */
interface CodedError {
  code: string
  message: string
}

function isCodedError(error: unknown): error is CodedError {
  return (
    error instanceof Error &&
    typeof (error as unknown as { code?: unknown }).code === 'string' &&
    /^[A-Z][A-Za-z0-9]+$/.test((error as unknown as { code: string }).code)
  )
}

export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error
  if (isCodedError(error)) return new ApiError(error.code, error.message, STATUS_BY_CODE[error.code] ?? 400, { cause: error })
  return undefined
}

export function statusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 400
}
