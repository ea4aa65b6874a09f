/**
 * @module api
 * The AWS-compatible HTTP APIs: SigV4 authentication, JSON 1.1 and REST-JSON wire formats, errors.
 */
export { buildApiServer, JSON_TARGET_PREFIX, MAX_BODY_BYTES } from './server.js'
export type { ApiServerOptions, DataPlane, KeyLookup } from './server.js'
export { ApiError, toApiError } from './errors.js'
export type { Caller, JsonObject, Operation, OperationTable, RequestContext } from './context.js'
export { SerializedAnswer, readBoolean, readInteger, readString, readTimestamp, toWireJson } from './wire.js'
export { ownCallRecord, OWN_EVENT_SOURCE } from './own-events.js'
