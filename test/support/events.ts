/** Building PutAuditEvents payloads (CloudTrail Lake's integration event schema) for tests. */
import { createHash, randomUUID } from 'node:crypto'
import type { AuditEvent } from './cloudtrail-data.js'

export interface EventDataOptions {
  accountId: string
  eventName?: string
  eventSource?: string
  principalId?: string
  userName?: string
  eventTime?: Date
  uid?: string
  requestParameters?: Record<string, unknown>
  errorCode?: string
}

export function eventData(o: EventDataOptions): Record<string, unknown> {
  return {
    version: '1.0',
    userIdentity: { type: 'CustomUser', principalId: o.principalId ?? 'user-1', details: o.userName ? { userName: o.userName } : {} },
    userAgent: 'opentrail-tests',
    eventSource: o.eventSource ?? 'app.example.com',
    eventName: o.eventName ?? 'DoThing',
    eventTime: (o.eventTime ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    UID: o.uid ?? randomUUID(),
    requestParameters: o.requestParameters ?? { n: 1 },
    sourceIPAddress: '192.0.2.10',
    recipientAccountId: o.accountId,
    ...(o.errorCode ? { errorCode: o.errorCode, errorMessage: 'failed' } : {}),
  }
}

export function auditEvent(id: string, o: EventDataOptions, withChecksum = true): AuditEvent {
  const data = JSON.stringify(eventData(o))
  return { id, eventData: data, ...(withChecksum ? { eventDataChecksum: createHash('sha256').update(data).digest('base64') } : {}) }
}

/** Polls `check` until it returns a value, for conditions reached asynchronously (projections). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
