/** CloudTrail's time format: UTC, whole seconds, `YYYY-MM-DDThh:mm:ssZ`. */
export function formatEventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Parses an eventTime (any ISO-8601 form) to epoch milliseconds, or NaN. */
export function parseEventTime(value: string): number {
  return Date.parse(value)
}
