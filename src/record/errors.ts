/**
 * Why a record (or an integration event's eventData) was refused. The codes are
 * cloudtrail-data's per-event error codes (PutAuditEvents `failed[].errorCode`), so the
 * API can return them unchanged; the message names the field, never its value, because
 * values may hold secrets and whole payloads must not reach logs.
 */

/** cloudtrail-data's per-event error codes that record checks can produce. */
export type RecordErrorCode = 'FieldNotFound' | 'FieldTooLong' | 'InvalidData' | 'InvalidRecipient'

export class RecordError extends Error {
  override readonly name = 'RecordError'
  constructor(
    readonly code: RecordErrorCode,
    /** Path of the offending field, e.g. `userIdentity.type` or `eventData.UID`. */
    readonly field: string,
    message: string,
  ) {
    super(message)
  }
}

/** The outcome of checking or building a record: the record, or why it was refused. */
export type RecordResult<T> = { ok: true; record: T } | { ok: false; error: RecordError }
