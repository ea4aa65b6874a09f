/** Worker-thread entry of the load generator: runs the spec it was started with and posts the result. */
import { parentPort, workerData } from 'node:worker_threads'
import { executeLoad } from './load.js'
import type { LoadSpec } from './load.js'

const result = await executeLoad(workerData as LoadSpec, () => parentPort!.postMessage('started'))
parentPort!.postMessage(result)
