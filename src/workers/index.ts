/**
 * @module workers
 * Worker threads answering requests by id, for the pools that keep CPU-heavy work off the
 * event loop (ingest conversion, log hashing).
 */
export { WorkerThread, answerRequests } from './worker-thread.js'
export type { WorkerReply, WorkerThreadOptions } from './worker-thread.js'
