/**
 * Log file validation: the AWS CLI's `validate-logs` algorithm (awscli
 * customizations/cloudtrail/validation.py: DigestProvider, DigestTraverser,
 * Sha256RSADigestValidator, CloudTrailValidateLogs) over an ObjectStore.
 *
 * Digests are listed once, then walked newest → oldest: each is fetched, gunzipped, parsed,
 * its location and signature checked with the public key of its fingerprint, then the walk
 * follows its previousDigest link (a null link jumps to the next older listed digest and
 * reports a gap). Every log file of a valid digest is gunzipped and its SHA-256 compared.
 * The standard chain is walked first, then the backfill chain.
 *
 * Beyond the CLI: log files under the trail's CloudTrail/ prefix delivered in the range,
 * due for a digest, yet listed by no digest are reported as unreferenced (a deleted newest
 * digest, or files slipped into the bucket).
 */
import { verify, type KeyObject } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import pLimit, { type LimitFunction } from 'p-limit'
import type { ObjectStore, StoredObject } from '../storage/types.js'
import { errorCodeOf } from '../storage/errors.js'
import { publicKeyFromDer } from '../keys/index.js'
import { formatEventTime } from '../record/index.js'
import { digestStringToSign, sha256Hex } from './digest.js'
import {
  digestFileKey,
  digestKeyPattern,
  digestKeyTimestamp,
  digestListPrefix,
  isBackfillDigestKey,
  compactTime,
  logFileDayPrefix,
  logFileDeliveryTime,
  parseCompactTime,
  type TrailLocation,
} from './digest-key.js'
import { GunzipError, HashPool, defaultHashThreads } from './hash-pool.js'
import { DigestInvalid, InvalidTimeRangeError, NoPublicKeysError, ObjectMissing, InvalidTrailArnError } from './errors.js'
import type { DigestInvalidReason, ValidationEvent, ValidationResult } from './report.js'

/** A ListPublicKeys entry; `Value` is DER (PKCS#1 as CloudTrail serves it, or SPKI). */
export interface PublicKey {
  Value: Buffer
  ValidityStartTime?: Date
  ValidityEndTime?: Date
  Fingerprint: string
}

/**
 * Log files checked at once: enough that the hashing threads have files queued while the
 * event loop is busy elsewhere (the CLI loading the AWS SDK). The native hash holds memory
 * only for the files its threads are working on; the zlib path holds each file read.
 */
export const DEFAULT_LOG_CONCURRENCY = 16
/** The store's code for an object encrypted at rest whose bytes no longer decrypt (KMS's own code). */
const TAMPERED_CIPHERTEXT = 'KMS.InvalidCiphertextException'
/** A log file is due for a digest this long after delivery: an hour's digest plus delivery slack. */
export const DEFAULT_PENDING_GRACE_SECONDS = 4500

/**
 * What validation asks of a store: it only reads. A store of local files may also name the
 * file holding an object's bytes as stored (FileObjectStore.objectFile): a log file whose
 * file hashes to its digest's value is valid without more; any other (absent, corrupt,
 * encrypted at rest, changed) is then read through getObject and judged from what it gives.
 */
export type LogStore = Pick<ObjectStore, 'getObject' | 'headObject' | 'listObjects'> & {
  objectFile?(bucket: string, key: string): Promise<string | undefined>
}

export interface ValidateLogsOptions {
  store: LogStore
  bucket: string
  /** S3KeyPrefix of the trail, without the trailing slash. */
  prefix?: string
  /** Account whose files are validated (the ARN's account when omitted, as the CLI does). */
  accountId?: string
  /** For organization trails: the `o-…` path segment. */
  organizationId?: string
  /** Source Region (the CLI's `--region`): the Region whose digests are read. */
  region: string
  trailArn: string
  /** Trail name and home Region; taken from the ARN when omitted, as the CLI does. */
  trailName?: string
  homeRegion?: string
  startTime: Date
  /** Defaults to now. */
  endTime?: Date
  /** ListPublicKeys for the trail's home Region. */
  publicKeys: (start: Date, end: Date) => Promise<PublicKey[]>
  /** Called with each finding as it is made (progress output). */
  onProgress?: (event: ValidationEvent) => void
  /** Report log files listed in no digest (default true). */
  checkUnreferenced?: boolean
  /** Log files delivered less than this long before `now` are not yet expected in a digest. */
  pendingGraceSeconds?: number
  /** The current time (default: the clock); only for the default end time and pending grace. */
  now?: Date
  logConcurrency?: number
  /** Without the native hash: worker threads that gunzip and hash log files (default: one per core); 0 hashes on this thread. */
  hashThreads?: number
  /**
   * The store gives each object's body a buffer of its own (FileObjectStore, S3ObjectStore do):
   * log files are then moved to the hashing threads rather than copied. Not for a store that
   * hands out buffers it keeps (a cache, an in-memory store): moving empties them.
   */
  ownBodies?: boolean
}

