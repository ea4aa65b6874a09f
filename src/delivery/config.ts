/**
 * Options of trail delivery, with their documented defaults. Every option is a noun with its unit.
 */

/** How often each trail writes its pending events (`--delivery-interval`). */
export const DEFAULT_DELIVERY_INTERVAL_MS = 60_000
/** A file is cut early once it holds this many events. */
export const DEFAULT_MAX_EVENTS_PER_FILE = 10_000
/** ...or this many bytes of uncompressed JSON (CloudTrail's files stay well under 50 MB compressed). */
export const DEFAULT_MAX_BYTES_PER_FILE = 5 * 1024 * 1024
/** First wait after a failed delivery; doubles up to the cap. */
export const DEFAULT_RETRY_MIN_MS = 1_000
/** Longest wait between attempts while a bucket is unreachable. */
export const DEFAULT_RETRY_MAX_MS = 60_000
/** Journal entries read per page while planning. */
export const PLAN_READ_PAGE = 1_000

export interface DeliveryOptions {
  deliveryIntervalMs: number
  maxEventsPerFile: number
  maxBytesPerFile: number
  retryMinMs: number
  retryMaxMs: number
}

/**
 * Fills in defaults. Retries never wait longer than one delivery interval, so an installation
 * with a short interval (tests, demos) also catches up quickly after an outage.
 */
export function deliveryOptions(input: Partial<DeliveryOptions> = {}): Readonly<DeliveryOptions> {
  const deliveryIntervalMs = input.deliveryIntervalMs ?? DEFAULT_DELIVERY_INTERVAL_MS
  if (!(deliveryIntervalMs > 0)) throw new RangeError(`deliveryIntervalMs must be positive, got ${deliveryIntervalMs}`)
  const retryMinMs = input.retryMinMs ?? Math.min(DEFAULT_RETRY_MIN_MS, deliveryIntervalMs)
  const retryMaxMs = input.retryMaxMs ?? Math.max(retryMinMs, Math.min(DEFAULT_RETRY_MAX_MS, deliveryIntervalMs))
  const maxEventsPerFile = input.maxEventsPerFile ?? DEFAULT_MAX_EVENTS_PER_FILE
  const maxBytesPerFile = input.maxBytesPerFile ?? DEFAULT_MAX_BYTES_PER_FILE
  if (!(maxEventsPerFile >= 1) || !(maxBytesPerFile >= 1)) throw new RangeError('file size limits must be at least 1')
  return Object.freeze({ deliveryIntervalMs, maxEventsPerFile, maxBytesPerFile, retryMinMs, retryMaxMs })
}
