/**
 * The trail a new installation starts with, so that log files appear without any setup:
 * `default`, multi-Region, all management events, log file validation on, logging, into
 * the bucket `opentrail-<account>`. Made once per installation: a user who deletes it
 * does not get it back on the next start.
 */
import type { ObjectStore } from '../storage/index.js'
import type { SqliteTrailStore } from './sqlite-trail-store.js'
import type { Trail } from './trail.js'

export const DEFAULT_TRAIL_NAME = 'default'
/** The trail store setting that remembers the default trail was made (value: the account). */
const DEFAULT_TRAIL_SETTING = 'default_trail_created_for'

export function defaultTrailBucket(accountId: string): string {
  return `opentrail-${accountId}`
}

export interface DefaultTrailOptions {
  accountId: string
  /** The trail's home Region. */
  region: string
  /** The journal head now: the trail delivers what is appended after it. */
  head: number
}

/**
 * Creates the default trail and its bucket on an installation's first start; afterwards
 * does nothing. Resolves to the trail when it was created now.
 * If the bucket cannot be made (object store down), it throws and remembers nothing, so
 * the next start tries again.
 */
export async function ensureDefaultTrail(
  store: SqliteTrailStore,
  objectStore: ObjectStore,
  options: DefaultTrailOptions,
): Promise<Trail | undefined> {
  if (store.getSetting(DEFAULT_TRAIL_SETTING) !== undefined) return undefined
  const bucket = defaultTrailBucket(options.accountId)
  if (!(await objectStore.bucketExists(bucket))) await objectStore.createBucket(bucket)
  // An installation that already has a trail of that name (made before this feature) keeps it.
  const existing = store.listForAccount(options.accountId).find((t) => t.name === DEFAULT_TRAIL_NAME)
  const trail = existing
    ? undefined
    : store.create({
        name: DEFAULT_TRAIL_NAME,
        accountId: options.accountId,
        homeRegion: options.region,
        s3BucketName: bucket,
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: true,
        logFileValidationEnabled: true,
        logging: { seq: options.head, at: new Date() },
      })
  store.setSetting(DEFAULT_TRAIL_SETTING, options.accountId)
  return trail
}
