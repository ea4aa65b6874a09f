/**
 * Response shapes of the trail API, member for member as in botocore's model
 * (CreateTrailResponse, Trail, TrailInfo, GetTrailStatusResponse). Absent settings are
 * left out rather than sent as null, as CloudTrail does.
 */
import type { JsonObject } from '../api/index.js'
import { snsTopicArn, snsTopicNameOf } from './trail-input.js'
import type { Trail, TrailDeliveryStatus } from './trail.js'

/** CreateTrail's and UpdateTrail's output. */
export function trailSettings(trail: Trail): JsonObject {
  return {
    Name: trail.name,
    S3BucketName: trail.s3BucketName,
    ...(trail.s3KeyPrefix !== undefined && { S3KeyPrefix: trail.s3KeyPrefix }),
    ...(trail.snsTopicName !== undefined && {
      SnsTopicName: snsTopicNameOf(trail.snsTopicName),
      SnsTopicARN: snsTopicArn(trail.snsTopicName, trail.homeRegion, trail.accountId),
    }),
    IncludeGlobalServiceEvents: trail.includeGlobalServiceEvents,
    IsMultiRegionTrail: trail.isMultiRegionTrail,
    TrailARN: trail.arn,
    LogFileValidationEnabled: trail.logFileValidationEnabled,
    ...(trail.cloudWatchLogsLogGroupArn !== undefined && { CloudWatchLogsLogGroupArn: trail.cloudWatchLogsLogGroupArn }),
    ...(trail.cloudWatchLogsRoleArn !== undefined && { CloudWatchLogsRoleArn: trail.cloudWatchLogsRoleArn }),
    ...(trail.kmsKeyId !== undefined && { KmsKeyId: trail.kmsKeyId }),
    IsOrganizationTrail: false,
  }
}

/** The `Trail` structure of GetTrail and DescribeTrails. */
export function trailDescription(trail: Trail): JsonObject {
  const { TrailARN, IsOrganizationTrail, ...settings } = trailSettings(trail)
  return {
    ...settings,
    HomeRegion: trail.homeRegion,
    TrailARN,
    HasCustomEventSelectors: trail.eventSelectors !== undefined || trail.advancedEventSelectors !== undefined,
    HasInsightSelectors: (trail.insightSelectors?.length ?? 0) > 0,
    IsOrganizationTrail,
  }
}

export function trailInfo(trail: Trail): JsonObject {
  return { TrailARN: trail.arn, Name: trail.name, HomeRegion: trail.homeRegion }
}

/** CloudTrail's legacy string times: `2023-07-10T12:34:56Z`, or "" when never. */
function legacyTime(date: Date | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : ''
}

export function trailStatus(trail: Trail, status: TrailDeliveryStatus): JsonObject {
  const out: JsonObject = { IsLogging: trail.isLogging }
  const put = (member: string, value: Date | string | undefined) => {
    if (value !== undefined) out[member] = value
  }
  put('LatestDeliveryError', status.latestDeliveryError)
  put('LatestNotificationError', status.latestNotificationError)
  put('LatestDeliveryTime', status.latestDeliveryTime)
  put('LatestNotificationTime', status.latestNotificationTime)
  put('StartLoggingTime', trail.startLoggingTime)
  put('StopLoggingTime', trail.stopLoggingTime)
  put('LatestDigestDeliveryTime', status.latestDigestDeliveryTime)
  put('LatestDigestDeliveryError', status.latestDigestDeliveryError)
  out.LatestDeliveryAttemptTime = legacyTime(status.latestDeliveryAttemptTime)
  out.LatestNotificationAttemptTime = legacyTime(status.latestNotificationAttemptTime)
  out.LatestNotificationAttemptSucceeded = legacyTime(status.latestNotificationAttemptSucceeded)
  out.LatestDeliveryAttemptSucceeded = legacyTime(status.latestDeliveryAttemptSucceeded)
  out.TimeLoggingStarted = legacyTime(trail.startLoggingTime)
  out.TimeLoggingStopped = legacyTime(trail.stopLoggingTime)
  return out
}
