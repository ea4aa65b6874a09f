/**
 * NextToken: a keyset cursor, HMAC-signed and bound to the request's parameters.
 *
 * The token carries the position after the last event returned (eventTime, seq), the
 * index head pinned at the first page (so a paging session is a snapshot: events indexed
 * later, even late imports with an eventTime inside the window, never join it and never
 * shift or repeat a page) and the resolved StartTime (the default window moves with the
 * clock). The MAC covers the token and a canonical form of the parameters it was issued
 * for, so a changed parameter or a changed byte both fail verification: CloudTrail's
 * "NextToken needs identical parameters". MaxResults is not bound: SDK paginators shrink
 * the last page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { InvalidNextTokenError } from './errors.js'

const TOKEN_VERSION = 1
/** Bytes of HMAC-SHA256 kept: 128 bits is ample against forgery and keeps tokens short. */
const MAC_BYTES = 16

export interface TokenPosition {
  /** Stored time (eventTime in seconds) of the last event returned. */
  time: number
  /** seq of the last event returned. */
  seq: number
  /** Only events with seq ≤ head belong to this paging session. */
  head: number
  /** The StartTime (ms) resolved at the first page. */
  start: number
}

export class NextTokenCodec {
  readonly #key: Buffer

  constructor(key: Buffer | string) {
    this.#key = typeof key === 'string' ? Buffer.from(key, 'utf8') : key
    if (this.#key.length < 16) throw new RangeError('the NextToken key must be at least 16 bytes')
  }

  encode(position: TokenPosition, params: string): string {
    const body = Buffer.from(
      JSON.stringify([TOKEN_VERSION, position.time, position.seq, position.head, position.start]),
    ).toString('base64url')
    return `${body}.${this.#mac(body, params).toString('base64url')}`
  }

  /** The position in a token, if it verifies for these parameters; InvalidNextTokenError otherwise. */
  decode(token: string, params: string): TokenPosition {
    const parts = token.split('.')
    if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]!) || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) {
      throw new InvalidNextTokenError('malformed')
    }
    const [body, mac] = parts as [string, string]
    const given = Buffer.from(mac, 'base64url')
    const expected = this.#mac(body, params)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidNextTokenError('signature')
    }
    let fields: unknown
    try {
      fields = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
    } catch {
      // Signed by us yet unparsable can only mean a key shared with another format: refuse it.
      throw new InvalidNextTokenError('malformed')
    }
    if (
      !Array.isArray(fields) ||
      fields.length !== 5 ||
      fields[0] !== TOKEN_VERSION ||
      !fields.slice(1).every((n) => Number.isSafeInteger(n))
    ) {
      throw new InvalidNextTokenError('malformed')
    }
    const [, time, seq, head, start] = fields as number[]
    return { time: time!, seq: seq!, head: head!, start: start! }
  }

  #mac(body: string, params: string): Buffer {
    return createHmac('sha256', this.#key).update(body).update('\n').update(params).digest().subarray(0, MAC_BYTES)
  }
}
