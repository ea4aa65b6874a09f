/**
 * One trail's delivery worker: every interval (or early, once enough events wait) it plans a
 * delivery of the events its trail selects, persists the plan, writes the log files, and only
 * then advances its cursor. Startup is the recovery path: a plan left by a crash is simply the
 * first thing the worker executes.
 *
 * A plan covers a journal seq range (cursor+1 .. lastSeq) and names its files: one per
 * account and Region, keyed by the plan's delivery time and a suffix derived from the trail
 * and the range. The range ends at the journal head when planning, earlier when a file reaches
 * its size limit. Neither the keys nor the boundaries change on replay.
 */
import type { Journal } from '../journal/index.js'
import type { ObjectStore, PutObjectOptions } from '../storage/index.js'
import { StorageError, errorCodeOf } from '../storage/index.js'
import { logFileKey, uniqueSuffix } from '../trails/index.js'
import type { Trail, TrailStore } from '../trails/index.js'
import { PLAN_READ_PAGE, type DeliveryOptions } from './config.js'
import { LogFileDeliveryError, PlanEntriesMissingError } from './errors.js'
import { buildLogFile, serializedRecordBytes, widenEventTimes } from './log-file.js'
import type { DeliveryPlan, DeliveryPlanStore, EventTimeRange, PlannedFile } from './plan-store.js'
import { DELIVERY_STATE_VERSION } from './plan-store.js'
import { trailSelects } from './trail-filter.js'

/** What `onLogFileDelivered` learns about each log file once it is durable in the bucket. */
export interface DeliveredLogFile {
  accountId: string
  region: string
  bucket: string
  key: string
  /** Lower-hex SHA-256 of the uncompressed file bytes. */
  sha256: string
  /** `YYYY-MM-DDThh:mm:ssZ` */
  newestEventTime: string
  oldestEventTime: string
  /** When the object became durable (this attempt's time; a replay reports its own). */
  deliveredAt: Date
}

/**
 * Called once per log file after the object is durable and before the trail's cursor moves:
 * part of the same durable step. A crash after it but before the cursor moves replays the plan,
 * so the hook sees the same bucket, key and sha256 again and must treat that as a no-op
 * (idempotent by key). A rejection fails the delivery attempt, which is retried.
 */
export type LogFileDeliveredHook = (trail: Trail, file: DeliveredLogFile) => Promise<void>

/** SNS-style notification after a delivery: `{"s3Bucket": ..., "s3ObjectKey": [...]}`. */
export interface DeliveryNotification {
  s3Bucket: string
  s3ObjectKey: string[]
}

/**
 * Called after a delivery is complete (cursor advanced) when the trail has an SNS topic.
 * At most once per delivery: a failure is recorded in the trail's status, never retried, and
 * never re-delivers log files.
 */
export type DeliveryNotifier = (trail: Trail, notification: DeliveryNotification) => Promise<void>

export interface TrailDeliveryDeps {
  journal: Journal
  trails: TrailStore
  objects: ObjectStore
  plans: DeliveryPlanStore
  options: Readonly<DeliveryOptions>
  notifier?: DeliveryNotifier
  onLogFileDelivered?: LogFileDeliveredHook
  /** Told whenever the trail's cursor moved. */
  onCursor?: (trailArn: string, cursor: number) => void
  /** Failures of background attempts (they are retried; status already shows them). */
  onError?: (trailArn: string, error: unknown) => void
  now?: () => Date
}

export class TrailDelivery {
  readonly arn: string
  readonly #deps: TrailDeliveryDeps
  readonly #now: () => Date
  /** Attempts run one after another; this is the tail of that chain. */
  #tail: Promise<unknown> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #retryMs: number
  #stopped = false
  /** Set while attempts fail: early pokes then wait for the backoff instead of hammering the bucket. */
  #failing = false
  #cursor = 0

