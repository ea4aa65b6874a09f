/**
 * Checks that a value is a CloudTrail record OpenTrail can store: the fields every stored
 * record needs, the types of the documented fields, and CloudTrail's size limits.
 * Unknown fields are allowed and kept untouched (newer eventVersions add fields).
 */
import { RecordError, type RecordResult } from './errors.js'
import { MAX_EVENT_BYTES, MAX_OBJECT_FIELD_BYTES, MAX_STRING_FIELD_BYTES, jsonBytes } from './limits.js'
import { parseEventTime } from './time.js'
import type { CloudTrailRecord } from './types.js'

const STRING_FIELDS = [
  'eventVersion', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'sourceIPAddress', 'userAgent',
  'errorCode', 'errorMessage', 'requestID', 'eventID', 'eventType', 'apiVersion', 'recipientAccountId',
  'sharedEventID', 'vpcEndpointId', 'vpcEndpointAccountId', 'eventCategory', 'sessionCredentialFromConsole',
] as const
const BOOLEAN_FIELDS = ['readOnly', 'managementEvent'] as const
const OBJECT_FIELDS = [
  'userIdentity', 'additionalEventData', 'serviceEventDetails', 'addendum', 'edgeDeviceDetails', 'tlsDetails',
  'eventContext', 'insightDetails',
] as const
/** CloudTrail writes `null` for these when there is nothing to show (reads, failures). */
const NULLABLE_OBJECT_FIELDS = ['requestParameters', 'responseElements'] as const
const IDENTITY_STRING_FIELDS = [
  'type', 'principalId', 'arn', 'accountId', 'accessKeyId', 'userName', 'invokedBy', 'identityProvider',
  'credentialId',
] as const

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface ValidateOptions {
  /**
   * Check the per-field caps (1 KB strings, 28/100 KB objects); default true. CloudTrail
   * applies them when it writes a record, so they hold for records OpenTrail makes. The
   * importer turns them off: a record read from a log is evidence kept as found, and real
   * logs break them (a Stratus Red Team detonation log has a 1,026-byte errorMessage once
   * anonymised). The whole-event cap always applies.
   */
  fieldLimits?: boolean
}

/** Checks a record; on success the same object is returned, typed. */
export function validateRecord(value: unknown, options: ValidateOptions = {}): RecordResult<CloudTrailRecord> {
  const error = findRecordError(value, options.fieldLimits ?? true)
  return error ? { ok: false, error } : { ok: true, record: value as CloudTrailRecord }
}

function findRecordError(value: unknown, fieldLimits: boolean): RecordError | undefined {
  if (!isPlainObject(value)) return new RecordError('InvalidData', '', 'the record is not a JSON object')
  if (jsonBytes(value) > MAX_EVENT_BYTES) {
    return new RecordError('FieldTooLong', '', `the record is larger than ${MAX_EVENT_BYTES} bytes`)
  }
  const required = ['eventVersion', 'eventTime', 'awsRegion', 'eventID']
  // Insights records carry no caller: no eventSource/eventName at top level (reference §1.5).
  if (value.eventType !== 'AwsCloudTrailInsight') required.push('eventSource', 'eventName')
  for (const field of required) {
    if (value[field] === undefined || value[field] === null || value[field] === '') {
      return new RecordError('FieldNotFound', field, `required field ${field} is missing`)
    }
  }
  return (
    checkTypes(value) ??
    (Number.isFinite(parseEventTime(value.eventTime as string))
      ? undefined
      : new RecordError('InvalidData', 'eventTime', 'eventTime is not a valid timestamp')) ??
    (fieldLimits ? checkSizes(value) : undefined)
  )
}

function checkTypes(record: Record<string, unknown>): RecordError | undefined {
  for (const field of STRING_FIELDS) {
    if (record[field] !== undefined && typeof record[field] !== 'string') return wrongType(field, 'a string')
  }
  for (const field of BOOLEAN_FIELDS) {
    if (record[field] !== undefined && typeof record[field] !== 'boolean') return wrongType(field, 'a boolean')
  }
  for (const field of OBJECT_FIELDS) {
    if (record[field] !== undefined && !isPlainObject(record[field])) return wrongType(field, 'an object')
  }
  for (const field of NULLABLE_OBJECT_FIELDS) {
    const v = record[field]
    if (v !== undefined && v !== null && !isPlainObject(v)) return wrongType(field, 'an object or null')
  }
  if (record.resources !== undefined) {
    if (!Array.isArray(record.resources)) return wrongType('resources', 'an array')
    const i = record.resources.findIndex((r) => !isPlainObject(r))
    if (i >= 0) return wrongType(`resources[${i}]`, 'an object')
  }
  const identity = record.userIdentity
  if (isPlainObject(identity)) {
    for (const field of IDENTITY_STRING_FIELDS) {
      if (identity[field] !== undefined && typeof identity[field] !== 'string') {
        return wrongType(`userIdentity.${field}`, 'a string')
      }
    }
    if (identity.sessionContext !== undefined && !isPlainObject(identity.sessionContext)) {
      return wrongType('userIdentity.sessionContext', 'an object')
    }
  }
  return undefined
}

function checkSizes(record: Record<string, unknown>): RecordError | undefined {
  for (const [field, max] of Object.entries(MAX_STRING_FIELD_BYTES)) {
    const v = record[field]
    if (typeof v === 'string' && Buffer.byteLength(v, 'utf8') > max) return tooLong(field, max)
  }
  for (const [field, max] of Object.entries(MAX_OBJECT_FIELD_BYTES)) {
    const v = record[field]
    if (v !== undefined && v !== null && jsonBytes(v) > max) return tooLong(field, max)
  }
  return undefined
}

function wrongType(field: string, expected: string): RecordError {
  return new RecordError('InvalidData', field, `${field} must be ${expected}`)
}

function tooLong(field: string, max: number): RecordError {
  return new RecordError('FieldTooLong', field, `${field} is longer than ${max} bytes`)
}
