/**
 * TrailDigests: keeps one digest chain per (trail, account, Region) in step with the trails,
 * and writes their digests on a timer. The trail store and the delivery projection drive it:
 *
 * - A trail that is logging with log file validation on has an open chain in its home Region
 *   from the moment that is seen (StartLogging, validation enabled, or service start), and
 *   one in every other Region as soon as the trail delivers a log file there. So a
 *   multi-Region trail gets digests (also empty ones) for its home Region plus each Region it
 *   has delivered to at least once; CloudTrail writes them for every Region a trail covers,
 *   but an OpenTrail installation has no fixed Region list, and a chain of empty digests for
 *   a Region that never saw an event proves nothing.
 * - StopLogging: the chains stay open for `stopGraceMs` (the delivery projection still
 *   delivers the events logged before the stop), then each gets its final digest and breaks.
 *   StartLogging within that grace breaks them at once, and new chains begin.
 * - Validation turned off, or the trail deleted: the chains break at once.
 * - `onLogFileDelivered` (delivery's hook, after a log file is durable) lists the file in its
 *   chain's next digest.
 * - Every tick writes the digests due, then reports LatestDigestDeliveryTime, or on failure
 *   LatestDigestDeliveryError (retried next tick), through the trail store.
 *
 * Startup is the recovery path: the first tick reconciles chains with trails as any tick does.
 */
import type Database from 'better-sqlite3'
import type { ObjectStore } from '../storage/index.js'
import { errorCodeOf } from '../storage/index.js'
import type { DeliveredLogFile } from '../delivery/index.js'
import type { Trail } from '../trails/index.js'
import { DigestChain, type ChainConfig, type ChainId, type ChainLocation, type DigestSigner } from './digest-writer.js'

/** The trail fields digests need. */
export type DigestTrail = Pick<
  Trail,
  'arn' | 'name' | 'accountId' | 'homeRegion' | 's3BucketName' | 's3KeyPrefix' | 'isLogging' | 'logFileValidationEnabled'
>

/** Digest delivery status, as GetTrailStatus reports it. */
export interface DigestDeliveryStatus {
  latestDigestDeliveryTime?: Date
  latestDigestDeliveryError?: string
}

/** The trail store side TrailDigests needs (satisfied by trails' `TrailStore`). */
export interface DigestTrailSource {
  listAll(): DigestTrail[]
  get(arn: string): DigestTrail | undefined
  updateStatus(arn: string, status: Partial<DigestDeliveryStatus>): void
  onChange(listener: (arn: string) => void): () => void
}

export interface TrailDigestsOptions {
  db: Database.Database
  signer: DigestSigner
  store: ObjectStore
  trails: DigestTrailSource
  /** Digest interval (whole seconds are used; default 1 h). */
  intervalMs?: number
  /** How long chains stay open after StopLogging, for the last log files (default: one interval of the timer, 60 s). */
  stopGraceMs?: number
  /** Timer period (default: a fifth of the interval, between 250 ms and 60 s). */
  tickMs?: number
  onError?: (error: unknown, trailArn: string) => void
  /** The clock (tests pass their own). */
  clock?: () => Date
}

/** Default wait after StopLogging before the final digest: one default delivery interval. */
export const DEFAULT_STOP_GRACE_MS = 60_000

const DEFAULT_INTERVAL_MS = 3_600_000

export class TrailDigests {
  readonly #chain: DigestChain
  readonly #store: ObjectStore
  readonly #trails: DigestTrailSource
  readonly #stopGraceMs: number
  readonly #tickMs: number
  readonly #onError: (error: unknown, trailArn: string) => void
  readonly #clock: () => Date
  /** Trails seen stopping: ARN → when their chains break. */
  readonly #stopping = new Map<string, number>()
  /** Trail snapshots taken at each change, processed in order (a stop then a start must both be seen). */
  readonly #changes: { arn: string; trail: DigestTrail | undefined; at: Date }[] = []
  #work: Promise<void> = Promise.resolve()
  #timer: NodeJS.Timeout | undefined
  #unsubscribe: (() => void) | undefined

  constructor(options: TrailDigestsOptions) {
    const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
    this.#chain = new DigestChain(options.db, options.signer, { intervalSeconds: Math.max(1, Math.round(intervalMs / 1000)) })
    this.#store = options.store
    this.#trails = options.trails
    this.#stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS
    this.#tickMs = options.tickMs ?? Math.min(60_000, Math.max(250, Math.floor(intervalMs / 5)))
    this.#onError = options.onError ?? (() => undefined)
    this.#clock = options.clock ?? (() => new Date())
  }