  constructor(arn: string, deps: TrailDeliveryDeps) {
    this.arn = arn
    this.#deps = deps
    this.#now = deps.now ?? (() => new Date())
    this.#retryMs = deps.options.retryMinMs
    this.#cursor = deps.plans.getState(arn)?.cursor ?? 0
  }

  /** The last journal seq this trail is done with (delivered or skipped). */
  get cursor(): number {
    return this.#cursor
  }

  /** Starts the interval timer; the first attempt runs right away (it completes a crashed plan). */
  start(): void {
    this.#schedule(0)
  }

  /** Asks for an attempt now (e.g. enough events are waiting); failures go to onError. */
  poke(): void {
    if (this.#stopped || this.#failing) return
    this.#schedule(0)
  }

  /**
   * Delivers everything the trail has pending up to the journal head as it is now. Resolves
   * once those log files are durable and the cursor has moved; rejects with the failure
   * (a LogFileDeliveryError for a store failure) while leaving the plan to be retried.
   */
  deliverNow(): Promise<void> {
    const run = this.#tail.then(async () => {
      const target = await this.#deps.journal.head()
      for (;;) {
        const progress = await this.#attempt()
        if (progress === 'idle' || this.#cursor >= target) return
      }
    })
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Stops the timer and waits for an attempt in flight; durable state is already saved. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#tail
  }

  /**
   * Called (synchronously) whenever the trail changed, with the journal head at that moment.
   * Remembers where logging stopped, so events appended while it was on are still delivered.
   */
  observeChange(trail: Trail, head: number): void {
    const { plans } = this.#deps
    const state = plans.getState(this.arn) ?? plans.initState(this.arn, initialState(trail, head))
    this.#cursor = Math.max(this.#cursor, state.cursor)
    if (trail.isLogging && state.stoppedAtSeq !== undefined) plans.setStoppedAt(this.arn, undefined)
    if (!trail.isLogging && state.stoppedAtSeq === undefined && trail.startLoggingTime !== undefined) {
      plans.setStoppedAt(this.arn, head)
      // The stopped session stays to be delivered even if logging starts again before it is.
      plans.setStoppedSessions(this.arn, [...state.stoppedSessions, { from: trail.loggingStartedSeq, to: head }])
      // Deliver what was logged before the stop now, before a restart could move the window on.
      this.poke()
    }
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#background(), delayMs)
    this.#timer.unref()
  }

