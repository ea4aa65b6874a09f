/**
 * @module delivery
 * Trail delivery: each trail's selected events, written as CloudTrail log files into its
 * bucket, exactly once, from a durable plan per delivery.
 */

/** The service the app runs, and the journal cursor it keeps for retention. */
export { TrailDeliveryService, TRAIL_DELIVERY_CURSOR } from './trail-delivery-service.js'
export type { TrailDeliveryServiceDeps } from './trail-delivery-service.js'

/** Hooks for notifications (SNS-like) and digests. */
export type { DeliveredLogFile, DeliveryNotification, DeliveryNotifier, LogFileDeliveredHook } from './trail-delivery.js'

/** Options and their defaults. */
export type { DeliveryOptions } from './config.js'
export {
  DEFAULT_DELIVERY_INTERVAL_MS,
  DEFAULT_MAX_BYTES_PER_FILE,
  DEFAULT_MAX_EVENTS_PER_FILE,
  DEFAULT_RETRY_MAX_MS,
  DEFAULT_RETRY_MIN_MS,
} from './config.js'

/** Which records a trail delivers. */
export { trailSelects, isGlobalServiceEvent, GLOBAL_SERVICE_EVENT_SOURCES } from './trail-filter.js'

/** Typed failures. */
export { LogFileDeliveryError, PlanEntriesMissingError } from './errors.js'
