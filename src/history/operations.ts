/**
 * The LookupEvents operation: wire input → history query. Beyond CloudTrail, several
 * LookupAttributes are accepted at once and ANDed (CloudTrail allows one).
 */
import { ApiError, readInteger, readString, readTimestamp } from '../api/index.js'
import type { OperationTable } from '../api/index.js'
import type { HistoryIndex } from './history-index.js'

export function lookupOperations(history: HistoryIndex): OperationTable {
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
        const page = await history.lookup({
          accountId: ctx.caller.accountId,
          region: ctx.region,
          attributes,
          startTime: readTimestamp(input.StartTime, 'startTime'),
          endTime: readTimestamp(input.EndTime, 'endTime'),
          eventCategory: readString(input, 'EventCategory'),
          maxResults: readInteger(input, 'MaxResults'),
          nextToken: readString(input, 'NextToken'),
        })
        return { Events: page.events, ...(page.nextToken ? { NextToken: page.nextToken } : {}) }
      },
    },
  }
}
