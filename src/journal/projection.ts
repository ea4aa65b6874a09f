/**
 * Projections: consumers of the journal, each with its own durable cursor.
 *
 * A projection does idempotent work for a batch; the runner advances the cursor only
 * after `apply` resolves `delivered`. A crash between the work and the cursor advance
 * replays the batch on the next start, which is ordinary startup: there is no separate
 * recovery path.
 */
import type { Journal, JournalBatch } from './types.js'


export type Outcome = 'delivered' | 'errored' | 'rejected'

export interface Projection {
  /** Keys the cursor; never renamed. */
  readonly name: string
  /** Idempotent work for a batch. `errored` is retried with backoff; `rejected` holds the cursor. */
  apply(batch: JournalBatch, signal: AbortSignal): Promise<Outcome>
  /** Entries per batch (default 1000). */
  readonly batchSize?: number
  /**
   * A wake-up that finds at least `minEntries` new entries (a burst is on) but fewer than
   * batchSize waits `waitMs` for more before applying them: fewer, larger commits, for a
   * projection whose commits cost more than its rows. Quiet times are not delayed.
   */
  readonly gather?: { minEntries: number; waitMs: number }
}

export interface ProjectionStatus {
  name: string
  cursor: number
  lastOutcome?: Outcome
  lastError?: string
}

export const DEFAULT_BATCH_SIZE = 1000
export const DEFAULT_RETRY_MIN_MS = 200
export const DEFAULT_RETRY_MAX_MS = 30_000
/** Appends by another process (`opentrail import`) raise no event here, so runners also look now and then. */
export const DEFAULT_POLL_INTERVAL_MS = 1000

export interface ProjectionRunnerOptions {
  retryMinMs?: number
  retryMaxMs?: number
  onError?: (projection: string, error: unknown) => void
  pollIntervalMs?: number
}

/** Runs one projection: wakes on every append, drains from its cursor, retries with backoff. */
export class ProjectionRunner {
  readonly #journal: Journal
  readonly #projection: Projection
  readonly #options: ProjectionRunnerOptions
  readonly #abort = new AbortController()
  #wake: (() => void) | undefined
  #pending = true
  #loop: Promise<void> | undefined
  #unsubscribe: (() => void) | undefined
  #poll: NodeJS.Timeout | undefined
  #status: ProjectionStatus
  readonly #idleWaiters: (() => void)[] = []

  constructor(journal: Journal, projection: Projection, options: ProjectionRunnerOptions = {}) {
    this.#journal = journal
    this.#projection = projection
    this.#options = options
    this.#status = { name: projection.name, cursor: 0 }
  }

  get status(): ProjectionStatus {
    return { ...this.#status }
  }

  start(): void {
    if (this.#loop) return
    this.#unsubscribe = this.#journal.onAppend(() => this.poke())
    this.#poll = setInterval(() => this.poke(), this.#options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS)
    this.#poll.unref()
    this.#loop = this.#run()
  }

  /** Asks the runner to look for new entries (appends do this by themselves). */
  poke(): void {
    this.#pending = true
    this.#wake?.()
  }

  /** Resolves once the runner has caught up with the journal head as it is now. */
  async caughtUp(): Promise<void> {
    const head = await this.#journal.head()
    while (this.#status.cursor < head && !this.#abort.signal.aborted) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve))
    }
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.()
    clearInterval(this.#poll)
    this.#abort.abort()
    this.#wake?.()
    await this.#loop
    for (const w of this.#idleWaiters.splice(0)) w()
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal
    let cursor = await this.#journal.getCursor(this.#projection.name)
    this.#status.cursor = cursor
    let backoff = this.#options.retryMinMs ?? DEFAULT_RETRY_MIN_MS
    while (!signal.aborted) {
      if (!this.#pending) {
        for (const w of this.#idleWaiters.splice(0)) w()
        await new Promise<void>((resolve) => (this.#wake = resolve))
        this.#wake = undefined
        continue
      }
      this.#pending = false
      let outcome: Outcome
      let batch: JournalBatch | undefined
      try {
        const batchSize = this.#projection.batchSize ?? DEFAULT_BATCH_SIZE
        batch = await this.#journal.read(cursor, batchSize)
        if (batch.entries.length === 0) continue
        const gather = this.#projection.gather
        if (gather && batch.entries.length >= gather.minEntries && batch.entries.length < batchSize) {
          await sleepUnlessAborted(gather.waitMs, signal)
          batch = await this.#journal.read(cursor, batchSize)
        }
        outcome = await this.#projection.apply(batch, signal)
        this.#status.lastError = undefined
      } catch (error) {
        outcome = 'errored'
        this.#status.lastError = error instanceof Error ? error.message : String(error)
        this.#options.onError?.(this.#projection.name, error)
      }
      this.#status.lastOutcome = outcome
      if (outcome === 'delivered' && batch) {
        await this.#journal.setCursor(this.#projection.name, batch.lastSeq)
        cursor = batch.lastSeq
        this.#status.cursor = cursor
        backoff = this.#options.retryMinMs ?? DEFAULT_RETRY_MIN_MS
        this.#pending = true // there may be more behind this batch
        continue
      }
      // errored or rejected: hold the cursor, try again later.
      await sleepUnlessAborted(backoff, signal)
      backoff = Math.min(backoff * 2, this.#options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS)
      this.#pending = true
    }
  }
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