  /** Subscribes to trail changes and starts the timer (unref'd: it never keeps the process alive). */
  start(): void {
    this.#unsubscribe = this.#trails.onChange((arn) => {
      this.#changes.push({ arn, trail: this.#trails.get(arn), at: this.#clock() })
      void this.#enqueue(() => this.#applyChanges())
    })
    this.#timer = setInterval(() => void this.tick(), this.#tickMs)
    this.#timer.unref()
  }

  /**
   * Reconciles chains with trails and writes every digest due at `now`. Resolves when they
   * are durable and statuses are updated; failures end up in trail status, never reject.
   */
  tick(now?: Date): Promise<void> {
    return this.#enqueue(async () => {
      await this.#applyChanges()
      const at = now ?? this.#clock()
      await this.#reconcile(at)
      await this.#writeDue(at)
    })
  }

  /**
   * Delivery's hook: lists a durable log file in its chain's next digest. A Region the
   * trail has not delivered to before gets its chain now. Files of trails without
   * validation, or delivered after a chain broke, get no digest (as in CloudTrail).
   */
  onLogFileDelivered(trail: DigestTrail, file: DeliveredLogFile): void {
    if (!trail.logFileValidationEnabled) return
    const id: ChainId = { trailArn: trail.arn, accountId: file.accountId, region: file.region }
    if (!this.#chain.isActive(id, file.deliveredAt)) {
      const current = this.#trails.get(trail.arn)
      const wanted = (current !== undefined && isDigesting(current)) || this.#stopping.has(trail.arn)
      const known = this.#chain.listChains(trail.arn).some((c) => c.id.accountId === id.accountId && c.id.region === id.region)
      if (!wanted || known || current === undefined) return
      this.#chain.startChain(chainConfig(current, id.accountId, id.region), file.deliveredAt)
    }
    this.#chain.recordLogFile(
      id,
      { bucket: file.bucket, key: file.key, sha256: file.sha256, newestEventTime: new Date(file.newestEventTime), oldestEventTime: new Date(file.oldestEventTime) },
      file.deliveredAt,
    )
  }

  /** Stops the timer and waits for work in progress; chains stay as they are (the next start resumes them). */
  async close(): Promise<void> {
    this.#unsubscribe?.()
    if (this.#timer) clearInterval(this.#timer)
    await this.#work
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#work.then(task)
    this.#work = run.catch(() => undefined)
    return run.catch((error: unknown) => this.#onError(error, ''))
  }

  async #applyChanges(): Promise<void> {
    while (this.#changes.length) {
      const { arn, trail, at } = this.#changes.shift()!
      await this.#syncTrail(arn, trail, at)
    }
  }

  /** Brings one trail's chains in line with its state at `at`. */
  async #syncTrail(arn: string, trail: DigestTrail | undefined, at: Date): Promise<void> {
    const chains = this.#chain.listChains(arn)
    if (trail !== undefined && isDigesting(trail)) {
      if (this.#stopping.has(arn)) {
        // Restarted within the stop grace: the old chains end here, new ones begin.
        this.#stopping.delete(arn)
        await this.#breakAll(arn, chains.filter((c) => !c.stopping).map((c) => c.id), at)
      }
      const fresh = this.#chain.listChains(arn)
      const home: ChainId = { trailArn: arn, accountId: trail.accountId, region: trail.homeRegion }
      const ids = [home, ...fresh.map((c) => c.id).filter((id) => !(id.accountId === home.accountId && id.region === home.region))]
      // Opens the home chain (and restarts chains still waiting for their final digest); otherwise only refreshes locations.
      for (const id of ids) this.#chain.startChain(chainConfig(trail, id.accountId, id.region), at)
      return
    }
    const open = chains.filter((c) => !c.stopping).map((c) => c.id)
    if (open.length === 0) return
    if (trail !== undefined && trail.logFileValidationEnabled && !trail.isLogging) {
      // Stopped: the log files of events logged before the stop are still on their way.
      if (!this.#stopping.has(arn)) this.#stopping.set(arn, at.getTime() + this.#stopGraceMs)
      return
    }
    this.#stopping.delete(arn)
    await this.#breakAll(arn, open, at)
  }

  async #breakAll(arn: string, ids: ChainId[], at: Date): Promise<void> {
    for (const id of ids) {
      try {
        const written = await this.#chain.breakChain(id, at, this.#store)
        if (written.length) this.#reportDelivered(arn, this.#clock())
      } catch (error) {
        // The stop is persisted: later ticks retry the final digest.
        this.#reportFailed(arn, error)
      }
    }
  }

  async #reconcile(now: Date): Promise<void> {
    const trails = this.#trails.listAll()
    const arns = new Set([...trails.map((t) => t.arn), ...this.#chain.listChains().map((c) => c.id.trailArn)])
    for (const arn of arns) {
      const deadline = this.#stopping.get(arn)
      if (deadline !== undefined && deadline <= now.getTime()) {
        this.#stopping.delete(arn)
        const trail = this.#trails.get(arn)
        if (trail === undefined || !isDigesting(trail)) {
          await this.#breakAll(arn, this.#chain.listChains(arn).filter((c) => !c.stopping).map((c) => c.id), now)
          continue
        }
      }
      await this.#syncTrail(arn, this.#trails.get(arn), now)
    }
  }

  async #writeDue(now: Date): Promise<void> {
    const byTrail = new Map<string, ChainId[]>()
    for (const { id } of this.#chain.listChains()) byTrail.set(id.trailArn, [...(byTrail.get(id.trailArn) ?? []), id])
    for (const [arn, ids] of byTrail) {
      try {
        const written = await this.#chain.writeDueDigests(now, this.#store, ids)
        if (written.length) this.#reportDelivered(arn, this.#clock())
      } catch (error) {
        this.#reportFailed(arn, error)
      }
    }
  }

  #reportDelivered(arn: string, at: Date): void {
    if (this.#trails.get(arn)) this.#trails.updateStatus(arn, { latestDigestDeliveryTime: at, latestDigestDeliveryError: undefined })
  }

  #reportFailed(arn: string, error: unknown): void {
    this.#onError(error, arn)
    if (this.#trails.get(arn)) this.#trails.updateStatus(arn, { latestDigestDeliveryError: errorCodeOf(error) })
  }
}

function isDigesting(trail: DigestTrail): boolean {
  return trail.isLogging && trail.logFileValidationEnabled
}

function chainConfig(trail: DigestTrail, accountId: string, region: string): ChainConfig {
  const location: ChainLocation = {
    bucket: trail.s3BucketName,
    prefix: trail.s3KeyPrefix || undefined,
    accountId,
    region,
    trailName: trail.name,
    homeRegion: trail.homeRegion,
  }
  return { trailArn: trail.arn, accountId, region, location }
}