  async #background(): Promise<void> {
    if (this.#stopped) return
    try {
      await this.deliverNow()
      this.#failing = false
      this.#retryMs = this.#deps.options.retryMinMs
      if (!this.#stopped) this.#schedule(this.#deps.options.deliveryIntervalMs)
    } catch (error) {
      this.#failing = true
      this.#deps.onError?.(this.arn, error)
      if (!this.#stopped) this.#schedule(this.#retryMs)
      this.#retryMs = Math.min(this.#retryMs * 2, this.#deps.options.retryMaxMs)
    }
  }

  /** One step: execute the pending plan, or make one, or skip events the trail does not log. */
  async #attempt(): Promise<'progress' | 'idle'> {
    const { plans } = this.#deps
    const pending = plans.getPlan(this.arn)
    if (pending) return (await this.#execute(pending)) ? 'progress' : 'idle'
    const made = await this.#plan()
    if (made === 'idle' || made === 'skipped') return made === 'idle' ? 'idle' : 'progress'
    plans.savePlan(made.plan)
    return (await this.#execute(made.plan, made.texts)) ? 'progress' : 'idle'
  }

  /** A new plan, with the texts of its records as planning read them (so executing it reads none again). */
  async #plan(): Promise<{ plan: DeliveryPlan; texts: Map<number, string> } | 'idle' | 'skipped'> {
    const { journal, trails, plans, options } = this.#deps
    // Head before the trail: every seq up to it was appended before the trail was read.
    const head = await journal.head()
    const trail = trails.get(this.arn)
    if (!trail) return 'idle'
    const state = plans.getState(this.arn) ?? plans.initState(this.arn, initialState(trail, head))
    this.#cursor = state.cursor
    const sessions = state.stoppedSessions.filter((s) => s.to > state.cursor)
    if (sessions.length !== state.stoppedSessions.length) plans.setStoppedSessions(this.arn, sessions)
    // A stopped session not yet delivered comes first; then the current one, if logging.
    const session = sessions[0] ?? (trail.isLogging ? { from: trail.loggingStartedSeq, to: head } : undefined)
    const lower = Math.max(state.cursor, session?.from ?? trail.loggingStartedSeq)
    const upper = session?.to ?? lower
    if (lower >= upper) {
      // Nothing logged is waiting here. Events before a session started, or while stopped, are
      // skipped; the head is only reached when no session, past or current, is left.
      const skipTo = sessions.length || trail.isLogging ? lower : Math.max(lower, head)
      if (skipTo > state.cursor) {
        this.#skipTo(skipTo)
        return 'skipped'
      }
      return 'idle'
    }

    const groups = new Map<string, { seqs: number[]; bytes: number; eventTimes?: EventTimeRange }>()
    const texts = new Map<number, string>()
    let lastSeq = upper
    let after = lower
    scan: for (;;) {
      const batch = await journal.read(after, PLAN_READ_PAGE)
      for (const entry of batch.entries) {
        const { seq, skeleton: record } = entry
        if (seq > upper) break scan
        if (!trailSelects(trail, record)) continue
        const group = groups.get(record.awsRegion) ?? { seqs: [], bytes: 0 }
        groups.set(record.awsRegion, group)
        group.seqs.push(seq)
        texts.set(seq, entry.json)
        group.bytes += serializedRecordBytes(entry.json)
        group.eventTimes = widenEventTimes(group.eventTimes, record)
        if (group.seqs.length >= options.maxEventsPerFile || group.bytes >= options.maxBytesPerFile) {
          lastSeq = seq
          break scan
        }
      }
      if (batch.entries.length < PLAN_READ_PAGE || batch.lastSeq >= upper) break
      after = batch.lastSeq
    }

    if (groups.size === 0) {
      this.#skipTo(lastSeq)
      return 'skipped'
    }
    const firstSeq = lower + 1
    const deliveryTime = this.#now()
    const files: PlannedFile[] = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([region, group]) => ({
        accountId: trail.accountId,
        region,
        key: logFileKey({
          prefix: trail.s3KeyPrefix,
          accountId: trail.accountId,
          region,
          deliveryTime,
          unique: uniqueSuffix(`${trail.arn}:${trail.accountId}:${region}:${firstSeq}-${lastSeq}`),
        }),
        seqs: group.seqs,
        ...(group.eventTimes && { eventTimes: group.eventTimes }),
      }))
    return { plan: { version: DELIVERY_STATE_VERSION, trailArn: this.arn, firstSeq, lastSeq, deliveryTime: deliveryTime.toISOString(), files }, texts }
  }

  /** Writes the plan's files, then completes it; false when the trail is gone (its rows go with it). */
  #skipTo(seq: number): void {
    this.#deps.plans.skipTo(this.arn, seq)
    this.#cursor = Math.max(this.#cursor, seq)
    this.#deps.onCursor?.(this.arn, this.#cursor)
  }