/** A parsed digest file (only the fields the walk reads are typed). */
interface DigestData {
  [field: string]: unknown
  digestS3Bucket: string
  digestS3Object: string
  digestStartTime: string
  digestEndTime: string
  logFiles?: unknown
}

interface DigestLogRef {
  s3Bucket: string
  s3Object: string
  hashValue: unknown
}

const REQUIRED_DIGEST_KEYS = [
  'digestPublicKeyFingerprint',
  'digestS3Bucket',
  'digestS3Object',
  'previousDigestSignature',
  'digestEndTime',
  'digestStartTime',
] as const

const HOUR_MS = 3_600_000
/** Digests whose log files may be under way at once, beyond the one the walk is at. */
const WALK_AHEAD_DIGESTS = 2

export async function validateLogs(options: ValidateLogsOptions): Promise<ValidationResult> {
  return new LogValidation(options).run()
}

class LogValidation {
  readonly #o: ValidateLogsOptions
  readonly #loc: TrailLocation
  readonly #start: Date
  readonly #end: Date
  readonly #now: Date
  readonly #events: ValidationEvent[] = []
  readonly #digests = { valid: 0, invalid: 0 }
  readonly #backfillDigests = { valid: 0, invalid: 0 }
  readonly #logs = { valid: 0, invalid: 0 }
  /** `bucket/key` of every log file listed by a digest that parsed. */
  readonly #referenced = new Set<string>()
  /** Digest listings, shared by the standard and backfill walks as the CLI caches them. */
  readonly #listings = new Map<string, { standard: string[]; backfill: string[] }>()
  #foundStart: Date | undefined
  #foundEnd: Date | undefined
  #unreferenced = 0
  readonly #hashPool: HashPool
  /** Log file checks under way, across digests: the next digest's files start as soon as a slot frees. */
  readonly #checkSlots: LimitFunction
  /**
   * Findings are counted and emitted in the CLI's order (each digest, then its log files)
   * through this chain, while the walk runs ahead and the checks run side by side.
   */
  #reported: Promise<void> = Promise.resolve()
  /**
   * Log file checks started before their digest is verified (readAhead), by logCheckKey:
   * hashing, most of the time, need not wait for the public keys or the walk. Only what
   * the verified walk reaches is reported.
   */
  readonly #checksAhead = new Map<string, Promise<LogOutcome>>()
  /** Digest objects read ahead, by `bucket/key`, until the walk takes them. */
  readonly #digestObjects = new Map<string, Promise<StoredObject>>()
  /** The reports of the last digests the walk passed: it waits when they are too many. */
  readonly #reportsBehind: Promise<void>[] = []
  /** Set when the walks end: checks not yet started are then not started. */
  #finished = false

  constructor(options: ValidateLogsOptions) {
    if (!/^arn:.+:cloudtrail:.+:\d{12}:trail\/.+/.test(options.trailArn)) throw new InvalidTrailArnError(options.trailArn)
    this.#o = options
    this.#now = options.now ?? new Date()
    this.#start = options.startTime
    this.#end = options.endTime ?? this.#now
    if (this.#start.getTime() > this.#end.getTime()) throw new InvalidTimeRangeError(this.#start, this.#end)
    const arnParts = options.trailArn.split(':')
    this.#loc = {
      prefix: options.prefix || undefined,
      organizationId: options.organizationId,
      accountId: options.accountId ?? arnParts[4],
      region: options.region,
      trailName: options.trailName ?? options.trailArn.split('/').pop()!,
      homeRegion: options.homeRegion ?? arnParts[3],
    }
    // Started here, so the threads boot while digests are listed and public keys fetched.
    this.#hashPool = new HashPool({ threads: options.hashThreads ?? defaultHashThreads() })
    this.#checkSlots = pLimit(Math.max(1, options.logConcurrency ?? DEFAULT_LOG_CONCURRENCY))
  }

