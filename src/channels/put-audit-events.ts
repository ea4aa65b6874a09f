/**
 * CloudTrail Data's PutAuditEvents: up to 100 events and 1 MB per call into a channel.
 *
 * Each event succeeds or fails on its own (a bad event never takes good ones down with
 * it); the call answers only after the good ones are durable in the journal. The
 * caller's `id` makes retries idempotent: a retried batch (the same ids and eventData, so the
 * same eventTimes) resolves to the eventIDs the first attempt got.
 */
import { JournalPushback } from '../journal/index.js'
import type { AppendInput, Journal } from '../journal/index.js'
import type { DataPlane, JsonObject, RequestContext } from '../api/index.js'
import type { ChannelStore } from './channel-store.js'
import type { ConversionPool } from './conversion-pool.js'
import { ChannelError } from './errors.js'

export const MAX_EVENTS_PER_CALL = 100
export const MAX_EVENT_BYTES_PER_CALL = 1024 * 1024
const ID_PATTERN = /^[-_A-Za-z0-9]{1,128}$/
const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/

interface Failed {
  id: string
  errorCode: string
  errorMessage: string
}

export function putAuditEventsHandler(channels: ChannelStore, journal: Journal, conversions: ConversionPool): DataPlane {
  return {
    async putAuditEvents(query: Record<string, string>, body: JsonObject, ctx: RequestContext): Promise<JsonObject> {
      const channelRef = query.channelArn
      if (typeof channelRef !== 'string' || channelRef.length === 0) {
        throw new ChannelError('InvalidChannelARN', 'The channelArn query parameter is required.')
      }
      if (query.externalId !== undefined && !EXTERNAL_ID_PATTERN.test(query.externalId)) {
        throw new ChannelError('ValidationException', 'externalId must be 2-1224 characters of letters, digits and +=,.@:/-_')
      }
      let channel
      try {
        channel = channels.resolve(channelRef, ctx.caller.accountId)
      } catch (error) {
        if (error instanceof ChannelError && error.code === 'ChannelARNInvalidException') {
          throw new ChannelError('InvalidChannelARN', error.message)
        }
        if (error instanceof ChannelError && error.code === 'ChannelNotFoundException') {
          throw new ChannelError('ChannelNotFound', error.message)
        }
        throw error
      }
      const events = readAuditEvents(body)

      const successful: { id: string; eventID: string }[] = []
      const failed: Failed[] = []
      const accepted: { id: string; input: AppendInput }[] = []
      const converted = await conversions.convert(
        { channelArn: channel.arn, channelId: channel.id, accountId: channel.accountId, region: ctx.region, ingestionTime: ctx.receivedAt.getTime(), events },
        journal.recordDictionary(),
      )
      converted.forEach((c, i) => {
        const id = events[i]!.id
        if (!c.ok) failed.push({ id, errorCode: c.errorCode, errorMessage: c.errorMessage })
        // A retried event has the eventID it had the first time (eventIdOf): the journal answers it as a duplicate.
        else accepted.push({ id, input: { encoded: { json: c.json, skeleton: c.skeleton, bytes: c.bytes, eventID: c.eventID, eventTime: c.eventTime, recipientAccountId: channel.accountId } } })
      })

      if (accepted.length) {
        try {
          const results = await journal.append(accepted.map((a) => a.input))
          results.forEach((r, i) => successful.push({ id: accepted[i]!.id, eventID: r.eventId }))
        } catch (error) {
          if (!(error instanceof JournalPushback)) throw error
          for (const a of accepted) failed.push({ id: a.id, errorCode: 'Throttling', errorMessage: 'The service is busy; retry the event.' })
        }
      }

      channels.recordIngestion(channel.id, {
        LatestIngestionAttemptTime: ctx.receivedAt,
        LatestIngestionAttemptEventID: successful.at(-1)?.eventID ?? undefined,
        ...(successful.length
          ? { LatestIngestionSuccessTime: ctx.receivedAt, LatestIngestionSuccessEventID: successful.at(-1)!.eventID }
          : {}),
        ...(failed.length ? { LatestIngestionErrorCode: failed.at(-1)!.errorCode } : {}),
      })
      return { successful, failed }
    },
  }
}

interface AuditEvent {
  id: string
  eventData: string
  eventDataChecksum?: string
}

/** Checks the shape of the whole call; any violation refuses the call and stores nothing. */
function readAuditEvents(body: JsonObject): AuditEvent[] {
  const list = body.auditEvents
  if (!Array.isArray(list)) throw new ChannelError('ValidationException', 'auditEvents is required and must be a list.')
  if (list.length < 1 || list.length > MAX_EVENTS_PER_CALL) {
    throw new ChannelError(
      'ValidationException',
      `1 validation error detected: Value at 'auditEvents' failed to satisfy constraint: Member must have length between 1 and ${MAX_EVENTS_PER_CALL}`,
    )
  }
  const seen = new Set<string>()
  let bytes = 0
  return list.map((item: unknown, index) => {
    const e = item as Record<string, unknown>
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      throw new ChannelError('ValidationException', `auditEvents[${index}] must be an object.`)
    }
    if (typeof e.id !== 'string' || !ID_PATTERN.test(e.id)) {
      throw new ChannelError('ValidationException', `auditEvents[${index}].id must be 1-128 characters of letters, digits, '-' or '_'.`)
    }
    if (typeof e.eventData !== 'string') throw new ChannelError('ValidationException', `auditEvents[${index}].eventData is required and must be a string.`)
    if (e.eventDataChecksum !== undefined && typeof e.eventDataChecksum !== 'string') {
      throw new ChannelError('ValidationException', `auditEvents[${index}].eventDataChecksum must be a string.`)
    }
    if (seen.has(e.id)) throw new ChannelError('DuplicatedAuditEventId', `The audit event id ${e.id} occurs more than once in the request.`)
    seen.add(e.id)
    bytes += Buffer.byteLength(e.eventData)
    if (bytes > MAX_EVENT_BYTES_PER_CALL) {
      throw new ChannelError('ValidationException', `The audit events exceed ${MAX_EVENT_BYTES_PER_CALL} bytes in one request.`)
    }
    return { id: e.id, eventData: e.eventData, eventDataChecksum: e.eventDataChecksum as string | undefined }
  })
}
