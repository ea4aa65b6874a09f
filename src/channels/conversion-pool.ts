/**
 * Runs PutAuditEvents' conversion (audit-event-conversion.ts) on worker threads, so the
 * event loop keeps to HTTP, the journal and the projections. Parsing, serialising and
 * compressing a record is most of an ingested event's CPU time; on the event loop it capped
 * ingest at what one core can do.
 *
 * `threads: 0` converts on the calling thread (tests, single-core machines).
 */
import { RecordCodec } from '../journal/index.js'
import type { RecordDictionary } from '../journal/index.js'
import { WorkerThread } from '../workers/index.js'
import { convertAuditEvents, type Conversion, type ConversionRequest } from './audit-event-conversion.js'

export interface WorkerRequest {
  id: number
  request: ConversionRequest
  /** Sent when the journal's dictionary changed since this worker's last request. */
  dictionary?: RecordDictionary
}

type PackedConversion = Exclude<Conversion, { ok: true }> | { ok: true; json: string; skeleton: string; eventID: string; eventTime: string; length: number }

export interface ConversionAnswer {
  results: PackedConversion[]
  blob: ArrayBuffer
}

interface Thread {
  worker: WorkerThread<Omit<WorkerRequest, 'id'>, ConversionAnswer>
  /** The dictionary this thread was last sent. */
  dictionaryId: number
}

export class ConversionPool {
  readonly #threads: Thread[] = []
  readonly #inline: RecordCodec | undefined
  #next = 0
  #closed = false

  constructor(options: { threads: number }) {
    const { threads } = options
    this.#inline = threads === 0 ? new RecordCodec() : undefined
    for (let i = 0; i < threads; i++) this.#threads.push(this.#spawn())
  }

  /** Converts one batch with the journal's current dictionary; results in the order of `request.events`. */
  async convert(request: ConversionRequest, dictionary: RecordDictionary | undefined): Promise<Conversion[]> {
    if (this.#closed) throw new Error('conversion pool is closed')
    if (this.#inline) {
      if (dictionary && dictionary.id !== this.#inline.currentDictionaryId) this.#inline.addDictionary(dictionary.id, dictionary.bytes)
      return convertAuditEvents(request, this.#inline)
    }
    const thread = this.#threads[this.#next++ % this.#threads.length]!
    const message: Omit<WorkerRequest, 'id'> = { request }
    if (dictionary && dictionary.id !== thread.dictionaryId) {
      message.dictionary = dictionary
      thread.dictionaryId = dictionary.id
    }
    const answer = await thread.worker.request(message)
    return unpack(answer.results, answer.blob)
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#threads.map((t) => t.worker.terminate()))
  }

  #spawn(): Thread {
    const thread: Thread = {
      worker: new WorkerThread(new URL('./conversion-worker.js', import.meta.url), {
        name: 'audit event conversion',
        replyError: (message) => new Error(`audit event conversion failed: ${message}`),
        // A thread that dies fails what it held; a fresh one takes its place.
        onDeath: () => {
          if (this.#closed) return
          const index = this.#threads.indexOf(thread)
          if (index >= 0) this.#threads[index] = this.#spawn()
        },
      }),
      dictionaryId: 0,
    }
    return thread
  }
}

function unpack(results: PackedConversion[], blob: ArrayBuffer): Conversion[] {
  let offset = 0
  return results.map((r) => {
    if (!r.ok) return r
    const bytes = new Uint8Array(blob, offset, r.length)
    offset += r.length
    return { ok: true, json: r.json, skeleton: r.skeleton, bytes, eventID: r.eventID, eventTime: r.eventTime }
  })
}
