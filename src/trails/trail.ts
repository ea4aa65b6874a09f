/**
 * A trail as OpenTrail keeps it, and the store of trails. The trail API writes trails;
 * the delivery projection reads them and reports delivery status back.
 */
import type { AdvancedEventSelector, EventSelector, InsightSelector } from './selectors.js'

export interface Trail {
  /** `arn:aws:cloudtrail:<homeRegion>:<accountId>:trail/<name>` */
  arn: string
  name: string
  accountId: string
  homeRegion: string
  s3BucketName: string
  s3KeyPrefix?: string
  snsTopicName?: string
  includeGlobalServiceEvents: boolean
  isMultiRegionTrail: boolean
  logFileValidationEnabled: boolean
  /** The KMS-like key ARN log files are encrypted under, when set. */
  kmsKeyId?: string
  cloudWatchLogsLogGroupArn?: string
  cloudWatchLogsRoleArn?: string
  /** Basic selectors; undefined with advanced ones, or when none were ever put (then: all management events). */
  eventSelectors?: EventSelector[]
  advancedEventSelectors?: AdvancedEventSelector[]
  insightSelectors?: InsightSelector[]
  tags: { Key: string; Value?: string }[]
  isLogging: boolean
  createdAt: Date
  startLoggingTime?: Date
  stopLoggingTime?: Date
  /**
   * The journal seq at which logging last started: delivery takes only events appended
   * after it (a trail does not deliver what happened before it was logging).
   */
  loggingStartedSeq: number
}

/** What GetTrailStatus reports about deliveries; written by the delivery projection. */
export interface TrailDeliveryStatus {
  latestDeliveryTime?: Date
  latestDeliveryAttemptTime?: Date
  latestDeliveryAttemptSucceeded?: Date
  /** The S3 error code of the last failed delivery, cleared by the next success. */
  latestDeliveryError?: string
  latestNotificationTime?: Date
  latestNotificationAttemptTime?: Date
  latestNotificationAttemptSucceeded?: Date
  latestNotificationError?: string
  latestDigestDeliveryTime?: Date
  latestDigestDeliveryError?: string
}

export interface TrailStore {
  /** All trails of all accounts (delivery runs one projection per trail). */
  listAll(): Trail[]
  get(arn: string): Trail | undefined
  getStatus(arn: string): TrailDeliveryStatus
  /** Merges the given members into the trail's status. */
  updateStatus(arn: string, status: Partial<TrailDeliveryStatus>): void
  /** Called with the trail's ARN whenever a trail is created, changed or deleted. */
  onChange(listener: (arn: string) => void): () => void
}
