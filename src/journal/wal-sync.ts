/**
 * Group fsync of a SQLite database's WAL file, on libuv's thread pool.
 *
 * better-sqlite3 is synchronous: with synchronous=FULL each journal commit's fsync blocked
 * the event loop (a fifth of its time under ingest, HTTP and indexing waiting on the disk).
 * The journal commits with synchronous=NORMAL instead (the WAL is written, not synced) and
 * acknowledges the appends only after this sync of the WAL file: the same durability, off
 * the event loop, and one fsync for every commit made while the previous one ran.
 *
 * Why a power cut cannot keep a later commit without an earlier one: WAL frames carry a
 * cumulative checksum and recovery stops at the first frame that does not match, so what
 * survives is always a prefix of the WAL. SQLite itself still syncs at checkpoints and when
 * it starts to reuse the WAL (what NORMAL does in WAL mode). SQLite has no asynchronous
 * commit to ask for instead, hence this small piece by hand.
 */
import { open, type FileHandle } from 'node:fs/promises'

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

export class WalSync {
  readonly #path: string
  #handle: Promise<FileHandle> | undefined
  #waiting: Waiter[] = []
  #running: Promise<void> | undefined

  constructor(walPath: string) {
    this.#path = walPath
  }

  /** Resolves once everything written to the WAL before this call is on disk. */
  sync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      this.#running ??= this.#run()
    })
  }

  /** Waits for the syncs under way, then closes the file. */
  async close(): Promise<void> {
    await this.#running
    const handle = this.#handle
    this.#handle = undefined
    await (await handle?.catch(() => undefined))?.close()
  }

  async #run(): Promise<void> {
    // A waiter that arrives while an fsync runs waits for the next one: the running one may
    // have started before its commit was written.
    while (this.#waiting.length) {
      const batch = this.#waiting
      this.#waiting = []
      try {
        // Opened at the first sync: the WAL file exists once something was committed.
        this.#handle ??= open(this.#path, 'r')
        await (await this.#handle).datasync()
        for (const w of batch) w.resolve()
      } catch (error) {
        this.#handle = undefined
        for (const w of batch) w.reject(error)
      }
    }
    this.#running = undefined
  }
}
