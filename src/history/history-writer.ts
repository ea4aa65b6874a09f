/**
 * Where the Event History index is written: on the event loop (`InlineHistoryWriter`, on
 * the connection lookups use) or on a thread of its own (`ThreadHistoryWriter`, on its own
 * connection to the index's database). Under sustained ingest the index's inserts and
 * commits were a third of the event loop's time, and a batch of 20,000 events held it for
 * half a second; on its own thread they run beside HTTP and the journal.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import type Database from 'better-sqlite3'
import { WorkerThread } from '../workers/index.js'
import { HistoryStore, type IndexedEntry } from './history-store.js'

export interface HistoryWriter {
  /** Indexes a batch (one transaction) and records `lastSeq` as the index's head. */
  apply(entries: IndexedEntry[], lastSeq: number): Promise<void>
  /** Scope ids retention walks: all, or one account's, less `keepAccounts`. */
  scopesToPurge(accountId: string | undefined, keepAccounts: string[]): Promise<number[]>
  /** Removes up to PURGE_CHUNK events of a scope older than `cutoff` (seconds); resolves to how many. */
  purgeChunk(scope: number, cutoff: number): Promise<number>
  close(): Promise<void>
}

export class InlineHistoryWriter implements HistoryWriter {
  readonly #store: HistoryStore

  constructor(db: Database.Database) {
    this.#store = new HistoryStore(db)
  }

  async apply(entries: IndexedEntry[], lastSeq: number): Promise<void> {
    this.#store.apply(entries, lastSeq)
  }

  async scopesToPurge(accountId: string | undefined, keepAccounts: string[]): Promise<number[]> {
    return this.#store.scopesToPurge(accountId, keepAccounts)
  }

  async purgeChunk(scope: number, cutoff: number): Promise<number> {
    const removed = this.#store.purgeChunk(scope, cutoff)
    await yieldToEventLoop() // lets waiting appends commit between chunks
    return removed
  }

  async close(): Promise<void> {}
}

export type HistoryWorkerRequest =
  | { type: 'apply'; entries: IndexedEntry[]; lastSeq: number }
  | { type: 'scopes'; accountId: string | undefined; keepAccounts: string[] }
  | { type: 'purge'; scope: number; cutoff: number }
  | { type: 'close' }

export type HistoryWorkerAnswer = { value?: number | number[] }

/**
 * The index written by history-worker.ts on its own connection to `path`. A thread that dies
 * fails what it held and is replaced at the next request, so a thread that cannot start is
 * retried at the projection's pace, not in a loop.
 */
export class ThreadHistoryWriter implements HistoryWriter {
  readonly #path: string
  #thread: WorkerThread<HistoryWorkerRequest, HistoryWorkerAnswer> | undefined
  #closed = false

  constructor(path: string) {
    this.#path = path
    this.#thread = this.#spawn()
  }

  async apply(entries: IndexedEntry[], lastSeq: number): Promise<void> {
    await this.#request({ type: 'apply', entries, lastSeq })
  }

  async scopesToPurge(accountId: string | undefined, keepAccounts: string[]): Promise<number[]> {
    return (await this.#request({ type: 'scopes', accountId, keepAccounts })) as number[]
  }

  async purgeChunk(scope: number, cutoff: number): Promise<number> {
    return (await this.#request({ type: 'purge', scope, cutoff })) as number
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const thread = this.#thread
    if (!thread) return
    // The thread closes its connection (committed work stays, nothing is half written), then ends.
    await thread.request({ type: 'close' }).catch(() => undefined)
    await thread.terminate()
  }

  async #request(request: HistoryWorkerRequest): Promise<number | number[] | undefined> {
    if (this.#closed) throw new Error('history writer is closed')
    this.#thread ??= this.#spawn()
    return (await this.#thread.request(request)).value
  }

  #spawn(): WorkerThread<HistoryWorkerRequest, HistoryWorkerAnswer> {
    const thread: WorkerThread<HistoryWorkerRequest, HistoryWorkerAnswer> = new WorkerThread(new URL('./history-worker.js', import.meta.url), {
      name: 'history index',
      replyError: (message) => new Error(`history index write failed: ${message}`),
      workerData: { path: this.#path },
      // What the dead thread held was rejected (the projection retries it).
      onDeath: () => {
        if (this.#thread === thread) this.#thread = undefined
      },
    })
    return thread
  }
}
