/**
 * Fills in, on a record read from a file someone else wrote, what CloudTrail itself would
 * have written, so imported records look like delivered ones to Event History, trails and
 * detections. Fields that are present and valid are never changed: a real CloudTrail
 * record comes out deep-equal to what went in.
 */
import { createHash } from 'node:crypto'
import { isPlainObject } from './validate.js'
import { formatEventTime, isCloudTrailEventTime, parseUtcTimestamp } from './time.js'
import type { CloudTrailRecord } from './types.js'

export interface NormalizeDefaults {
  /** The account the records were delivered to (e.g. from an `AWSLogs/<account>/` path). */
  accountId?: string
  /** The Region the records were delivered from, for records that lack awsRegion. */
  region?: string
}

/** Returns a new record; `raw` is not modified. */
export function normalizeRecord(raw: Record<string, unknown>, defaults: NormalizeDefaults = {}): CloudTrailRecord {
  const record: Record<string, unknown> = { ...raw }
  undoLogstash(record)

  // A time in another form (Panther's `2022-12-11 19:42:55`) becomes CloudTrail's; a time
  // already in CloudTrail's form is left alone, so real records keep their exact text.
  if (typeof record.eventTime === 'string' && !isCloudTrailEventTime(record.eventTime)) {
    const ms = parseUtcTimestamp(record.eventTime)
    if (Number.isFinite(ms)) record.eventTime = formatEventTime(new Date(ms))
  }

  if (record.awsRegion === undefined && defaults.region !== undefined) record.awsRegion = defaults.region

  // eventCategory arrived in eventVersion 1.07 (managementEvent in 1.06); older records
  // get the values CloudTrail would write today.
  const isInsight = record.eventType === 'AwsCloudTrailInsight'
  if (record.eventCategory === undefined) record.eventCategory = inferCategory(record)
  if (record.managementEvent === undefined && !isInsight) {
    if (record.eventCategory === 'Management') record.managementEvent = true
    else if (record.eventCategory === 'Data' || record.eventCategory === 'NetworkActivity') record.managementEvent = false
  }

  if (record.recipientAccountId === undefined) {
    const identityAccount = isPlainObject(record.userIdentity) ? record.userIdentity.accountId : undefined
    const account = defaults.accountId ?? (typeof identityAccount === 'string' ? identityAccount : undefined)
    if (account !== undefined) record.recipientAccountId = account
  }

  // Derived from the content, not random, so importing the same file twice yields the
  // same eventID and the journal's eventID dedup skips the second copy.
  if (record.eventID === undefined || record.eventID === null || record.eventID === '') {
    record.eventID = contentEventId(record)
  }
  return record as CloudTrailRecord
}

/**
 * Logstash's default pipeline (the OTRF Security-Datasets went through it) moves the
 * event's time into `@timestamp` (ISO with milliseconds) and adds `@version`. Neither is
 * a CloudTrail field: eventTime is rebuilt from `@timestamp` and both are dropped.
 */
function undoLogstash(record: Record<string, unknown>): void {
  const stamp = record['@timestamp']
  if (stamp === undefined) return
  if (record.eventTime === undefined && typeof stamp === 'string') {
    const ms = parseUtcTimestamp(stamp)
    if (!Number.isFinite(ms)) return
    record.eventTime = formatEventTime(new Date(ms))
  } else if (record['@version'] === undefined) {
    // A `@timestamp` next to a real eventTime, without Logstash's `@version`, is someone
    // else's field: leave it.
    return
  }
  delete record['@timestamp']
  delete record['@version']
}

function inferCategory(record: Record<string, unknown>): string {
  if (record.eventType === 'AwsCloudTrailInsight') return 'Insight'
  if (record.eventType === 'AwsVpceEvent') return 'NetworkActivity'
  if (record.managementEvent === false) return 'Data'
  return 'Management'
}

/** A UUID (version 8, RFC 9562 "custom") from the SHA-256 of the record's canonical JSON. */
export function contentEventId(record: Record<string, unknown>): string {
  const { eventID: _ignored, ...content } = record
  const hash = createHash('sha256').update(canonicalJson(content)).digest()
  hash[6] = (hash[6]! & 0x0f) | 0x80
  hash[8] = (hash[8]! & 0x3f) | 0x80
  const hex = hash.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** JSON with object keys sorted at every level, so key order in the file does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort()
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}
