/**
 * Runs PutAuditEvents' conversion (audit-event-conversion.ts) on worker threads, so the
 * event loop keeps to HTTP, the journal and the projections. Parsing, serialising and
 * compressing a record is most of an ingested event's CPU time; on the event loop it capped
 * ingest at what one core can do.
 *
 * `threads: 0` converts on the calling thread (tests, single-core machines).
 */
import { Worker } from 'node:worker_threads'
import { RecordCodec } from '../journal/index.js'
import type { RecordDictionary } from '../journal/index.js'
import { convertAuditEvents, type Conversion, type ConversionRequest } from './audit-event-conversion.js'

export interface WorkerRequest {
  id: number
  request: ConversionRequest
  /** Sent when the journal's dictionary changed since this worker's last request. */
  dictionary?: RecordDictionary
}

type PackedConversion = Exclude<Conversion, { ok: true }> | { ok: true; json: string; eventTime: string; length: number }

export type WorkerReply = { id: number; results: PackedConversion[]; blob: ArrayBuffer } | { id: number; error: string }

interface Thread {
  worker: Worker
  dictionaryId: number
  pending: Map<number, { resolve: (results: Conversion[]) => void; reject: (error: Error) => void }>
}

export class ConversionPool {
  readonly #threads: Thread[] = []
  readonly #inline: RecordCodec | undefined
  #next = 0
  #ids = 0
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
    const id = ++this.#ids
    const message: WorkerRequest = { id, request }
    if (dictionary && dictionary.id !== thread.dictionaryId) {
      message.dictionary = dictionary
      thread.dictionaryId = dictionary.id
    }
    return new Promise((resolve, reject) => {
      thread.pending.set(id, { resolve, reject })
      thread.worker.postMessage(message)
    })
  }

  async close(): Promise<void> {
    this.#closed = true
    await Promise.all(this.#threads.map((t) => t.worker.terminate()))
  }

  #spawn(): Thread {
    const worker = new Worker(new URL('./conversion-worker.js', import.meta.url))
    const thread: Thread = { worker, dictionaryId: 0, pending: new Map() }
    worker.on('message', (reply: WorkerReply) => {
      const waiting = thread.pending.get(reply.id)
      if (!waiting) return
      thread.pending.delete(reply.id)
      if ('error' in reply) waiting.reject(new Error(`audit event conversion failed: ${reply.error}`))
      else waiting.resolve(unpack(reply.results, reply.blob))
    })
    // A thread that dies fails what it held; a fresh one takes its place.
    const replace = (error: Error): void => {
      for (const waiting of thread.pending.values()) waiting.reject(error)
      thread.pending.clear()
      if (this.#closed) return
      const index = this.#threads.indexOf(thread)
      if (index >= 0) this.#threads[index] = this.#spawn()
    }
    worker.on('error', replace)
    worker.on('exit', (code) => replace(new Error(`audit event conversion thread exited with code ${code}`)))
    // An idle pool never keeps the process alive. After the listeners: adding one refs the thread again.
    worker.unref()
    return thread
  }
}

function unpack(results: PackedConversion[], blob: ArrayBuffer): Conversion[] {
  let offset = 0
  return results.map((r) => {
    if (!r.ok) return r
    const bytes = new Uint8Array(blob, offset, r.length)
    offset += r.length
    return { ok: true, json: r.json, bytes, eventTime: r.eventTime }
  })
}
