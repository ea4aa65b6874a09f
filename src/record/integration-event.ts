/**
 * Turns a PutAuditEvents `eventData` string into the record OpenTrail stores, following
 * CloudTrail Lake's integration event schema (reference §4.10).
 *
 * Mapping (stored record ← source):
 *   eventVersion        ← CURRENT_EVENT_VERSION
 *   eventCategory       ← "Management"; "Data" when the payload marks itself a data event
 *                         (eventData.managementEvent === false or eventData.eventCategory === "Data").
 *                         Not Lake's "ActivityAuditLog": captured events are first-class, so
 *                         trails select them with the ordinary selectors and the default
 *                         trail delivers them.
 *   eventType           ← "ActivityLog"
 *   eventID             ← ctx.eventIdFor(eventTime) (assigned by the service)
 *   eventTime           ← eventData.eventTime, as `YYYY-MM-DDThh:mm:ssZ` (the event's time, not the ingestion time)
 *   awsRegion           ← ctx.region (the Region of the PutAuditEvents call)
 *   recipientAccountId  ← eventData.recipientAccountId (checked equal to the channel owner)
 *   metadata            ← { ingestionTime: ctx.ingestionTime, channelARN: ctx.channelArn }
 *   eventData           ← the parsed payload, unchanged
 * and, beyond Lake's shape, so that Event History, trails and detections can treat the
 * event like any CloudTrail record:
 *   managementEvent     ← true, false for a data event
 *   eventSource, eventName, userAgent, sourceIPAddress, errorCode, errorMessage,
 *   requestParameters, responseElements, additionalEventData, readOnly ← eventData's, when given
 *   userIdentity        ← { type, principalId, ...userIdentity.details } (details' own
 *                         type/principalId never override the required ones)
 */
import { isIP } from 'node:net'
import { RecordError, type RecordResult } from './errors.js'
import { MAX_EVENT_BYTES, jsonBytes } from './limits.js'
import { formatEventTime } from './time.js'
import { CURRENT_EVENT_VERSION, type CloudTrailRecord, type UserIdentity } from './types.js'
import { isPlainObject } from './validate.js'

export interface IntegrationEventContext {
  channelArn: string
  /** The channel owner's account; eventData.recipientAccountId must equal it. */
  accountId: string
  region: string
  /** The eventID the service assigns, given the event's eventTime (`YYYY-MM-DDThh:mm:ssZ`). */
  eventIdFor: (eventTime: string) => string
  /** When the service received the event, as CloudTrail writes times (`YYYY-MM-DDThh:mm:ssZ`). */
  ingestionTime: string
}

/** Caller string fields and their maximum length in characters (§4.10). */
const STRING_LIMITS: Readonly<Record<string, number>> = {
  version: 256,
  eventSource: 1024,
  eventName: 1024,
  UID: 1024,
  userAgent: 1024,
  errorCode: 256,
  errorMessage: 256,
}
/** Caller JSON fields and their maximum size in bytes; over it the event is rejected, not truncated. */
const JSON_LIMITS: Readonly<Record<string, number>> = {
  requestParameters: 100 * 1024,
  responseElements: 100 * 1024,
  additionalEventData: 28 * 1024,
}
const REQUIRED_STRINGS = ['version', 'eventSource', 'eventName', 'eventTime', 'UID', 'recipientAccountId'] as const
const STRING_FIELDS = [...REQUIRED_STRINGS, 'userAgent', 'errorCode', 'errorMessage', 'sourceIPAddress'] as const
const STRING_LIMIT_ENTRIES = Object.entries(STRING_LIMITS)
const JSON_LIMIT_ENTRIES = Object.entries(JSON_LIMITS)
/**
 * The JSON text of a value parsed from eventData is at most this many times eventData's own
 * UTF-8 size (a number such as `1e20` expands most, to 21 characters); so for eventData
 * under the smallest field limit divided by it, no field can be over its limit, and the
 * per-field re-serialisation is skipped.
 */
const MAX_RESERIALISATION_GROWTH = 8
const FIELD_CHECK_BYTES = Math.min(...Object.values(JSON_LIMITS)) / MAX_RESERIALISATION_GROWTH
const COPIED_FIELDS = [
  'eventSource', 'eventName', 'userAgent', 'sourceIPAddress', 'errorCode', 'errorMessage',
  'requestParameters', 'responseElements', 'additionalEventData', 'readOnly',
] as const

// `yyyy-MM-ddTHH:mm:ss` in UTC; a trailing `Z` and a fraction of a second are accepted too.
const EVENT_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$/

export function fromIntegrationEvent(eventData: string, ctx: IntegrationEventContext): RecordResult<CloudTrailRecord> {
  const bytes = Buffer.byteLength(eventData, 'utf8')
  if (bytes > MAX_EVENT_BYTES) {
    return fail('FieldTooLong', 'eventData', `eventData is larger than ${MAX_EVENT_BYTES} bytes`)
  }
  let payload: unknown
  try {
    payload = JSON.parse(eventData)
  } catch {
    return fail('InvalidData', 'eventData', 'eventData is not valid JSON')
  }
  if (!isPlainObject(payload)) return fail('InvalidData', 'eventData', 'eventData is not a JSON object')

  const checked = checkPayload(payload, ctx, bytes)
  if (checked instanceof RecordError) return { ok: false, error: checked }
  return { ok: true, record: toRecord(payload, ctx, checked) }
}

