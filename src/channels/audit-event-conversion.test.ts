import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { RecordCodec } from '../journal/index.js'
import { convertAuditEvents, type ConversionRequest } from './audit-event-conversion.js'
import { ConversionPool } from './conversion-pool.js'

const ACCOUNT = '111122223333'

function eventData(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '1.0',
    userIdentity: { type: 'CustomUser', principalId: 'alice' },
    eventSource: 'app.example.com',
    eventName: 'Login',
    eventTime: '2024-05-01T12:00:00Z',
    UID: 'u-1',
    recipientAccountId: ACCOUNT,
    ...overrides,
  })
}

function request(events: ConversionRequest['events']): ConversionRequest {
  return { channelArn: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:channel/c`, channelId: 'c', accountId: ACCOUNT, region: 'us-east-1', ingestionTime: Date.parse('2024-05-01T12:00:01Z'), events }
}

describe('convertAuditEvents', () => {
  it('turns each event into its stored JSON and encoded bytes, and fails bad ones on their own', () => {
    const good = eventData()
    const codec = new RecordCodec()
    const results = convertAuditEvents(
      request([
        { eventData: good, eventDataChecksum: createHash('sha256').update(good).digest('base64'), id: 'id-1' },
        { eventData: good, eventDataChecksum: 'AAAA', id: 'id-2' },
        { eventData: '{not json', id: 'id-3' },
        { eventData: eventData({ recipientAccountId: '999999999999' }), id: 'id-4' },
      ]),
      codec,
    )
    expect(results.map((r) => (r.ok ? 'ok' : r.errorCode))).toEqual(['ok', 'InvalidChecksum', 'InvalidData', 'InvalidRecipient'])
    const first = results[0]!
    if (!first.ok) throw new Error('expected success')
    const record = JSON.parse(first.json) as Record<string, unknown>
    expect(record).toMatchObject({ eventID: first.eventID, eventName: 'Login', recipientAccountId: ACCOUNT, awsRegion: 'us-east-1' })
    expect(codec.decodeJson(Buffer.from(first.bytes))).toBe(first.json)
  })

  it("gives an event the same eventID each time it comes (a UUID v7 of its eventTime, channel and id), and another id another", () => {
    const codec = new RecordCodec()
    const data = eventData()
    const ids = (id: string, channelId = 'c') =>
      convertAuditEvents({ ...request([{ eventData: data, id }]), channelId }, codec).map((r) => (r.ok ? r.eventID : r.errorCode))[0]!
    const first = ids('id-1')
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    // The v7 time field is the event's time: IDs sort as the events' times do.
    expect(parseInt(first.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.parse('2024-05-01T12:00:00Z'))
    expect(ids('id-1')).toBe(first)
    expect(ids('id-2')).not.toBe(first)
    expect(ids('id-1', 'another-channel')).not.toBe(first)
  })
})

describe('ConversionPool on the calling thread (threads: 0)', () => {
  it('encodes with the dictionary it is given, which the journal codec can read', async () => {
    const pool = new ConversionPool({ threads: 0 })
    const dictionary = { id: 4, bytes: Buffer.from(eventData().repeat(20)) }
    const [result] = await pool.convert(request([{ eventData: eventData(), id: 'id-9' }]), dictionary)
    if (!result?.ok) throw new Error('expected success')
    expect(Buffer.from(result.bytes).readUInt32BE(1)).toBe(4)
    const reader = new RecordCodec()
    reader.addDictionary(4, dictionary.bytes)
    expect(reader.decodeJson(Buffer.from(result.bytes))).toBe(result.json)
    await pool.close()
    await expect(pool.convert(request([]), undefined)).rejects.toThrow(/closed/)
  })
})
