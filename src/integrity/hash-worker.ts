/**
 * Worker thread entry of the hash pool: gunzips and hashes one log file per request, on
 * this thread's own core.
 */
import { parentPort } from 'node:worker_threads'
import type { HashReply, HashRequest } from './hash-pool.js'
import { sha256OfGunzippedSync } from './log-hash.js'

const port = parentPort
if (!port) throw new Error('hash-worker runs as a worker thread')

port.on('message', ({ id, gz }: HashRequest) => {
  let reply: HashReply
  try {
    reply = { id, hash: sha256OfGunzippedSync(new Uint8Array(gz)) }
  } catch (error) {
    reply = { id, error: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply)
})
