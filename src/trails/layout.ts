/**
 * Object keys of a trail's bucket, as pure functions (and their inverses).
 *
 *   [prefix/]AWSLogs/[o-org/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz
 *   [prefix/]AWSLogs/[o-org/]<acct>/CloudTrail-Digest/<region>/YYYY/MM/DD/
 *       <acct>_CloudTrail-Digest_<region>_<trail>_<homeRegion>_<YYYYMMDDTHHmmssZ>[_backfill].json.gz
 *
 * Nothing here reads a clock or draws randomness: the delivery projection passes the time
 * it decided on and a seed naming the journal range, so a replay after a crash rewrites
 * the very same objects.
 */
import { createHash } from 'node:crypto'

export type LogFileKind = 'CloudTrail' | 'CloudTrail-Insight'

export interface LogFileKeyInput {
  /** The trail's S3KeyPrefix; joined with `/`. */
  prefix?: string
  /** Organization trails insert `o-…` between AWSLogs and the account. */
  organizationId?: string
  accountId: string
  /** Region where the events happened. */
  region: string
  /** Names the date folders and the file's timestamp (UTC, to the minute). */
  deliveryTime: Date
  /** 16 alphanumerics, see `uniqueSuffix`. */
  unique: string
  kind?: LogFileKind
}

export interface ParsedLogFileKey {
  prefix?: string
  organizationId?: string
  accountId: string
  region: string
  kind: LogFileKind
  /** The file name's timestamp (minute precision). */
  deliveryTime: Date
  unique: string
}

export interface DigestFileKeyInput {
  prefix?: string
  organizationId?: string
  accountId: string
  /** Region whose log files the digest covers. */
  region: string
  trailName: string
  homeRegion: string
  /** The digest's `digestEndTime`; names the date folders and the timestamp (to the second). */
  digestEndTime: Date
  /** Backfill digests cover late log files and get a `_backfill` suffix. */
  backfill?: boolean
}

export type ParsedDigestFileKey = Omit<DigestFileKeyInput, 'backfill'> & { backfill: boolean }

export interface KeyPrefixInput {
  prefix?: string
  organizationId?: string
  accountId: string
  region: string
  /** Narrows the listing to one UTC day folder. */
  day?: Date
}

export const UNIQUE_SUFFIX_LENGTH = 16
const UNIQUE_RE = /^[A-Za-z0-9]{16}$/
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/**
 * The 16-character alphanumeric part of a log file name, derived from a seed such as
 * `<trailArn>:<region>:<firstSeq>-<lastSeq>` (SHA-256, read as a number, written in base 62).
 * CloudTrail only needs it to avoid overwrites; making it deterministic makes redelivery idempotent.
 */
