/**
 * The service's own API calls, recorded as CloudTrail management events (eventSource
 * `cloudtrail.amazonaws.com`), as CloudTrail records its own API calls — including
 * refused ones (bad signature, unknown key), which carry the error code.
 */
import { CURRENT_EVENT_VERSION, formatEventTime, newEventId } from '../record/index.js'
import type { CloudTrailRecord } from '../record/index.js'

export const OWN_EVENT_SOURCE = 'cloudtrail.amazonaws.com'

export interface OwnCall {
  eventName: string
  eventSource?: string
  accountId: string
  region: string
  requestId: string
  sourceIp: string
  userAgent?: string
  time: Date
  readOnly: boolean
  /** The caller, when known; an unknown or missing key yields an `Unknown` identity. */
  caller?: { accountId: string; accessKeyId: string; userName: string }
  attemptedAccessKeyId?: string
  requestParameters?: Record<string, unknown> | null
  responseElements?: Record<string, unknown> | null
  errorCode?: string
  errorMessage?: string
  resources?: { ARN: string; accountId: string; type: string }[]
}

export function ownCallRecord(call: OwnCall): CloudTrailRecord {
  const identity = call.caller
    ? {
        type: 'IAMUser',
        principalId: principalIdFor(call.caller.accessKeyId),
        arn: `arn:aws:iam::${call.caller.accountId}:user/${call.caller.userName}`,
        accountId: call.caller.accountId,
        accessKeyId: call.caller.accessKeyId,
        userName: call.caller.userName,
      }
    : { type: 'Unknown', principalId: '', accountId: call.accountId, accessKeyId: call.attemptedAccessKeyId ?? '' }
  // Members are added in the order CloudTrail writes them.
  const record: Record<string, unknown> = {
    eventVersion: CURRENT_EVENT_VERSION,
    userIdentity: identity,
    eventTime: formatEventTime(call.time),
    eventSource: call.eventSource ?? OWN_EVENT_SOURCE,
    eventName: call.eventName,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp,
    userAgent: (call.userAgent ?? '').slice(0, 1024),
  }
  if (call.errorCode) {
    record.errorCode = call.errorCode
    record.errorMessage = (call.errorMessage ?? '').slice(0, 1024)
  }
  record.requestParameters = call.requestParameters ?? null
  // CloudTrail fills responseElements for successful mutating calls only.
  record.responseElements = call.readOnly || call.errorCode ? null : (call.responseElements ?? null)
  record.requestID = call.requestId
  record.eventID = newEventId()
  record.readOnly = call.readOnly
  if (call.resources?.length) record.resources = call.resources
  record.eventType = 'AwsApiCall'
  record.managementEvent = true
  record.recipientAccountId = call.accountId
  record.eventCategory = 'Management'
  return record as CloudTrailRecord
}

/** A stable IAM-style principal id per access key (AIDA + 17 characters). */
function principalIdFor(accessKeyId: string): string {
  return 'AIDA' + accessKeyId.slice(4).padEnd(17, 'X').slice(0, 17)
}
