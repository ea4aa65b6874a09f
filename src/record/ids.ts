/** Identifiers the service assigns: time-ordered event IDs and CloudTrail-style request IDs. */
import * as crypto from 'node:crypto'
import { randomBytes, randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/**
 * Random bytes for ids, drawn from a pool: uuid asks the system for 16 bytes per id,
 * which at ingest rates is a system call per event; one call now serves 256 ids.
 */
const POOL_BYTES = 4096
const pool = Buffer.allocUnsafe(POOL_BYTES)
let poolOffset = POOL_BYTES

function pooledRandom16(): Uint8Array {
  if (poolOffset + 16 > POOL_BYTES) {
    randomFillSync(pool)
    poolOffset = 0
  }
  // A fresh copy: uuid keeps no reference, but a caller of rng may.
  return Uint8Array.prototype.slice.call(pool, poolOffset, (poolOffset += 16))
}

/** A new event ID: a UUID v7, so IDs sort by creation time. */
export function newEventId(): string {
  return uuidv7({ rng: pooledRandom16 })
}

/**
 * The event ID of an event the caller identifies by `key` (PutAuditEvents: channel and id):
 * a UUID v7 whose time is the event's and whose other bits are `key`'s SHA-256. A retry of
 * the event gets the ID it got the first time, so the journal's unique index on eventIDs,
 * which it keeps anyway, is what makes retries idempotent; and these IDs sort by time, so
 * they land together at that index's end (random keys dirtied a page of an index per event).
 */
export function eventIdOf(eventTimeMs: number, key: string): string {
  return uuidv7({ msecs: eventTimeMs, random: sha256(key) })
}

/** One-shot `crypto.hash` where Node has it (20.12+): no Hash object per call. */
const sha256: (text: string) => Buffer =
  typeof crypto.hash === 'function' ? (text) => crypto.hash('sha256', text, 'buffer') : (text) => crypto.createHash('sha256').update(text, 'utf8').digest()

/** A request ID shaped like CloudTrail's (a UUID). */
export function newRequestId(): string {
  return uuidv7({ rng: pooledRandom16 })
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Random upper-case alphanumerics (access key ids and the like). */
export function randomAlnum(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length]
  return out
}
