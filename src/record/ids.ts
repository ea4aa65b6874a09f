/** Identifiers the service assigns: time-ordered event IDs and CloudTrail-style request IDs. */
import { randomBytes } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/** A new event ID: a UUID v7, so IDs sort by creation time. */
export function newEventId(): string {
  return uuidv7()
}

/** A request ID shaped like CloudTrail's (a UUID). */
export function newRequestId(): string {
  return uuidv7()
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** Random upper-case alphanumerics (access key ids and the like). */
export function randomAlnum(length: number, alphabet = ALNUM): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[bytes[i]! % alphabet.length]
  return out
}