/** A RecordError, or the payload's eventTime in CloudTrail's form. */
function checkPayload(data: Record<string, unknown>, ctx: IntegrationEventContext, bytes: number): RecordError | string {
  for (const field of ['version', 'userIdentity'] as const) {
    if (absent(data[field])) return missing(field)
  }
  const identity = data.userIdentity
  if (!isPlainObject(identity)) return invalid('userIdentity', 'must be an object')
  for (const field of ['type', 'principalId'] as const) {
    if (absent(identity[field])) return missing(`userIdentity.${field}`)
    if (typeof identity[field] !== 'string') return invalid(`userIdentity.${field}`, 'must be a string')
  }
  if ((identity.type as string).length > 128) return tooLong('userIdentity.type', 128)
  if ((identity.principalId as string).length > 1024) return tooLong('userIdentity.principalId', 1024)
  if (identity.details !== undefined && identity.details !== null && !isPlainObject(identity.details)) {
    return invalid('userIdentity.details', 'must be a JSON object')
  }

  for (const field of REQUIRED_STRINGS) {
    if (absent(data[field])) return missing(field)
  }
  for (const field of STRING_FIELDS) {
    if (data[field] !== undefined && typeof data[field] !== 'string') return invalid(field, 'must be a string')
  }
  for (const [field, max] of STRING_LIMIT_ENTRIES) {
    const v = data[field]
    if (typeof v === 'string' && v.length > max) return tooLong(field, max)
  }
  for (const [field, max] of JSON_LIMIT_ENTRIES) {
    const v = data[field]
    if (v === undefined || v === null) continue
    if (!isPlainObject(v)) return invalid(field, 'must be a JSON object')
    if (bytes > FIELD_CHECK_BYTES && jsonBytes(v) > max) return tooLong(field, max, 'bytes')
  }
  if (data.readOnly !== undefined && typeof data.readOnly !== 'boolean') return invalid('readOnly', 'must be a boolean')
  const eventTime = integrationEventTime(data.eventTime as string)
  if (eventTime === undefined) return invalid('eventTime', 'must be yyyy-MM-ddTHH:mm:ss in UTC')
  if (data.sourceIPAddress !== undefined && isIP(data.sourceIPAddress as string) === 0) {
    return invalid('sourceIPAddress', 'must be an IPv4 or IPv6 address')
  }
  if (data.recipientAccountId !== ctx.accountId) {
    return new RecordError(
      'InvalidRecipient',
      'eventData.recipientAccountId',
      'eventData.recipientAccountId must be the account that owns the channel',
    )
  }
  return eventTime
}

/** The payload's eventTime as CloudTrail's `YYYY-MM-DDThh:mm:ssZ`, or undefined if it is not a real UTC time. */
export function integrationEventTime(value: string): string | undefined {
  const m = EVENT_TIME.exec(value)
  if (!m) return undefined
  const normalized = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`
  const ms = Date.parse(normalized)
  // Date.parse rolls 2024-02-30 over to March; a time that does not format back is not real.
  if (!Number.isFinite(ms) || formatEventTime(new Date(ms)) !== normalized) return undefined
  return normalized
}

function toRecord(data: Record<string, unknown>, ctx: IntegrationEventContext, eventTime: string): CloudTrailRecord {
  const identity = data.userIdentity as Record<string, unknown>
  const details = isPlainObject(identity.details) ? identity.details : {}
  const userIdentity: UserIdentity = {
    type: identity.type as string,
    principalId: identity.principalId as string,
    ...Object.fromEntries(Object.entries(details).filter(([k]) => k !== 'type' && k !== 'principalId')),
  }
  const isData = data.managementEvent === false || data.eventCategory === 'Data'
  const record: CloudTrailRecord = {
    eventVersion: CURRENT_EVENT_VERSION,
    eventCategory: isData ? 'Data' : 'Management',
    eventType: 'ActivityLog',
    eventID: ctx.eventIdFor(eventTime),
    eventTime,
    awsRegion: ctx.region,
    recipientAccountId: data.recipientAccountId as string,
    userIdentity,
  }
  for (const field of COPIED_FIELDS) {
    if (data[field] !== undefined) (record as Record<string, unknown>)[field] = data[field]
  }
  record.managementEvent = !isData
  record.metadata = { ingestionTime: ctx.ingestionTime, channelARN: ctx.channelArn }
  record.eventData = data
  return record
}

/** Required fields count as missing when absent, null or empty. */
function absent(value: unknown): boolean {
  return value === undefined || value === null || value === ''
}

function fail(code: RecordError['code'], field: string, message: string): RecordResult<CloudTrailRecord> {
  return { ok: false, error: new RecordError(code, field, message) }
}

function missing(field: string): RecordError {
  return new RecordError('FieldNotFound', `eventData.${field}`, `required field eventData.${field} is missing`)
}

function invalid(field: string, what: string): RecordError {
  return new RecordError('InvalidData', `eventData.${field}`, `eventData.${field} ${what}`)
}

function tooLong(field: string, max: number, unit = 'characters'): RecordError {
  return new RecordError('FieldTooLong', `eventData.${field}`, `eventData.${field} is longer than ${max} ${unit}`)
}
