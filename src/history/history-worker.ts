/** Worker thread entry of ThreadHistoryWriter: a HistoryStore on its own connection to the index's database. */
import { workerData } from 'node:worker_threads'
import { openDatabase } from '../journal/index.js'
import { answerRequests } from '../workers/index.js'
import { HistoryStore } from './history-store.js'
import type { HistoryWorkerAnswer, HistoryWorkerRequest } from './history-writer.js'

const db = openDatabase((workerData as { path: string }).path)
const store = new HistoryStore(db)

answerRequests((message: HistoryWorkerRequest): HistoryWorkerAnswer => ({ value: answer(message) }))

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
