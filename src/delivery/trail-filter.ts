/**
 * Which journal records a trail delivers: its own account's, from the Regions it covers,
 * that its event selectors select.
 */
import type { RecordSkeleton } from '../record/index.js'
import { matches } from '../trails/index.js'
import type { Trail } from '../trails/index.js'

/** Where global services record their events (reference §1: IAM, global STS, CloudFront appear as us-east-1). */
export const GLOBAL_SERVICE_REGION = 'us-east-1'

/**
 * Event sources of global services. Their events, recorded in us-east-1, are what
 * `IncludeGlobalServiceEvents: false` leaves out. STS is global only at its global endpoint,
 * which records in us-east-1; regional STS endpoints record in their own Region and stay in.
 */
export const GLOBAL_SERVICE_EVENT_SOURCES: ReadonlySet<string> = new Set([
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'cloudfront.amazonaws.com',
  'route53.amazonaws.com',
  'waf.amazonaws.com',
  'organizations.amazonaws.com',
  'signin.amazonaws.com',
])

export function isGlobalServiceEvent(record: RecordSkeleton): boolean {
  return (
    record.awsRegion === GLOBAL_SERVICE_REGION &&
    record.eventSource !== undefined &&
    GLOBAL_SERVICE_EVENT_SOURCES.has(record.eventSource)
  )
}

/** The trail fields delivery filters by; a snapshot of them is all a decision depends on. */
export type TrailFilter = Pick<
  Trail,
  'accountId' | 'homeRegion' | 'isMultiRegionTrail' | 'includeGlobalServiceEvents' | 'eventSelectors' | 'advancedEventSelectors'
>

/** True when the trail delivers this record. Insights records never match (`matches` says no). */
export function trailSelects(trail: TrailFilter, record: RecordSkeleton): boolean {
  if (record.recipientAccountId !== trail.accountId) return false
  if (!trail.isMultiRegionTrail && record.awsRegion !== trail.homeRegion) return false
  if (!trail.includeGlobalServiceEvents && isGlobalServiceEvent(record)) return false
  return matches(record, { eventSelectors: trail.eventSelectors, advancedEventSelectors: trail.advancedEventSelectors })
}
