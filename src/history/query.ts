/**
 * Checks a LookupQuery the way CloudTrail does and resolves its defaults. Pure: the
 * clock comes in as `nowMs`, the token is decoded by the caller.
 */
import {
  InvalidEventCategoryError,
  InvalidLookupAttributesError,
  InvalidMaxResultsError,
  InvalidTimeRangeError,
} from './errors.js'
import { INSIGHT_ATTRIBUTE_KEYS, LOOKUP_ATTRIBUTE_KEYS } from './types.js'
import type { LookupAttributeKey, LookupQuery } from './types.js'

export const DEFAULT_MAX_RESULTS = 50
export const MAX_MAX_RESULTS = 50
/** Event History keeps 90 days; a lookup without StartTime covers them. */
export const DEFAULT_LOOKUP_WINDOW_MS = 90 * 24 * 60 * 60 * 1000
/** LookupAttributeValue's maximum weighted length (botocore). */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 2000

export interface CheckedQuery {
  accountId: string
  region: string
  category: 'management' | 'insight'
  attributes: { key: LookupAttributeKey; value: string }[]
  /** As given (undefined = default), for the token's parameter binding. */
  startMs: number | undefined
  endMs: number | undefined
  maxResults: number
  /** Canonical text of the parameters a NextToken is bound to. */
  params: string
}

export function checkQuery(q: LookupQuery): CheckedQuery {
  if (q.eventCategory !== undefined && q.eventCategory !== 'insight') {
    throw new InvalidEventCategoryError(q.eventCategory)
  }
  const category = q.eventCategory === 'insight' ? 'insight' : 'management'
  const seen = new Set<string>()
  const attributes = q.attributes.map(({ key, value }) => {
    if (!isAttributeKey(key)) throw new InvalidLookupAttributesError(key, `unknown lookup attribute key`)
    if (seen.has(key)) throw new InvalidLookupAttributesError(key, `lookup attribute ${key} is given more than once`)
    seen.add(key)
    if (category === 'insight' && !INSIGHT_ATTRIBUTE_KEYS.includes(key)) {
      throw new InvalidLookupAttributesError(key, `lookup attribute ${key} is not supported for Insights events`)
    }
    if (typeof value !== 'string' || value.length === 0 || weightedLength(value) > MAX_ATTRIBUTE_VALUE_LENGTH) {
      throw new InvalidLookupAttributesError(key, `the value of ${key} must be 1 to ${MAX_ATTRIBUTE_VALUE_LENGTH} characters`)
    }
    return { key, value }
  })
  const startMs = timeOf(q.startTime, 'StartTime')
  const endMs = timeOf(q.endTime, 'EndTime')
  if (startMs !== undefined && endMs !== undefined && startMs > endMs) {
    throw new InvalidTimeRangeError('StartTime is after EndTime')
  }
  const maxResults = q.maxResults ?? DEFAULT_MAX_RESULTS
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_MAX_RESULTS) {
    throw new InvalidMaxResultsError(maxResults)
  }
  const params = JSON.stringify([
    q.accountId,
    q.region,
    category,
    attributes.map((a) => [a.key, a.value]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    startMs ?? null,
    endMs ?? null,
  ])
  return { accountId: q.accountId, region: q.region, category, attributes, startMs, endMs, maxResults, params }
}

/** The window [start, end] in ms; throws when a defaulted bound crosses the other. */
export function resolveWindow(q: CheckedQuery, nowMs: number, defaultWindowMs: number): { start: number; end: number } {
  const end = q.endMs ?? nowMs
  const start = q.startMs ?? end - defaultWindowMs
  if (start > end) throw new InvalidTimeRangeError('StartTime is after EndTime')
  return { start, end }
}

/** botocore: `_`, space, `,` and newline count as two characters towards the limit. */
export function weightedLength(value: string): number {
  let n = 0
  for (const ch of value) n += ch === '_' || ch === ' ' || ch === ',' || ch === '\n' ? 2 : 1
  return n
}

function isAttributeKey(key: string): key is LookupAttributeKey {
  return (LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key)
}

function timeOf(date: Date | undefined, name: string): number | undefined {
  if (date === undefined) return undefined
  const ms = date.getTime()
  if (!Number.isFinite(ms)) throw new InvalidTimeRangeError(`${name} is not a valid time`)
  return ms
}
