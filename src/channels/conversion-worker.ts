/**
 * Worker thread entry of the conversion pool: converts batches with its own RecordCodec,
 * which learns each new journal dictionary from the request that first needs it.
 */
import { RecordCodec } from '../journal/index.js'
import { answerRequests } from '../workers/index.js'
import { convertAuditEvents } from './audit-event-conversion.js'
import type { ConversionAnswer, WorkerRequest } from './conversion-pool.js'

const codec = new RecordCodec()

answerRequests(
  (message: WorkerRequest): ConversionAnswer => {
    if (message.dictionary) codec.addDictionary(message.dictionary.id, Buffer.from(message.dictionary.bytes))
    return pack(convertAuditEvents(message.request, codec))
  },
  (answer) => [answer.blob],
)

/** All encoded records in one transferable buffer: small Buffers share Node's pool and cannot be transferred one by one. */
function pack(results: ReturnType<typeof convertAuditEvents>): ConversionAnswer {
  const total = results.reduce((n, r) => n + (r.ok ? r.bytes.length : 0), 0)
  const blob = new ArrayBuffer(total)
  const view = new Uint8Array(blob)
  let offset = 0
  const packed = results.map((r) => {
    if (!r.ok) return r
    view.set(r.bytes, offset)
    offset += r.bytes.length
    return { ok: true as const, json: r.json, skeleton: r.skeleton, eventID: r.eventID, eventTime: r.eventTime, length: r.bytes.length }
  })
  return { results: packed, blob }
}
