/**
 * @module trails
 * Trails: name rules, event selectors (validation and matching) and the object-key layout
 * of a trail's bucket (all pure); the trail store, the trail API's operations and the
 * default trail of a new installation.
 */

/** Names and ARNs. */
export type { TrailRef } from './names.js'
export {
  TrailArnInvalidError,
  parseTrailRef,
  trailArn,
  validateTrailName,
  validateS3BucketName,
  validateS3KeyPrefix,
  validateSnsTopicName,
  S3_KEY_PREFIX_MAX_LENGTH,
  SNS_TOPIC_MAX_LENGTH,
  TRAIL_NAME_MAX_LENGTH,
  TRAIL_NAME_MIN_LENGTH,
} from './names.js'

/** Event selectors, Insights selectors, and which records a trail logs. */
export type {
  AdvancedEventSelector,
  AdvancedFieldSelector,
  DataResource,
  EventSelector,
  InsightSelector,
  InsightType,
  ReadWriteType,
  SelectorConfig,
  SelectorErrorDetail,
  SelectorOperator,
  SelectorScope,
  SourceEventCategory,
} from './selectors.js'
export {
  InvalidEventSelectorsError,
  InvalidInsightSelectorsError,
  eventCategoryOf,
  isDataEvent,
  isInsightEvent,
  isManagementEvent,
  matches,
  validateAdvancedEventSelectors,
  validateEventSelectors,
  validateInsightSelectors,
  BASIC_DATA_RESOURCE_TYPES,
  EXCLUDABLE_MANAGEMENT_EVENT_SOURCES,
  INSIGHT_TYPES,
  MAX_ADVANCED_CONDITION_VALUES,
  MAX_ADVANCED_EVENT_SELECTORS,
  MAX_DATA_RESOURCES,
  MAX_EVENT_SELECTORS,
} from './selectors.js'

/** Object keys of log, Insights and digest files. */
export type {
  DigestFileKeyInput,
  KeyPrefixInput,
  LogFileKeyInput,
  LogFileKind,
  ParsedDigestFileKey,
  ParsedLogFileKey,
} from './layout.js'
export {
  digestFileKey,
  digestFilePrefix,
  logFileKey,
  logFileName,
  logFilePrefix,
  parseDigestFileKey,
  parseLogFileKey,
  parseLogFileName,
  uniqueSuffix,
  UNIQUE_SUFFIX_LENGTH,
} from './layout.js'

/** Trails as stored, and what delivery reports about them. */
export type { Trail, TrailDeliveryStatus, TrailStore } from './trail.js'
export { SqliteTrailStore, MAX_TRAILS_PER_REGION } from './sqlite-trail-store.js'
export type { NewTrail, TrailChanges, TrailTag } from './sqlite-trail-store.js'
export { TrailError, TrailStoreFormatError } from './errors.js'
export type { TrailErrorCode } from './errors.js'

/** The trail API (CreateTrail … ListTags) and the installation's default trail. */
export { trailOperations, TRAIL_RESOURCE_TYPE } from './operations.js'
export type { TrailOperationDeps } from './operations.js'
export type { KmsKeyResolver } from './trail-input.js'
export { ensureDefaultTrail, defaultTrailBucket, DEFAULT_TRAIL_NAME } from './default-trail.js'
export type { DefaultTrailOptions } from './default-trail.js'