export function uniqueSuffix(seed: string): string {
  let n = BigInt('0x' + createHash('sha256').update(seed, 'utf8').digest('hex'))
  let out = ''
  for (let i = 0; i < UNIQUE_SUFFIX_LENGTH; i++) {
    out += BASE62[Number(n % 62n)]
    n /= 62n
  }
  return out
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

function ymd(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`
}

function dayFolders(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/`
}

/** `YYYYMMDDTHHmmZ`, the log file name's timestamp. */
function minuteStamp(d: Date): string {
  return `${ymd(d)}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`
}

/** `YYYYMMDDTHHmmssZ`, the digest file name's timestamp. */
function secondStamp(d: Date): string {
  return `${minuteStamp(d).slice(0, -1)}${pad(d.getUTCSeconds())}Z`
}

function assertValidDate(d: Date, what: string): void {
  if (Number.isNaN(d.getTime())) throw new RangeError(`${what} is not a valid date`)
}

function awsLogsRoot(prefix: string | undefined, organizationId: string | undefined, accountId: string): string {
  const head = prefix ? `${prefix}/` : ''
  const org = organizationId ? `${organizationId}/` : ''
  return `${head}AWSLogs/${org}${accountId}/`
}

/** The bare file name of a log file (the last segment of `logFileKey`). */
export function logFileName(input: Omit<LogFileKeyInput, 'prefix' | 'organizationId'>): string {
  assertValidDate(input.deliveryTime, 'deliveryTime')
  if (!UNIQUE_RE.test(input.unique)) {
    throw new RangeError(`unique must be ${UNIQUE_SUFFIX_LENGTH} alphanumerics, got ${JSON.stringify(input.unique)}`)
  }
  const kind = input.kind ?? 'CloudTrail'
  return `${input.accountId}_${kind}_${input.region}_${minuteStamp(input.deliveryTime)}_${input.unique}.json.gz`
}

/** The key of a log file (or an Insights file with `kind: 'CloudTrail-Insight'`). */
export function logFileKey(input: LogFileKeyInput): string {
  const kind = input.kind ?? 'CloudTrail'
  return (
    awsLogsRoot(input.prefix, input.organizationId, input.accountId) +
    `${kind}/${input.region}/${dayFolders(input.deliveryTime)}${logFileName(input)}`
  )
}

/** The key of a digest file. */
export function digestFileKey(input: DigestFileKeyInput): string {
  assertValidDate(input.digestEndTime, 'digestEndTime')
  const name =
    `${input.accountId}_CloudTrail-Digest_${input.region}_${input.trailName}_${input.homeRegion}_` +
    `${secondStamp(input.digestEndTime)}${input.backfill ? '_backfill' : ''}.json.gz`
  return (
    awsLogsRoot(input.prefix, input.organizationId, input.accountId) +
    `CloudTrail-Digest/${input.region}/${dayFolders(input.digestEndTime)}${name}`
  )
}

/** The folder holding a Region's log files (one day's, with `day`), ending in `/`. */
export function logFilePrefix(input: KeyPrefixInput & { kind?: LogFileKind }): string {
  const root = awsLogsRoot(input.prefix, input.organizationId, input.accountId)
  return `${root}${input.kind ?? 'CloudTrail'}/${input.region}/${input.day ? dayFolders(input.day) : ''}`
}

/** The folder holding a Region's digest files (one day's, with `day`), ending in `/`. */
export function digestFilePrefix(input: KeyPrefixInput): string {
  const root = awsLogsRoot(input.prefix, input.organizationId, input.accountId)
  return `${root}CloudTrail-Digest/${input.region}/${input.day ? dayFolders(input.day) : ''}`
}

// Regions never contain `_`, which is what makes names with `_` in the trail name parseable.
const REGION = '[a-z0-9-]+'
const ROOT = `^(?:(.+)/)?AWSLogs/(?:(o-[a-z0-9]{10,32})/)?(\\d{12})/`
const DAY = '(\\d{4})/(\\d{2})/(\\d{2})/'
const LOG_NAME = `(\\d{12})_(CloudTrail|CloudTrail-Insight)_(${REGION})_(\\d{8}T\\d{4}Z)_([A-Za-z0-9]{16})\\.json\\.gz$`
const LOG_NAME_RE = new RegExp(`^${LOG_NAME}`)
const LOG_KEY_RE = new RegExp(`${ROOT}(CloudTrail|CloudTrail-Insight)/(${REGION})/${DAY}${LOG_NAME}`)
const DIGEST_KEY_RE = new RegExp(
  `${ROOT}CloudTrail-Digest/(${REGION})/${DAY}(\\d{12})_CloudTrail-Digest_(${REGION})_(.+)_(${REGION})_(\\d{8}T\\d{6}Z)(_backfill)?\\.json\\.gz$`,
)

function parseStamp(stamp: string): Date | undefined {
  // YYYYMMDDTHHmm[ss]Z
  const iso =
    `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:` +
    `${stamp.length === 16 ? stamp.slice(13, 15) : '00'}Z`
  const d = new Date(iso)
  // Reject dates that JavaScript silently rolled over (Feb 30, hour 25, ...).
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 19) + 'Z' !== iso) return undefined
  return d
}

function folderMatches(d: Date, yyyy: string, mm: string, dd: string): boolean {
  return dayFolders(d) === `${yyyy}/${mm}/${dd}/`
}

/** Parses a bare log file name (as in a downloaded folder); undefined if it is not one. */
export function parseLogFileName(name: string): Omit<ParsedLogFileKey, 'prefix' | 'organizationId'> | undefined {
  const m = LOG_NAME_RE.exec(name)
  if (!m) return undefined
  const deliveryTime = parseStamp(m[4])
  if (!deliveryTime) return undefined
  return { accountId: m[1], kind: m[2] as LogFileKind, region: m[3], deliveryTime, unique: m[5] }
}

/**
 * Inverse of `logFileKey`. Undefined unless the key has exactly that shape, with the folder's
 * account, kind, Region and date agreeing with the file name.
 */
export function parseLogFileKey(key: string): ParsedLogFileKey | undefined {
  const m = LOG_KEY_RE.exec(key)
  if (!m) return undefined
  const [, prefix, organizationId, folderAccount, folderKind, folderRegion, yyyy, mm, dd, account, kind, region, stamp, unique] = m
  if (folderAccount !== account || folderKind !== kind || folderRegion !== region) return undefined
  const deliveryTime = parseStamp(stamp)
  if (!deliveryTime || !folderMatches(deliveryTime, yyyy, mm, dd)) return undefined
  return {
    ...(prefix !== undefined && { prefix }),
    ...(organizationId !== undefined && { organizationId }),
    accountId: account,
    region,
    kind: kind as LogFileKind,
    deliveryTime,
    unique,
  }
}

/** Inverse of `digestFileKey`, with the same agreement checks as `parseLogFileKey`. */
export function parseDigestFileKey(key: string): ParsedDigestFileKey | undefined {
  const m = DIGEST_KEY_RE.exec(key)
  if (!m) return undefined
  const [, prefix, organizationId, folderAccount, folderRegion, yyyy, mm, dd, account, region, trailName, homeRegion, stamp, backfill] = m
  if (folderAccount !== account || folderRegion !== region) return undefined
  const digestEndTime = parseStamp(stamp)
  if (!digestEndTime || !folderMatches(digestEndTime, yyyy, mm, dd)) return undefined
  return {
    ...(prefix !== undefined && { prefix }),
    ...(organizationId !== undefined && { organizationId }),
    accountId: account,
    region,
    trailName,
    homeRegion,
    digestEndTime,
    backfill: backfill !== undefined,
  }
}