  /** `texts`: the records' JSON where the caller has it (a plan just made); the rest is read from the journal. */
  async #execute(plan: DeliveryPlan, texts?: ReadonlyMap<number, string>): Promise<boolean> {
    const { journal, trails, objects, plans, onLogFileDelivered } = this.#deps
    const trail = trails.get(this.arn)
    if (!trail) return false
    const attemptTime = this.#now()
    // The bucket and key are read from the trail at each attempt, so a trail pointed at a new
    // bucket during an outage delivers there; the keys stay the plan's.
    const bucket = trail.s3BucketName
    const putOptions: PutObjectOptions = {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      ...(trail.kmsKeyId !== undefined && { serverSideEncryption: { type: 'aws:kms', kmsKeyId: trail.kmsKeyId } }),
    }
    try {
      for (const file of plan.files) {
        const logFile = await buildLogFile(...(await contentOf(journal, plan, file, texts)))
        try {
          await objects.putObject(bucket, file.key, logFile.body, putOptions)
        } catch (error) {
          throw new LogFileDeliveryError({
            trailArn: this.arn,
            bucket,
            key: file.key,
            firstSeq: plan.firstSeq,
            lastSeq: plan.lastSeq,
            code: errorCodeOf(error),
            retryable: error instanceof StorageError ? error.retryable : true,
            cause: error,
          })
        }
        await onLogFileDelivered?.(trail, {
          accountId: file.accountId,
          region: file.region,
          bucket,
          key: file.key,
          sha256: logFile.sha256,
          newestEventTime: logFile.newestEventTime,
          oldestEventTime: logFile.oldestEventTime,
          deliveredAt: this.#now(),
        })
      }
    } catch (error) {
      trails.updateStatus(this.arn, { latestDeliveryError: errorCodeOf(error), latestDeliveryAttemptTime: attemptTime })
      throw error
    }
    plans.completePlan(plan)
    this.#cursor = Math.max(this.#cursor, plan.lastSeq)
    const deliveredAt = this.#now()
    trails.updateStatus(this.arn, {
      latestDeliveryTime: deliveredAt,
      latestDeliveryAttemptTime: attemptTime,
      latestDeliveryAttemptSucceeded: deliveredAt,
      latestDeliveryError: undefined,
    })
    this.#deps.onCursor?.(this.arn, this.#cursor)
    if (trail.snsTopicName !== undefined) await this.#notify(trail, { s3Bucket: bucket, s3ObjectKey: plan.files.map((f) => f.key) })
    return true
  }

  async #notify(trail: Trail, notification: DeliveryNotification): Promise<void> {
    const { notifier, trails } = this.#deps
    if (!notifier) return
    const attemptTime = this.#now()
    try {
      await notifier(trail, notification)
      const at = this.#now()
      trails.updateStatus(this.arn, {
        latestNotificationTime: at,
        latestNotificationAttemptTime: attemptTime,
        latestNotificationAttemptSucceeded: at,
        latestNotificationError: undefined,
      })
    } catch (error) {
      trails.updateStatus(this.arn, { latestNotificationAttemptTime: attemptTime, latestNotificationError: errorCodeOf(error) })
      this.#deps.onError?.(this.arn, error)
    }
  }
}

/** A trail first seen: logging ones start after their logging seq; stopped ones have nothing waiting. */
function initialState(trail: Trail, head: number): { cursor: number } {
  return { cursor: trail.isLogging ? trail.loggingStartedSeq : head }
}

/**
 * A planned file's record texts, and its event time range: the plan's, or for a plan of an
 * earlier version the records'. A plan that found no readable time leaves it out too, and
 * then reading the records finds none either.
 */
async function contentOf(
  journal: Journal,
  plan: DeliveryPlan,
  file: PlannedFile,
  known: ReadonlyMap<number, string> | undefined,
): Promise<[string[], EventTimeRange | undefined]> {
  const texts = known && file.seqs.every((s) => known.has(s)) ? known : await journal.getJsonBySeq(file.seqs)
  const missing = file.seqs.filter((s) => !texts.has(s))
  if (missing.length) throw new PlanEntriesMissingError(plan.trailArn, missing)
  let times = file.eventTimes
  if (!times) for (const entry of (await journal.getBySeq(file.seqs)).values()) times = widenEventTimes(times, entry.record)
  return [file.seqs.map((s) => texts.get(s)!), times]
}
