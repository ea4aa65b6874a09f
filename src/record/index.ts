/**
 * @module record
 * The CloudTrail event record: types, ids, time format.
 */
export type * from './types.js'
export { CURRENT_EVENT_VERSION } from './types.js'
export { newEventId, newRequestId, randomAlnum } from './ids.js'
export { formatEventTime, parseEventTime } from './time.js'
