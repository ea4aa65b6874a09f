/** Worker thread entry of ThreadHistoryWriter: a HistoryStore on its own connection to the index's database. */
import { parentPort, workerData } from 'node:worker_threads'
import { openDatabase } from '../journal/index.js'
import { HistoryStore } from './history-store.js'
import type { HistoryWorkerReply, HistoryWorkerRequest } from './history-writer.js'

const port = parentPort
if (!port) throw new Error('history-worker runs as a worker thread')
const db = openDatabase((workerData as { path: string }).path)
const store = new HistoryStore(db)

port.on('message', (message: HistoryWorkerRequest & { id: number }) => {
  let reply: HistoryWorkerReply
  try {
    reply = { id: message.id, value: answer(message) }
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) }
  }
  port.postMessage(reply)
})

function answer(message: HistoryWorkerRequest): number | number[] | undefined {
  switch (message.type) {
    case 'apply':
      store.apply(message.entries, message.lastSeq)
      return undefined
    case 'scopes':
      return store.scopesToPurge(message.accountId, message.keepAccounts)
    case 'purge':
      return store.purgeChunk(message.scope, message.cutoff)
    case 'close':
      db.close()
      return undefined
  }
}
