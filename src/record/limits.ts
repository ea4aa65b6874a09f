/**
 * CloudTrail's size limits on a record (reference §1, §4.8): the whole event, and the
 * fields CloudTrail caps. Sizes are UTF-8 bytes of the field's JSON text.
 */

export const MAX_EVENT_BYTES = 256 * 1024

/** String fields CloudTrail caps at 1 KB. */
export const MAX_STRING_FIELD_BYTES: Readonly<Record<string, number>> = Object.freeze({
  userAgent: 1024,
  errorCode: 1024,
  errorMessage: 1024,
  requestID: 1024,
})

/** Object fields and their caps (CloudTrail truncates these, so a real record is never over). */
export const MAX_OBJECT_FIELD_BYTES: Readonly<Record<string, number>> = Object.freeze({
  requestParameters: 100 * 1024,
  responseElements: 100 * 1024,
  serviceEventDetails: 100 * 1024,
  additionalEventData: 28 * 1024,
  edgeDeviceDetails: 28 * 1024,
})

/** UTF-8 size of a value's JSON text. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8')
}
