/**
 * Log file hashing (gunzip + SHA-256) off the event loop.
 *
 * First choice, the native addon (src/native): libdeflate and OpenSSL on libuv's
 * thread pool, about five times zlib's speed, no threads to start. It answers plain files
 * only; any other (corrupt, truncated, several members) is hashed with zlib below, whose
 * semantics are the reference.
 *
 * Without it, worker threads, each inflating and hashing whole files with zlib on its own
 * core (on the event loop, hashing there and inflating on libuv's pool, two cores were about
 * three quarters busy and validate-logs took a fifth longer). A thread takes some 50 ms to
 * start; until one has, files are hashed on the calling thread with the streaming form, so
 * a small validation never waits for threads. `threads: 0` always hashes that way (unit
 * tests, which run the TypeScript sources where no compiled worker file exists).
 */
import { availableParallelism } from 'node:os'
import { WorkerThread } from '../workers/index.js'
import { sha256OfGunzipped } from './log-hash.js'
import { nativeLogHash } from '../native/index.js'

export interface HashRequest {
  id: number
  /** The gzip bytes, transferred. */
  gz: ArrayBuffer
}

/** Thrown (as a rejection) for a log file that does not gunzip. */
export class GunzipError extends Error {
  override readonly name = 'GunzipError'
}

type Thread = WorkerThread<Omit<HashRequest, 'id'>, { hash: string }>

/** One thread per core: the event loop itself only reads files and hands them over. */
export function defaultHashThreads(): number {
  return availableParallelism()
}

export class HashPool {
  readonly #threads: Thread[] = []
  readonly #native = nativeLogHash()
  #closed = false

  /** `native: false` hashes with zlib only (tests of that path). */
  constructor(options: { threads: number; native?: boolean }) {
    if (options.native === false) this.#native = undefined
    if (this.#native) return
    for (let i = 0; i < options.threads; i++) this.#threads.push(this.#spawn())
  }

  /**
   * Lower-hex SHA-256 of gunzip(`gz`), with `sha256OfGunzipped`'s semantics. `gz` is copied
   * to the thread; with `transfer` its memory is moved there instead when it holds nothing
   * else (not a slice of Node's buffer pool), which empties `gz`: for a caller who owns it.
   */
  async sha256OfGunzipped(gz: Uint8Array, options: { transfer?: boolean } = {}): Promise<string> {
    if (this.#closed) throw new Error('hash pool is closed')
    const fast = await this.#native?.sha256OfGzip(gz)
    if (fast) return fast
    // The least busy thread: files differ in size, so turns would leave one thread idle.
    const thread = this.#threads.filter((t) => t.online).reduce<Thread | undefined>((a, b) => (a && a.pending <= b.pending ? a : b), undefined)
    if (!thread) {
      return sha256OfGunzipped(Buffer.from(gz.buffer, gz.byteOffset, gz.byteLength)).catch((error: unknown) => {
        throw new GunzipError(error instanceof Error ? error.message : String(error))
      })
    }
    const whole = gz.byteOffset === 0 && gz.byteLength === gz.buffer.byteLength && gz.buffer instanceof ArrayBuffer
    const bytes = options.transfer && whole ? (gz.buffer as ArrayBuffer) : new Uint8Array(gz).buffer
    return (await thread.request({ gz: bytes }, [bytes])).hash
  }

  /**
   * The hash of the gzip file at `path` when the native addon can tell it (a plain file that
   * reads), else undefined: the caller then reads the object and uses sha256OfGunzipped. The
   * addon reads the file into memory it reuses, where a Buffer per file would be fresh.
   */
  async sha256OfGunzippedFile(path: string): Promise<string | undefined> {
    if (this.#closed) throw new Error('hash pool is closed')
    return (await this.#native?.sha256OfGzipFile(path)) ?? undefined
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#threads.map((t) => t.terminate()))
  }

  #spawn(): Thread {
    const thread: Thread = new WorkerThread(new URL('./hash-worker.js', import.meta.url), {
      name: 'log hashing',
      replyError: (message) => new GunzipError(message),
      // A thread that dies fails what it held; a fresh one takes its place.
      onDeath: () => {
        if (this.#closed) return
        const index = this.#threads.indexOf(thread)
        if (index >= 0) this.#threads[index] = this.#spawn()
      },
    })
    return thread
  }
}
