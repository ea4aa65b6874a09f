/**
 * Trail delivery for an installation: one TrailDelivery worker per trail, started and stopped
 * as trails are created, changed and deleted (TrailStore.onChange).
 *
 * The journal keeps one cursor for all of trail delivery, `trail-delivery`, at the slowest
 * trail's cursor, so that retention never deletes events some trail has yet to deliver.
 */
import type Database from 'better-sqlite3'
import type { Journal } from '../journal/index.js'
import type { ObjectStore } from '../storage/index.js'
import type { TrailStore } from '../trails/index.js'
import { deliveryOptions, type DeliveryOptions } from './config.js'
import { DeliveryPlanStore } from './plan-store.js'
import { TrailDelivery, type DeliveryNotifier, type LogFileDeliveredHook } from './trail-delivery.js'

/** The journal cursor that holds back retention for trail delivery. */
export const TRAIL_DELIVERY_CURSOR = 'trail-delivery'

export interface TrailDeliveryServiceDeps {
  /** The installation's database (the journal's): plans and cursors live beside the events. */
  db: Database.Database
  journal: Journal
  trails: TrailStore
  objects: ObjectStore
  notifier?: DeliveryNotifier
  onLogFileDelivered?: LogFileDeliveredHook
  /** Failures of background attempts and notifications (they are retried or recorded in status). */
  onError?: (trailArn: string, error: unknown) => void
  now?: () => Date
}

export class TrailDeliveryService {
  readonly #deps: TrailDeliveryServiceDeps
  readonly #options: Readonly<DeliveryOptions>
  readonly #plans: DeliveryPlanStore
  readonly #workers = new Map<string, TrailDelivery>()
  readonly #unsubscribe: (() => void)[] = []
  /** The journal head as last heard from the journal (appends report it synchronously). */
  #head = 0
  #started = false
  #closed = false

  constructor(deps: TrailDeliveryServiceDeps, options: Partial<DeliveryOptions> = {}) {
    this.#deps = deps
    this.#options = deliveryOptions(options)
    this.#plans = new DeliveryPlanStore(deps.db)
  }

  /** Starts a worker per trail; each first completes a plan a crash may have left. */
  async start(): Promise<void> {
    if (this.#started) return
    this.#started = true
    const { journal, trails } = this.#deps
    this.#head = await journal.head()
    this.#unsubscribe.push(journal.onAppend((head) => this.#onAppend(head)))
    this.#unsubscribe.push(trails.onChange((arn) => this.#onTrailChange(arn)))
    const known = new Set<string>()
    for (const trail of trails.listAll()) {
      known.add(trail.arn)
      this.#onTrailChange(trail.arn)
    }
    // Trails deleted while the service was not listening leave rows behind.
    for (const arn of this.#plans.listTrailArns()) if (!known.has(arn)) this.#plans.remove(arn)
    await this.#updateJournalCursor()
  }

  /** Trails with a worker, with their cursors. */
  cursors(): Map<string, number> {
    return new Map([...this.#workers].map(([arn, w]) => [arn, w.cursor]))
  }

  /**
   * Delivers everything pending now, for one trail or all of them: resolves once those log
   * files are durable and the cursors have moved; rejects if a delivery failed (it stays
   * pending and the background retries it). For tests, StopLogging and shutdown.
   */
  async deliverNow(trailArn?: string): Promise<void> {
    this.#head = Math.max(this.#head, await this.#deps.journal.head())
    const workers = trailArn === undefined ? [...this.#workers.values()] : [this.#workers.get(trailArn)].filter((w) => w !== undefined)
    const results = await Promise.allSettled(workers.map((w) => w.deliverNow()))
    await this.#updateJournalCursor()
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
    if (failures.length === 1) throw failures[0]
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} trail deliveries failed`)
  }

  /** Same as `deliverNow()` for every trail. */
  flush(): Promise<void> {
    return this.deliverNow()
  }

  /** Stops every worker after its attempt in flight; pending events stay for the next start. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const off of this.#unsubscribe.splice(0)) off()
    await Promise.all([...this.#workers.values()].map((w) => w.stop()))
    this.#workers.clear()
  }

  #onAppend(head: number): void {
    this.#head = Math.max(this.#head, head)
    // Early delivery once a file's worth of events may be waiting.
    for (const worker of this.#workers.values()) {
      if (head - worker.cursor >= this.#options.maxEventsPerFile) worker.poke()
    }
  }

  #onTrailChange(arn: string): void {
    if (this.#closed) return
    const trail = this.#deps.trails.get(arn)
    const worker = this.#workers.get(arn)
    if (!trail) {
      this.#workers.delete(arn)
      const stopped = worker ? worker.stop() : Promise.resolve()
      // Rows go once the worker is idle, so an attempt in flight cannot recreate them.
      void stopped.then(() => {
        if (!this.#deps.trails.get(arn)) this.#plans.remove(arn)
        return this.#updateJournalCursor()
      })
      return
    }
    if (worker) {
      worker.observeChange(trail, this.#head)
      return
    }
    const created = new TrailDelivery(arn, {
      journal: this.#deps.journal,
      trails: this.#deps.trails,
      objects: this.#deps.objects,
      plans: this.#plans,
      options: this.#options,
      notifier: this.#deps.notifier,
      onLogFileDelivered: this.#deps.onLogFileDelivered,
      onError: this.#deps.onError,
      onCursor: () => void this.#updateJournalCursor(),
      now: this.#deps.now,
    })
    this.#workers.set(arn, created)
    created.observeChange(trail, this.#head)
    created.start()
  }

  async #updateJournalCursor(): Promise<void> {
    if (this.#closed) return
    const cursors = [...this.#workers.values()].map((w) => w.cursor)
    const slowest = cursors.length ? Math.min(...cursors) : this.#head
    await this.#deps.journal.setCursor(TRAIL_DELIVERY_CURSOR, slowest)
  }
}