  async run(): Promise<ValidationResult> {
    try {
      await this.#walk(false)
      await this.#walk(true)
      await this.#reported
    } finally {
      // A walk that failed, or checks read ahead for digests it never reached, leave work
      // running: it ends before the pool closes.
      this.#finished = true
      await this.#reported.catch(() => undefined)
      await Promise.allSettled(this.#checksAhead.values())
      await this.#hashPool.close()
    }
    if (this.#o.checkUnreferenced ?? true) await this.#findUnreferenced()
    const anyInvalid = this.#digests.invalid + this.#backfillDigests.invalid + this.#logs.invalid + this.#unreferenced > 0
    return {
      trailArn: this.#o.trailArn,
      requestedStart: this.#start,
      requestedEnd: this.#end,
      foundStart: this.#foundStart,
      foundEnd: this.#foundEnd,
      events: this.#events,
      digests: this.#digests,
      backfillDigests: this.#backfillDigests,
      logs: this.#logs,
      unreferencedLogs: this.#unreferenced,
      exitCode: anyInvalid ? 1 : 0,
    }
  }

  #emit(event: ValidationEvent): void {
    this.#events.push(event)
    this.#o.onProgress?.(event)
  }

  /** Runs `report` (counting and emitting findings) after every finding reported before it. */
  #inOrder(report: () => void | Promise<void>): void {
    this.#reported = this.#reported.then(report)
    // Awaited at the end of run(); until then a failure must not count as unhandled.
    this.#reported.catch(() => undefined)
  }

  // ---- the digest walk (DigestTraverser.traverse_digests / _traverse_digest_chain) ----

  async #walk(backfill: boolean): Promise<void> {
    let bucket = this.#o.bucket
    let digests = await this.#listDigests(bucket, this.#start, this.#end, backfill)
    let publicKeys = new Map<string, PublicKey>()
    if (!backfill) {
      // Log files are checked ahead while the keys are fetched, which may take a while: the
      // caller may have a client to load first (the CLI's AWS SDK, a fifth of a small run).
      const ahead = this.#readAhead(bucket, digests)
      await ahead.started
      try {
        publicKeys = await this.#loadPublicKeys(this.#start, new Date(this.#end.getTime() + 2 * HOUR_MS))
      } finally {
        ahead.stop()
      }
    }

