/** CloudTrail's time format: UTC, whole seconds, `YYYY-MM-DDThh:mm:ssZ`. */
export function formatEventTime(date: Date): string {
  // toISOString is always `YYYY-MM-DDThh:mm:ss.sssZ` for years 0-9999; cutting is cheaper than a regex.
  const iso = date.toISOString()
  return iso.length === 24 ? `${iso.slice(0, 19)}Z` : iso.replace(/\.\d{3}Z$/, 'Z')
}

/** Parses an eventTime (any ISO-8601 form) to epoch milliseconds, or NaN. */
export function parseEventTime(value: string): number {
  return Date.parse(value)
}

/** True when the value is exactly CloudTrail's eventTime form, `YYYY-MM-DDThh:mm:ssZ`. */
export function isCloudTrailEventTime(value: string): boolean {
  return CLOUDTRAIL_TIME.test(value) && Number.isFinite(Date.parse(value))
}

const CLOUDTRAIL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/

// Date, a `T` or a space, time, optional fraction, optional zone (`Z` or ±hh:mm / ±hhmm).
const LENIENT_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/i

/**
 * Parses a timestamp written by CloudTrail or by a tool that reshaped it (Logstash's
 * `2020-09-14T00:44:23.000Z`, Panther's `2022-12-11 19:42:55.000000000`) to epoch ms, or NaN.
 * A timestamp without a zone is taken as UTC, as CloudTrail times always are;
 * `Date.parse` would read it as local time and shift it by the host's offset.
 */
export function parseUtcTimestamp(value: string): number {
  const m = LENIENT_TIME.exec(value.trim())
  if (!m) return Number.NaN
  // Date.parse keeps milliseconds only; a longer fraction (nanoseconds) is cut to three digits.
  const fraction = m[3] ? m[3].slice(0, 4).padEnd(4, '0') : ''
  let zone = (m[4] ?? 'Z').toUpperCase()
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`
  return Date.parse(`${m[1]}T${m[2]}${fraction}${zone}`)
}
