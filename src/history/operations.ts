/**
 * The LookupEvents operation: wire input → history query. Beyond CloudTrail, several
 * LookupAttributes are accepted at once and ANDed (CloudTrail allows one).
 *
 * Events are kept serialised (wire JSON, by seq) in a cache bounded by size: the same
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

/** UTF-16 code units of serialised events kept (about twice that in bytes). */
export const SERIALIZED_EVENTS_CACHE_CHARS = 32 * 1024 * 1024

export function lookupOperations(history: HistoryIndex): OperationTable {
  const serialized = new LRUCache<number, string>({ maxSize: SERIALIZED_EVENTS_CACHE_CHARS, sizeCalculation: (text) => text.length || 1 })
  const form = {
    cached: (seq: number) => serialized.get(seq),
    render: (seq: number, json: string) => {
      const text = toWireJson(toLookupEvent(JSON.parse(json) as CloudTrailRecord, json))
      serialized.set(seq, text)
      return text
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
        const nextToken = page.nextToken === undefined ? '' : `,"NextToken":${JSON.stringify(page.nextToken)}`
        return new SerializedAnswer(`{"Events":[${page.events.join(',')}]${nextToken}}`)
      },
    },
  }
}
