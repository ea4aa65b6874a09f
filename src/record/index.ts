/**
 * @module record
 * The CloudTrail event record: types, ids, time format, validation, normalization of
 * imported records, and the mapping of integration events (PutAuditEvents payloads).
 */
export type * from './types.js'
export { CURRENT_EVENT_VERSION } from './types.js'
export { eventIdOf, newEventId, newRequestId, randomAlnum } from './ids.js'
export { formatEventTime, parseEventTime, parseUtcTimestamp } from './time.js'
/** Checking records and the per-event error codes of cloudtrail-data. */
export { RecordError } from './errors.js'
export type { RecordErrorCode, RecordResult } from './errors.js'
export { validateRecord } from './validate.js'
export type { ValidateOptions } from './validate.js'
export { MAX_EVENT_BYTES } from './limits.js'
/** Records from files others wrote, and from PutAuditEvents. */
export { normalizeRecord } from './normalize.js'
export type { NormalizeDefaults } from './normalize.js'
export { fromIntegrationEvent } from './integration-event.js'
export { skeletonJson } from './skeleton.js'
export type { RecordSkeleton } from './skeleton.js'
export type { IntegrationEventContext } from './integration-event.js'