    let [key, endDate] = lastDigest(digests)
    let lastStartDate = endDate
    while (key !== undefined && lastStartDate !== undefined && this.#start.getTime() <= lastStartDate.getTime()) {
      let digest: DigestData
      try {
        ;({ digest, endDate } = await this.#loadAndValidate(publicKeys, bucket, key, backfill))
        lastStartDate = parseDigestTime(digest.digestStartTime)
      } catch (error) {
        const failed = key
        ;[key, endDate] = lastDigest(digests, failed)
        if (error instanceof ObjectMissing) {
          this.#digestInvalid(backfill, bucket, failed, 'not found', `Digest file\ts3://${bucket}/${failed}\tINVALID: not found`)
        } else if (error instanceof DigestInvalid) {
          this.#digestInvalid(backfill, bucket, failed, error.reason, error.line)
        } else if (error instanceof Error && !(error instanceof StoreFailure)) {
          // The CLI reports any other failure on the digest line with the error's text.
          this.#digestInvalid(backfill, bucket, failed, 'error', `Digest file\ts3://${bucket}/${failed}\tINVALID: ${error.message}`)
        } else {
          throw error instanceof StoreFailure ? error.cause : error
        }
        continue
      }
      this.#onValidDigest(digest, backfill)
      // The walk runs ahead of the checks by a few digests, not by a year of them (memory).
      this.#reportsBehind.push(this.#reported)
      if (this.#reportsBehind.length > WALK_AHEAD_DIGESTS) await this.#reportsBehind.shift()
      const previousBucket = digest.previousDigestS3Bucket
      const previousKey = digest.previousDigestS3Object
      if (previousBucket == null || previousKey == null) {
        const last = key
        ;[key, endDate] = lastDigest(digests, last)
        // A gap is reported only when an older digest exists.
        if (key !== undefined && endDate !== undefined) {
          const message = `${backfill ? '(backfill) ' : ''}No log files were delivered by CloudTrail between ${formatEventTime(endDate)} and ${formatEventTime(lastStartDate)}`
          const gap: ValidationEvent = { type: 'gap', backfill, nextEndTime: endDate, lastStartTime: lastStartDate, message }
          this.#inOrder(() => this.#emit(gap))
        }
      } else {
        key = String(previousKey)
        if (String(previousBucket) !== bucket) {
          bucket = String(previousBucket)
          // The chain moved to another bucket: list that one (the CLI lists up to this digest's end).
          digests = await this.#listDigests(bucket, this.#start, endDate ?? this.#end, backfill)
        }
      }
    }
  }

  #digestInvalid(backfill: boolean, bucket: string, key: string, reason: DigestInvalidReason, line: string): void {
    this.#inOrder(() => {
      ;(backfill ? this.#backfillDigests : this.#digests).invalid += 1
      this.#emit({ type: 'digest', backfill, bucket, key, valid: false, reason, message: `${backfill ? '(backfill) ' : ''}${line}` })
    })
  }

  /** DigestProvider.load_all_digest_keys_in_range, cached per (bucket, start, end) like the CLI. */
  async #listDigests(bucket: string, start: Date, end: Date, backfill: boolean): Promise<string[]> {
    const cacheKey = JSON.stringify([bucket, start.getTime(), end.getTime()])
    let listing = this.#listings.get(cacheKey)
    if (!listing) {
      listing = { standard: [], backfill: [] }
      const pattern = digestKeyPattern(this.#loc)
      const targetStart = compactTime(start)
      // One hour past the end: log files delivered near the end are listed by the next digest.
      const targetEnd = compactTime(new Date(end.getTime() + HOUR_MS))
      let startAfter: string | undefined = digestFileKey(this.#loc, new Date(start.getTime() - 60_000))
      let continuationToken: string | undefined
      listing: for (;;) {
        const page = await this.#o.store.listObjects(bucket, { prefix: digestListPrefix(this.#loc), startAfter, continuationToken })
        for (const { key } of page.objects) {
          if (!pattern.test(key)) continue
          const stamp = digestKeyTimestamp(key)
          if (stamp > targetEnd) break listing
          if (stamp < targetStart) continue
          // Deviation: the CLI would crash on a matching key with an unparsable timestamp; skip it.
          if (!parseCompactTime(stamp)) continue
          ;(isBackfillDigestKey(key) ? listing.backfill : listing.standard).push(key)
        }
        if (!page.nextContinuationToken) break
        continuationToken = page.nextContinuationToken
        startAfter = undefined
      }
      this.#listings.set(cacheKey, listing)
    }
    return backfill ? listing.backfill : listing.standard
  }

  async #loadPublicKeys(start: Date, end: Date): Promise<Map<string, PublicKey>> {
    const keys = await this.#o.publicKeys(start, end)
    if (keys.length === 0) throw new NoPublicKeysError(start, end)
    return new Map(keys.map((k) => [k.Fingerprint, k]))
  }

  /** DigestTraverser._load_and_validate_digest + Sha256RSADigestValidator.validate. */
  async #loadAndValidate(publicKeys: Map<string, PublicKey>, bucket: string, key: string, backfill: boolean): Promise<{ digest: DigestData; endDate: Date }> {
    const line = (what: string): string => `Digest file\ts3://${bucket}/${key}\tINVALID: ${what}`
    const object = await this.#digestObject(bucket, key, { take: true })
    let inflated: Buffer
    let parsed: unknown
    try {
      inflated = gunzipSync(object.body)
      parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated))
    } catch {
      throw new DigestInvalid('invalid format', line('invalid format'))
    }
    const signatureHex = object.metadata['signature']
    if (signatureHex === undefined || object.metadata['signature-algorithm'] === undefined) {
      throw new DigestInvalid('signature verification failed', line('signature verification failed'))
    }
    const backfillTimestamp = object.metadata['backfill-generation-timestamp']
    if (backfill && backfillTimestamp === undefined) throw new DigestInvalid('invalid format', line('invalid format'))
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new DigestInvalid('invalid format', line('invalid format'))
    const data = parsed as Record<string, unknown>
    for (const required of REQUIRED_DIGEST_KEYS) {
      if (!(required in data)) throw new DigestInvalid('invalid format', line('invalid format'))
    }
    this.#noteReferences(data.logFiles)
    if (data.digestS3Bucket !== bucket || data.digestS3Object !== key) {
      throw new DigestInvalid('moved', line('has been moved from its original location'))
    }
    const fingerprint = pyStr(data.digestPublicKeyFingerprint)
    if (!publicKeys.has(fingerprint) && backfill) {
      const at = parseDigestTime(backfillTimestamp)
      for (const [fp, k] of await this.#loadPublicKeys(new Date(at.getTime() - HOUR_MS), new Date(at.getTime() + HOUR_MS))) publicKeys.set(fp, k)
    }
    const publicKey = publicKeys.get(fingerprint)
    if (!publicKey) {
      // The CLI names the trail's home Region here, not the source Region.
      throw new DigestInvalid('public key not found', line(`public key not found in region ${this.#loc.homeRegion} for fingerprint ${fingerprint}`))
    }
    let keyObject: KeyObject
    try {
      keyObject = publicKeyFromDer(publicKey.Value)
    } catch {
      throw new DigestInvalid('unable to load public key', line(`Unable to load PKCS #1 key with fingerprint ${fingerprint}`))
    }
    const toSign = digestStringToSign(pyStr(data.digestEndTime), pyStr(data.digestS3Bucket), pyStr(data.digestS3Object), sha256Hex(inflated), data.previousDigestSignature == null ? null : pyStr(data.previousDigestSignature))
    if (signatureHex.length % 2 !== 0) throw new Error('Odd-length string') // binascii.unhexlify's errors
    if (!/^[0-9a-fA-F]*$/.test(signatureHex)) throw new Error('Non-hexadecimal digit found')
    if (!verify('sha256', Buffer.from(toSign, 'utf8'), keyObject, Buffer.from(signatureHex, 'hex'))) {
      throw new DigestInvalid('signature verification failed', line('signature verification failed'))
    }
    return { digest: data as DigestData, endDate: parseDigestTime(data.digestEndTime) }
  }

  #noteReferences(logFiles: unknown): void {
    if (!Array.isArray(logFiles)) return
    for (const f of logFiles as unknown[]) {
      if (typeof f === 'object' && f !== null) {
        const { s3Bucket, s3Object } = f as Partial<DigestLogRef>
        if (typeof s3Bucket === 'string' && typeof s3Object === 'string') this.#referenced.add(`${s3Bucket}/${s3Object}`)
      }
    }
  }

  /** What the CLI does with each yielded digest: count it, track found times, check its log files. */
  #onValidDigest(digest: DigestData, backfill: boolean): void {
    const digestStart = parseDigestTime(digest.digestStartTime)
    const earliest = digestStart > this.#start ? digestStart : this.#start
    if (!this.#foundStart || earliest < this.#foundStart) this.#foundStart = earliest
    const digestEnd = parseDigestTime(digest.digestEndTime)
    const latest = digestEnd < this.#end ? digestEnd : this.#end
    if (!this.#foundEnd || latest > this.#foundEnd) this.#foundEnd = latest

    const logFiles = Array.isArray(digest.logFiles) ? (digest.logFiles as DigestLogRef[]) : []
    const outcomes = logFiles.map((log) => {
      const key = logCheckKey(log)
      const ahead = this.#checksAhead.get(key)
      this.#checksAhead.delete(key)
      return ahead ?? this.#startCheck(log)
    })
    this.#inOrder(async () => {
      ;(backfill ? this.#backfillDigests : this.#digests).valid += 1
      this.#emit({
        type: 'digest',
        backfill,
        bucket: digest.digestS3Bucket,
        key: digest.digestS3Object,
        valid: true,
        message: `${backfill ? '(backfill) ' : ''}Digest file\ts3://${digest.digestS3Bucket}/${digest.digestS3Object}\tvalid`,
      })
      // Reported in the digest's order, as the CLI prints them.
      for (const [i, log] of logFiles.entries()) {
        const outcome = await outcomes[i]
        const where = `Log file\ts3://${log.s3Bucket}/${log.s3Object}\t`
        if (outcome === 'valid') {
          this.#logs.valid += 1
          this.#emit({ type: 'log', bucket: log.s3Bucket, key: log.s3Object, valid: true, message: `${where}valid` })
        } else {
          this.#logs.invalid += 1
          const text = outcome === 'hash mismatch' ? "hash value doesn't match" : outcome
          this.#emit({ type: 'log', bucket: log.s3Bucket, key: log.s3Object, valid: false, reason: outcome, message: `${where}INVALID: ${text}` })
        }
      }
    })
  }

  /**
   * Starts checking the log files of the listed digests, newest digest first as the walk
   * goes, until stopped. `started` resolves once the first log files are under way (or
   * there are none: the newest digests of a quiet trail list none). A digest that does not
   * read or parse is left to the walk to report.
   */
  #readAhead(bucket: string, digests: readonly string[]): { started: Promise<void>; stop: () => void } {
    let stopped = false
    let started = (): void => undefined
    const readAll = async (): Promise<void> => {
      for (let i = digests.length - 1; i >= 0 && !stopped && !this.#finished; i--) {
        const object = await this.#digestObject(bucket, digests[i]).catch(() => undefined)
        let logFiles: unknown
        try {
          logFiles = object && (JSON.parse(gunzipSync(object.body).toString('utf8')) as { logFiles?: unknown }).logFiles
        } catch {
          continue
        }
        if (!Array.isArray(logFiles)) continue
        for (const log of logFiles as unknown[]) {
          if (typeof log !== 'object' || log === null) continue
          const key = logCheckKey(log as DigestLogRef)
          if (!this.#checksAhead.has(key)) this.#checksAhead.set(key, this.#startCheck(log as DigestLogRef))
        }
        if (this.#checksAhead.size > 0) started()
      }
    }
    return {
      started: new Promise<void>((resolve) => {
        started = resolve
        // A failing store is met again, and reported, by the walk.
        readAll().catch(() => undefined).finally(resolve)
      }),
      stop: () => (stopped = true),
    }
  }

  /** Checks a log file when a slot is free; its rejection is for whoever awaits it. */
  #startCheck(log: DigestLogRef): Promise<LogOutcome> {
    const check = this.#checkSlots(() => (this.#finished ? Promise.reject(new Error('validation ended')) : this.#checkLog(log)))
    check.catch(() => undefined)
    return check
  }

  /** The read-ahead's digest object, which the walk then takes instead of reading it again. */
  #digestObject(bucket: string, key: string, options: { take?: boolean } = {}): Promise<StoredObject> {
    const cacheKey = `${bucket}/${key}`
    let object = this.#digestObjects.get(cacheKey)
    if (options.take) {
      this.#digestObjects.delete(cacheKey)
      return object ?? this.#getObject(bucket, key)
    }
    if (!object) {
      object = this.#getObject(bucket, key)
      object.catch(() => undefined) // awaited by the walk
      this.#digestObjects.set(cacheKey, object)
    }
    return object
  }

  async #checkLog(log: DigestLogRef): Promise<LogOutcome> {
    // The fast path answers intact files; every other case is found and reported below.
    const file = await this.#o.store.objectFile?.(String(log.s3Bucket), String(log.s3Object)).catch(() => undefined)
    if (file !== undefined && (await this.#hashPool.sha256OfGunzippedFile(file)) === log.hashValue) return 'valid'
    let object: StoredObject
    try {
      object = await this.#getObject(String(log.s3Bucket), String(log.s3Object))
    } catch (error) {
      if (error instanceof ObjectMissing) return 'not found'
      // Encrypted at rest in the folder store, bytes changed after delivery fail their
      // authentication: a finding about the file, not a failing store.
      if (error instanceof StoreFailure && errorCodeOf(error.cause) === TAMPERED_CIPHERTEXT) return 'invalid format'
      throw error instanceof StoreFailure ? error.cause : error
    }
    let hash: string
    try {
      hash = await this.#hashPool.sha256OfGunzipped(object.body, { transfer: this.#o.ownBodies })
    } catch (error) {
      // The CLI reports any failure to read a log file but a missing object this way; a
      // failing hashing thread is no finding about the file.
      if (error instanceof GunzipError) return 'invalid format'
      throw error
    }
    return hash === log.hashValue ? 'valid' : 'hash mismatch'
  }

  /** GET, telling "absent" (ObjectMissing) from a failing store (StoreFailure, which the CLI does not survive). */
  async #getObject(bucket: string, key: string): Promise<StoredObject> {
    try {
      return await this.#o.store.getObject(bucket, key)
    } catch (error) {
      // Ask the interface rather than inspect the error: headObject answers undefined when absent.
      const head = await this.#o.store.headObject(bucket, key).catch(() => null)
      if (head === undefined) throw new ObjectMissing(bucket, key)
      throw new StoreFailure(error)
    }
  }

  // ---- beyond the CLI ----

  async #findUnreferenced(): Promise<void> {
    const graceMs = (this.#o.pendingGraceSeconds ?? DEFAULT_PENDING_GRACE_SECONDS) * 1000
    const dueBefore = this.#now.getTime() - graceMs
    const bucket = this.#o.bucket
    const day = new Date(Date.UTC(this.#start.getUTCFullYear(), this.#start.getUTCMonth(), this.#start.getUTCDate()))
    for (; day.getTime() <= this.#end.getTime(); day.setUTCDate(day.getUTCDate() + 1)) {
      let continuationToken: string | undefined
      do {
        const page = await this.#o.store.listObjects(bucket, { prefix: logFileDayPrefix(this.#loc, day), continuationToken })
        for (const { key, lastModified } of page.objects) {
          const delivered = logFileDeliveryTime(key, this.#loc.accountId, this.#loc.region)
          if (!delivered) continue
          // Names carry the delivery minute; the object's write time, when the store gives it,
          // pins it down: only files delivered inside the range, and due for a digest by now.
          const t = delivered.getTime()
          const latest = lastModified ? Math.max(t, lastModified.getTime()) : t + 60_000
          if (t < this.#start.getTime() || latest > this.#end.getTime() || latest > dueBefore) continue
          if (this.#referenced.has(`${bucket}/${key}`)) continue
          this.#unreferenced += 1
          this.#emit({ type: 'unreferenced', bucket, key, deliveryTime: delivered, message: `Log file\ts3://${bucket}/${key}\tUNREFERENCED: not listed in any digest file` })
        }
        continuationToken = page.nextContinuationToken
      } while (continuationToken)
    }
  }
}

type LogOutcome = 'valid' | 'not found' | 'invalid format' | 'hash mismatch'

/** Identifies a check read ahead: the log file and the hash its digest states. */
function logCheckKey(log: DigestLogRef): string {
  return JSON.stringify([log.s3Bucket, log.s3Object, log.hashValue])
}

/** A store failure other than "absent": propagated to the caller as the CLI does. */
class StoreFailure extends Error {
  override readonly name = 'StoreFailure'
  constructor(override readonly cause: unknown) {
    super('object store failure', { cause })
  }
}

/** The newest listed digest, or the newest one strictly older than `beforeKey` (DigestTraverser._get_last_digest). Pops from `digests`. */
function lastDigest(digests: string[], beforeKey?: string): [string | undefined, Date | undefined] {
  if (beforeKey === undefined) {
    const next = digests.pop()
    return next === undefined ? [undefined, undefined] : [next, parseCompactTime(digestKeyTimestamp(next))]
  }
  const before = parseCompactTime(digestKeyTimestamp(beforeKey))
  while (digests.length) {
    const next = digests.pop()!
    const nextDate = parseCompactTime(digestKeyTimestamp(next))
    if (nextDate && before && nextDate < before) return [next, nextDate]
  }
  return [undefined, undefined]
}

/** The CLI's `parse_date`: any ISO-8601 date, else "Unable to parse date value: …". */
function parseDigestTime(value: unknown): Date {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN
  if (Number.isNaN(ms)) throw new Error(`Unable to parse date value: ${pyStr(value)}`)
  return new Date(ms)
}

/** Python's str() of a JSON value, as the CLI's f-strings render it. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  if (value === true) return 'True'
  if (value === false) return 'False'
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value)
}
