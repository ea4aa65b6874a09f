/**
 * The LookupEvents operation: wire input → history query. Beyond CloudTrail, several
 * LookupAttributes are accepted at once and ANDed (CloudTrail allows one).
 *
 * Events are kept serialised (wire JSON as UTF-8, by seq) in a cache bounded by size: the same
 * recent events are asked for again and again (a console polling its first page, an
 * investigation paging one user's activity), and serialising an event, its record's JSON
 * escaped into CloudTrailEvent, costs more than finding it.
 */
import { LRUCache } from 'lru-cache'
import { ApiError, SerializedAnswer, readInteger, readString, readTimestamp, toWireJson } from '../api/index.js'
import type { OperationTable } from '../api/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import type { HistoryIndex } from './history-index.js'
import { toLookupEvent } from './lookup-event.js'

/** Bytes of serialised events kept (UTF-8, outside V8's heap). */
export const SERIALIZED_EVENTS_CACHE_BYTES = 64 * 1024 * 1024

/**
 * Each event in memory of its own: Buffer.from would put small ones on Node's shared 8 KB
 * slabs, which an evicted event would keep alive as long as any neighbour is cached.
 */
const utf8 = new TextEncoder()
const EVENTS_OPEN = Buffer.from('{"Events":[')
const COMMA = Buffer.from(',')
const EVENTS_CLOSE = Buffer.from(']')
const ANSWER_CLOSE = Buffer.from('}')

export function lookupOperations(history: HistoryIndex): OperationTable {
  const serialized = new LRUCache<number, Uint8Array>({ maxSize: SERIALIZED_EVENTS_CACHE_BYTES, sizeCalculation: (bytes) => bytes.length || 1 })
  const form = {
    cached: (seq: number) => serialized.get(seq),
    render: (seq: number, json: string) => {
      const bytes = utf8.encode(toWireJson(toLookupEvent(JSON.parse(json) as CloudTrailRecord, json)))
      serialized.set(seq, bytes)
      return bytes
    },
  }
  return {
    LookupEvents: {
      readOnly: true,
      async handle(input, ctx) {
        const raw = input.LookupAttributes ?? []
        if (!Array.isArray(raw)) throw new ApiError('InvalidLookupAttributesException', 'LookupAttributes must be a list.')
        const attributes = raw.map((a: unknown) => {
          const attr = a as Record<string, unknown>
          if (typeof attr !== 'object' || attr === null || typeof attr.AttributeKey !== 'string' || typeof attr.AttributeValue !== 'string') {
            throw new ApiError('InvalidLookupAttributesException', 'Each lookup attribute needs an AttributeKey and an AttributeValue.')
          }
          return { key: attr.AttributeKey, value: attr.AttributeValue }
        })
        const page = await history.lookupAs({
          accountId: ctx.caller.accountId,
          region: ctx.region,
          attributes,
          startTime: readTimestamp(input.StartTime, 'startTime'),
          endTime: readTimestamp(input.EndTime, 'endTime'),
          eventCategory: readString(input, 'EventCategory'),
          maxResults: readInteger(input, 'MaxResults'),
          nextToken: readString(input, 'NextToken'),
        }, form)
        // One copy into the answer: a page string would be measured and encoded again for the socket.
        const parts: Uint8Array[] = [EVENTS_OPEN]
        for (const [i, event] of page.events.entries()) {
          if (i > 0) parts.push(COMMA)
          parts.push(event)
        }
        parts.push(EVENTS_CLOSE)
        if (page.nextToken !== undefined) parts.push(Buffer.from(`,"NextToken":${JSON.stringify(page.nextToken)}`))
        parts.push(ANSWER_CLOSE)
        return new SerializedAnswer(Buffer.concat(parts))
      },
    },
  }
}
