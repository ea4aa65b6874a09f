/**
 * Worker thread entry of the hash pool: gunzips and hashes one log file per request, on
 * this thread's own core.
 */
import { answerRequests } from '../workers/index.js'
import type { HashRequest } from './hash-pool.js'
import { sha256OfGunzippedSync } from './log-hash.js'

answerRequests(({ gz }: HashRequest) => ({ hash: sha256OfGunzippedSync(new Uint8Array(gz)) }))
