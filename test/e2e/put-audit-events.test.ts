/** PutAuditEvents end to end: the real server, signed requests, Event History reads back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GetChannelCommand, LookupEventsCommand, ListChannelsCommand } from '@aws-sdk/client-cloudtrail'
import { startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { putAuditEvents } from '../support/cloudtrail-data.js'
import { auditEvent, eventually } from '../support/events.js'

let server: TestServer
let channelArn: string

beforeAll(async () => {
  server = await startServer()
  const channels = await server.client().send(new ListChannelsCommand({}))
  channelArn = channels.Channels!.find((c) => c.Name === 'default')!.ChannelArn!
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

async function lookupByName(eventName: string) {
  const out = await server.client().send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }] }))
  return out.Events ?? []
}

describe('PutAuditEvents', () => {
  it('has a default channel per account, so ingest works out of the box', () => {
    expect(channelArn).toMatch(new RegExp(`^arn:aws:cloudtrail:us-east-1:${server.accountId}:channel/[0-9a-f-]{36}$`))
  })

  it('stores events that Event History shows within a second', async () => {
    const name = `Created${Date.now()}`
    const res = await putAuditEvents(server.endpoint, server.credentials, {
      channelArn,
      auditEvents: [auditEvent('e1', { accountId: server.accountId, eventName: name, userName: 'alice' })],
    })
    expect(res.status).toBe(200)
    expect(res.body.failed).toEqual([])
    expect(res.body.successful).toHaveLength(1)
    const acked = Date.now()
    const events = await eventually(async () => ((await lookupByName(name)).length ? lookupByName(name) : undefined), 1000)
    expect(Date.now() - acked).toBeLessThan(1000)
    expect(events[0]!.EventId).toBe(res.body.successful![0]!.eventID)
    expect(events[0]!.Username).toBe('alice')
    const record = JSON.parse(events[0]!.CloudTrailEvent!)
    expect(record).toMatchObject({ eventName: name, eventSource: 'app.example.com', recipientAccountId: server.accountId, awsRegion: 'us-east-1' })
  })

  it('shows the latest ingestion in GetChannel', async () => {
    const res = await putAuditEvents(server.endpoint, server.credentials, {
      channelArn,
      auditEvents: [auditEvent('status1', { accountId: server.accountId }), { id: 'status2', eventData: 'nope' }],
    })
    const channel = await server.client().send(new GetChannelCommand({ Channel: channelArn }))
    expect(channel.IngestionStatus?.LatestIngestionSuccessEventID).toBe(res.body.successful![0]!.eventID)
    expect(channel.IngestionStatus?.LatestIngestionErrorCode).toBe('InvalidData')
    expect(channel.IngestionStatus?.LatestIngestionAttemptTime).toBeInstanceOf(Date)
  })

  it('answers each event on its own in a mixed batch', async () => {
    const name = `Mixed${Date.now()}`
    const good = auditEvent('good', { accountId: server.accountId, eventName: name })
    const badChecksum = { ...auditEvent('badsum', { accountId: server.accountId, eventName: name }), eventDataChecksum: 'AAAA' }
    const notJson = { id: 'notjson', eventData: '{not json' }
    const missing = { id: 'missing', eventData: JSON.stringify({ version: '1.0', eventName: name }) }
    const otherAccount = auditEvent('otheracct', { accountId: '999999999999', eventName: name })
    const res = await putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: [good, badChecksum, notJson, missing, otherAccount] })
    expect(res.status).toBe(200)
    expect(res.body.successful!.map((s) => s.id)).toEqual(['good'])
    const codes = Object.fromEntries(res.body.failed!.map((f) => [f.id, f.errorCode]))
    expect(codes).toEqual({ badsum: 'InvalidChecksum', notjson: 'InvalidData', missing: 'FieldNotFound', otheracct: 'InvalidRecipient' })
    for (const f of res.body.failed!) expect(f.errorMessage.length).toBeGreaterThan(0)
    const events = await eventually(async () => ((await lookupByName(name)).length ? lookupByName(name) : undefined))
    expect(events).toHaveLength(1)
  })

  it('is idempotent by the caller id: a retried batch does not duplicate', async () => {
    const name = `Retry${Date.now()}`
    const batch = [auditEvent('r1', { accountId: server.accountId, eventName: name }), auditEvent('r2', { accountId: server.accountId, eventName: name })]
    const first = await putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: batch })
    const second = await putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: batch })
    expect(second.body.successful).toEqual(first.body.successful)
    const events = await eventually(async () => ((await lookupByName(name)).length === 2 ? lookupByName(name) : undefined))
    expect(new Set(events.map((e) => e.EventId))).toEqual(new Set(first.body.successful!.map((s) => s.eventID)))
  })

  describe('refuses a bad call whole, storing nothing', () => {
    const cases: [string, () => Promise<Awaited<ReturnType<typeof putAuditEvents>>>, string][] = [
      ['more than 100 events', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: Array.from({ length: 101 }, (_, i) => auditEvent(`m${i}`, { accountId: server.accountId, eventName: 'TooMany' })) }), 'ValidationException'],
      ['malformed JSON', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, rawBody: '{"auditEvents": [' }), 'SerializationException'],
      ['wrong types', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, rawBody: JSON.stringify({ auditEvents: [{ id: 5, eventData: {} }] }) }), 'ValidationException'],
      ['no events', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, rawBody: JSON.stringify({ auditEvents: [] }) }), 'ValidationException'],
      ['duplicate ids', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: [auditEvent('d', { accountId: server.accountId, eventName: 'Dup' }), auditEvent('d', { accountId: server.accountId, eventName: 'Dup' })] }), 'DuplicatedAuditEventId'],
      ['an unknown channel', () => putAuditEvents(server.endpoint, server.credentials, { channelArn: `arn:aws:cloudtrail:us-east-1:${server.accountId}:channel/00000000-0000-0000-0000-000000000000`, auditEvents: [auditEvent('x', { accountId: server.accountId, eventName: 'NoChannel' })] }), 'ChannelNotFound'],
      ['a malformed channel ARN', () => putAuditEvents(server.endpoint, server.credentials, { channelArn: 'not-an-arn', auditEvents: [auditEvent('x', { accountId: server.accountId, eventName: 'BadArn' })] }), 'InvalidChannelARN'],
      ['over 1 MB of events', () => putAuditEvents(server.endpoint, server.credentials, { channelArn, auditEvents: Array.from({ length: 12 }, (_, i) => auditEvent(`big${i}`, { accountId: server.accountId, eventName: 'TooBig', requestParameters: { pad: 'x'.repeat(95_000) } })) }), 'ValidationException'],
    ]
    for (const [what, call, code] of cases) {
      it(what, async () => {
        const res = await call()
        expect(res.status).toBeGreaterThanOrEqual(400)
        expect(res.errorType).toBe(code)
        expect(res.body.message).toBeTruthy()
      })
    }
    it('and stored none of those events', async () => {
      for (const name of ['TooMany', 'Dup', 'NoChannel', 'BadArn', 'TooBig']) expect(await lookupByName(name)).toEqual([])
    })
  })
})
