/**
 * The CPU-heavy part of PutAuditEvents, one batch at a time: verify each event's checksum,
 * turn its eventData into a CloudTrail record, serialise and encode it for the journal.
 * Pure and synchronous, so it runs on a worker thread (conversion-pool.ts) and leaves the
 * event loop to HTTP and the journal.
 */
import { createHash } from 'node:crypto'
import type { RecordCodec } from '../journal/index.js'
import { eventIdOf, formatEventTime, fromIntegrationEvent, skeletonJson } from '../record/index.js'

export interface ConversionRequest {
  channelArn: string
  /** The channel's id: with an event's `id` and eventTime, it makes the event's eventID. */
  channelId: string
  /** The channel owner: eventData.recipientAccountId must be it. */
  accountId: string
  region: string
  /** Epoch ms of the call. */
  ingestionTime: number
  /** `id` is the caller's, unique within the request. */
  events: { id: string; eventData: string; eventDataChecksum?: string }[]
}

export type Conversion =
  /** `eventID` and `eventTime` are the record's, so the journal can key it without parsing `json`. */
  | { ok: true; json: string; skeleton: string; bytes: Uint8Array; eventID: string; eventTime: string }
  | { ok: false; errorCode: string; errorMessage: string }

export function convertAuditEvents(request: ConversionRequest, codec: RecordCodec): Conversion[] {
  const ingestionTime = formatEventTime(new Date(request.ingestionTime))
  return request.events.map((event): Conversion => {
    if (event.eventDataChecksum !== undefined && event.eventDataChecksum !== checksumOf(event.eventData)) {
      return { ok: false, errorCode: 'InvalidChecksum', errorMessage: 'eventDataChecksum does not match the SHA-256 of eventData.' }
    }
    const converted = fromIntegrationEvent(event.eventData, {
      channelArn: request.channelArn,
      accountId: request.accountId,
      region: request.region,
      eventIdFor: (eventTime) => eventIdOf(Date.parse(eventTime), `channel:${request.channelId}:${event.id}`),
      ingestionTime,
    })
    if (!converted.ok) return { ok: false, errorCode: converted.error.code, errorMessage: converted.error.message }
    const json = JSON.stringify(converted.record)
    const { eventID, eventTime } = converted.record
    return { ok: true, json, skeleton: skeletonJson(converted.record), bytes: codec.encodeJson(json), eventID, eventTime }
  })
}

function checksumOf(eventData: string): string {
  return createHash('sha256').update(eventData, 'utf8').digest('base64')
}
