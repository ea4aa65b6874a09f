/**
 * A record's skeleton: the fields that routing and indexing read (trail event selectors,
 * Event History's attributes), without the free-form payloads (requestParameters,
 * responseElements, additionalEventData, ...) that make up most of a record's JSON.
 *
 * Made once where the record is built (PutAuditEvents' conversion threads) and carried as
 * JSON beside the record's, so each projection parses a third of the text it would
 * otherwise parse. A whole record is a valid skeleton, so readers without one use the record.
 */
import type { CloudTrailRecord } from './types.js'

const SKELETON_FIELDS = [
  'eventVersion',
  'userIdentity',
  'eventTime',
  'eventSource',
  'eventName',
  'awsRegion',
  'errorCode',
  'eventID',
  'readOnly',
  'resources',
  'eventType',
  'managementEvent',
  'recipientAccountId',
  'vpcEndpointId',
  'eventCategory',
  'sessionCredentialFromConsole',
  'insightDetails',
] as const satisfies readonly (keyof CloudTrailRecord)[]

export type RecordSkeleton = Pick<CloudTrailRecord, (typeof SKELETON_FIELDS)[number]>

/** The skeleton's JSON text. */
export function skeletonJson(record: CloudTrailRecord): string {
  const skeleton: Partial<Record<(typeof SKELETON_FIELDS)[number], unknown>> = {}
  for (const field of SKELETON_FIELDS) if (record[field] !== undefined) skeleton[field] = record[field]
  return JSON.stringify(skeleton)
}
