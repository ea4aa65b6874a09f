/**
 * @module history
 * Event History: the index projection over the journal and LookupEvents on top of it.
 */
export { HistoryIndex, HISTORY_PROJECTION_NAME } from './history-index.js'
export { ThreadHistoryWriter } from './history-writer.js'
export { dropHistoryTables } from './schema.js'
export type {
  HistoryIndexOptions,
  LookupAttribute,
  LookupAttributeKey,
  LookupEvent,
  LookupPage,
  LookupQuery,
  LookupResource,
} from './types.js'
export { LOOKUP_ATTRIBUTE_KEYS, INSIGHT_ATTRIBUTE_KEYS } from './types.js'
/** Query limits and defaults, for the api layer's own checks and docs. */
export { DEFAULT_LOOKUP_WINDOW_MS, DEFAULT_MAX_RESULTS, MAX_MAX_RESULTS, MAX_ATTRIBUTE_VALUE_LENGTH } from './query.js'
/** Typed errors; `code` is the CloudTrail exception name. */
export {
  LookupError,
  InvalidLookupAttributesError,
  InvalidTimeRangeError,
  InvalidMaxResultsError,
  InvalidNextTokenError,
  InvalidEventCategoryError,
} from './errors.js'
export type { LookupErrorCode } from './errors.js'
/** The LookupEvents operation of the CloudTrail API. */
export { lookupOperations } from './operations.js'
