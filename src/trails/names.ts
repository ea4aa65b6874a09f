/**
 * Names a trail touches: the trail's own name and ARN, the S3 bucket and key prefix it
 * delivers to, and the SNS topic it notifies. All checks are pure; each returns the
 * message CloudTrail (or S3/SNS) would give, or `undefined` when the value is fine.
 */

export const TRAIL_NAME_MIN_LENGTH = 3
export const TRAIL_NAME_MAX_LENGTH = 128
export const S3_KEY_PREFIX_MAX_LENGTH = 200
export const SNS_TOPIC_MAX_LENGTH = 256

/** A trail as named in a request: a bare name, or the parts of a trail ARN. */
export interface TrailRef {
  name: string
  /** Present only when the caller gave an ARN. */
  region?: string
  accountId?: string
  partition?: string
}

/** A string that starts like an ARN but is not a well-formed trail ARN (CloudTrailARNInvalidException). */
export class TrailArnInvalidError extends Error {
  override readonly name = 'TrailArnInvalidError'
  readonly retryable = false
  constructor(readonly arn: string) {
    super(`Invalid trail ARN: ${arn}. The ARN must look like arn:aws:cloudtrail:us-east-2:123456789012:trail/MyTrail.`)
  }
}

// Messages in the words CloudTrail uses for InvalidTrailNameException (as mirrored by moto).
const IP_SHAPED = /^\d{1,3}(\.\d{1,3}){3}$/
const TRAIL_NAME_CHARS = /^[A-Za-z0-9._-]+$/
const ALNUM = /[A-Za-z0-9]/
const ADJACENT_PUNCTUATION = /[._-]{2}/

/**
 * Checks a trail name against CloudTrail's rules; returns the error message or undefined.
 * @example validateTrailName('my--trail') // 'Trail name or ARN cannot have adjacent ...'
 */
export function validateTrailName(name: string): string | undefined {
  if (name.length < TRAIL_NAME_MIN_LENGTH) {
    return `Trail name too short. Minimum allowed length: ${TRAIL_NAME_MIN_LENGTH} characters. Specified name length: ${name.length} characters.`
  }
  if (name.length > TRAIL_NAME_MAX_LENGTH) {
    return `Trail name too long. Maximum allowed length: ${TRAIL_NAME_MAX_LENGTH} characters. Specified name length: ${name.length} characters.`
  }
  if (!ALNUM.test(name[0])) return 'Trail name must starts with a letter or number.'
  if (!ALNUM.test(name[name.length - 1])) return 'Trail name must ends with a letter or number.'
  if (!TRAIL_NAME_CHARS.test(name)) {
    return 'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).'
  }
  if (ADJACENT_PUNCTUATION.test(name)) {
    return 'Trail name or ARN cannot have adjacent periods (.), hyphens (-), or underscores (_).'
  }
  if (IP_SHAPED.test(name)) return 'Trail names must not be formatted as an IP address.'
  return undefined
}

const TRAIL_ARN = /^arn:(aws[a-z-]*):cloudtrail:([a-z0-9-]+):(\d{12}):trail\/(.+)$/

/**
 * Splits what a request gave as `Name`/`TrailName`: an ARN yields its parts, anything else
 * is taken as a bare name (not validated here: lookups of unknown names fail as not found).
 * @throws TrailArnInvalidError when the value starts with `arn:` but is no trail ARN.
 */
export function parseTrailRef(nameOrArn: string): TrailRef {
  if (!nameOrArn.startsWith('arn:')) return { name: nameOrArn }
  const m = TRAIL_ARN.exec(nameOrArn)
  if (!m) throw new TrailArnInvalidError(nameOrArn)
  return { partition: m[1], region: m[2], accountId: m[3], name: m[4] }
}

/** The ARN CloudTrail gives a trail. */
export function trailArn(region: string, accountId: string, name: string, partition = 'aws'): string {
  return `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${name}`
}

const BUCKET_CHARS = /^[a-z0-9.-]+$/
const BUCKET_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-']
const BUCKET_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']

/**
 * Checks a general purpose bucket name against S3's naming rules; returns the message or undefined.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 */
export function validateS3BucketName(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) {
    return `Bucket name ${bucket} is invalid: it must be between 3 and 63 characters long.`
  }
  if (!BUCKET_CHARS.test(bucket)) {
    return `Bucket name ${bucket} is invalid: it can contain only lowercase letters, numbers, periods (.), and hyphens (-).`
  }
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) {
    return `Bucket name ${bucket} is invalid: it must begin and end with a letter or number.`
  }
  if (bucket.includes('..')) return `Bucket name ${bucket} is invalid: it must not contain two adjacent periods.`
  if (IP_SHAPED.test(bucket)) return `Bucket name ${bucket} is invalid: it must not be formatted as an IP address.`
  const prefix = BUCKET_RESERVED_PREFIXES.find((p) => bucket.startsWith(p))
  if (prefix) return `Bucket name ${bucket} is invalid: it must not start with the reserved prefix ${prefix}.`
  const suffix = BUCKET_RESERVED_SUFFIXES.find((s) => bucket.endsWith(s))
  if (suffix) return `Bucket name ${bucket} is invalid: it must not end with the reserved suffix ${suffix}.`
  return undefined
}

/** Checks `S3KeyPrefix` (at most 200 characters, CreateTrail's documented limit). */
export function validateS3KeyPrefix(prefix: string): string | undefined {
  if (prefix.length > S3_KEY_PREFIX_MAX_LENGTH) {
    return `S3 key prefix is too long. Maximum allowed length: ${S3_KEY_PREFIX_MAX_LENGTH} characters. Specified prefix length: ${prefix.length} characters.`
  }
  return undefined
}

const SNS_TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/
const SNS_FIFO_TOPIC_NAME = /^[A-Za-z0-9_-]{1,251}\.fifo$/
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:(.+)$/

/**
 * Checks `SnsTopicName`, which CloudTrail accepts as a topic name or a topic ARN
 * (at most 256 characters). Topic names: letters, digits, `-`, `_`, optional `.fifo`.
 */
export function validateSnsTopicName(nameOrArn: string): string | undefined {
  if (nameOrArn.length === 0 || nameOrArn.length > SNS_TOPIC_MAX_LENGTH) {
    return `SNS topic name or ARN must be between 1 and ${SNS_TOPIC_MAX_LENGTH} characters. Specified length: ${nameOrArn.length} characters.`
  }
  let topic = nameOrArn
  if (nameOrArn.startsWith('arn:')) {
    const m = SNS_TOPIC_ARN.exec(nameOrArn)
    if (!m) return `SNS topic ARN ${nameOrArn} is invalid.`
    topic = m[1]
  }
  if (!SNS_TOPIC_NAME.test(topic) && !SNS_FIFO_TOPIC_NAME.test(topic)) {
    return `SNS topic name ${topic} is invalid: it can contain only letters, numbers, hyphens (-), and underscores (_), optionally ending in .fifo.`
  }
  return undefined
}
