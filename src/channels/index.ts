/**
 * @module channels
 * Channels for events from outside AWS, and PutAuditEvents, the capture path into them.
 */
export { ChannelStore, DEFAULT_CHANNEL_NAME, channelArn } from './channel-store.js'
export type { Channel } from './channel-store.js'
export { ChannelError } from './errors.js'
export { channelOperations } from './operations.js'
export { putAuditEventsHandler, MAX_EVENTS_PER_CALL } from './put-audit-events.js'
export { ConversionPool } from './conversion-pool.js'
