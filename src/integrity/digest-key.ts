/**
 * Object keys of digest and log files as the validator needs them. The keys themselves
 * come from trails' layout (the one place that names objects); what is here is what the
 * AWS CLI's validate-logs does with them: its listing prefix, key filter and time slices.
 *
 *   [prefix/]AWSLogs/[orgId/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
 *     <account>_CloudTrail-Digest_<region>_<trailName>_<homeRegion>_<YYYYMMDDTHHmmssZ>.json.gz
 */

// The layout file rather than trails' index.js: the index also loads the trail API
// (and with it the HTTP server), a fifth of a second of `opentrail validate-logs` start-up.
import { digestFileKey as layoutDigestFileKey, logFilePrefix } from '../trails/layout.js'
import type { DigestFileKeyInput } from '../trails/layout.js'

/** Where one trail's files for one account and source Region live (region = where the events happened). */
export type TrailLocation = Omit<DigestFileKeyInput, 'digestEndTime' | 'backfill'>

/** `20150817T150131Z`: the timestamp in digest keys (the CLI's `%Y%m%dT%H%M%SZ`). */
export function compactTime(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
}

function accountRoot(loc: Pick<TrailLocation, 'prefix' | 'organizationId' | 'accountId'>): string {
  const org = loc.organizationId ? `${loc.organizationId}/` : ''
  const root = `AWSLogs/${org}${loc.accountId}`
  return loc.prefix ? `${loc.prefix}/${root}` : root
}

/** Key of the digest whose `digestEndTime` is `endTime` (seconds are kept, milliseconds dropped). */
export function digestFileKey(loc: TrailLocation, endTime: Date): string {
  return layoutDigestFileKey({ ...loc, digestEndTime: endTime })
}

/** The listing prefix the CLI uses for digests (no trailing slash, as the CLI does). */
export function digestListPrefix(loc: TrailLocation): string {
  return `${accountRoot(loc)}/CloudTrail-Digest/${loc.region}`
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
}

/** The CLI's filter for this trail's digest keys, standard and backfill. */
export function digestKeyPattern(loc: TrailLocation): RegExp {
  const prefix = loc.prefix ? `${escapeRegExp(loc.prefix)}/` : ''
  const org = loc.organizationId ? `${loc.organizationId}/` : ''
  const account = escapeRegExp(loc.accountId)
  const region = escapeRegExp(loc.region)
  return new RegExp(
    `^${prefix}AWSLogs/${org}${account}/CloudTrail\\-Digest/${region}/\\d+/\\d+/\\d+/` +
      `${account}_CloudTrail\\-Digest_${region}_${escapeRegExp(loc.trailName)}_${escapeRegExp(loc.homeRegion)}_.+(?:_backfill)?\\.json\\.gz$`,
  )
}

export function isBackfillDigestKey(key: string): boolean {
  return key.endsWith('_backfill.json.gz')
}

/** The 16-char timestamp slice of a digest key (the CLI's `key[-24:-8]`, backfill `key[-33:-17]`). */
export function digestKeyTimestamp(key: string): string {
  return isBackfillDigestKey(key) ? key.slice(-33, -17) : key.slice(-24, -8)
}

/** Parses `YYYYMMDDTHHmmssZ`; undefined when malformed. */
export function parseCompactTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return undefined
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])
  return Number.isNaN(ms) ? undefined : new Date(ms)
}

/** Prefix of one day's log files: `[prefix/]AWSLogs/[org/]<account>/CloudTrail/<region>/YYYY/MM/DD/`. */
export function logFileDayPrefix(loc: Pick<TrailLocation, 'prefix' | 'organizationId' | 'accountId' | 'region'>, day: Date): string {
  return logFilePrefix({ ...loc, day })
}

/** Delivery time (minute precision) of a trail log file key, or undefined if the key is not one. */
export function logFileDeliveryTime(key: string, accountId: string, region: string): Date | undefined {
  const name = key.slice(key.lastIndexOf('/') + 1)
  const m = new RegExp(`^${escapeRegExp(accountId)}_CloudTrail_${escapeRegExp(region)}_(\\d{8}T\\d{4})Z_[A-Za-z0-9]{16}\\.json\\.gz$`).exec(name)
  return m ? parseCompactTime(`${m[1]}00Z`) : undefined
}
