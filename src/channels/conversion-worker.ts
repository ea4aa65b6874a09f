/**
 * Worker thread entry of the conversion pool: converts batches with its own RecordCodec,
 * which learns each new journal dictionary from the request that first needs it.
 */
import { parentPort } from 'node:worker_threads'
import { RecordCodec } from '../journal/index.js'
import { convertAuditEvents } from './audit-event-conversion.js'
import type { ConversionReply, WorkerRequest } from './conversion-pool.js'

const codec = new RecordCodec()
const port = parentPort
if (!port) throw new Error('conversion-worker runs as a worker thread')

port.on('message', (message: WorkerRequest) => {
  if (message.dictionary) codec.addDictionary(message.dictionary.id, Buffer.from(message.dictionary.bytes))
  let reply: ConversionReply
  try {
    reply = pack(message.id, convertAuditEvents(message.request, codec))
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply, 'blob' in reply ? [reply.blob] : [])
})

/** All encoded records in one transferable buffer: small Buffers share Node's pool and cannot be transferred one by one. */
function pack(id: number, results: ReturnType<typeof convertAuditEvents>): ConversionReply {
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
  return { id, results: packed, blob }
}
