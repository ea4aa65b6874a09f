import { describe, expect, it } from 'vitest'
import { fromIntegrationEvent, validateRecord, CURRENT_EVENT_VERSION } from './index.js'

const EVENT_ID = '0190f3c2-7a4b-7c3d-9e8f-0a1b2c3d4e5f'
const ctx = {
  channelArn: 'arn:aws:cloudtrail:us-east-1:111122223333:channel/01234567-89ab-cdef-0123-456789abcdef',
  accountId: '111122223333',
  region: 'us-east-1',
  eventIdFor: () => EVENT_ID,
  ingestionTime: '2024-05-14T09:20:00Z',
}

function payload(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '0.01',
    userIdentity: {
      type: 'CustomUser',
      principalId: 'alice@example.com',
      details: { userName: 'alice', arn: 'arn:partner:user/alice', accessKeyId: 'k-1' },
    },
    userAgent: 'partner-app/1.0',
    eventSource: 'app.example.com',
    eventName: 'DeleteDocument',
    eventTime: '2024-05-14T09:15:42',
    UID: 'evt-123',
    requestParameters: { documentId: 'doc-7' },
    responseElements: { deleted: true },
    errorCode: 'Throttled',
    errorMessage: 'too many requests',
    sourceIPAddress: '192.0.2.10',
    recipientAccountId: '111122223333',
    additionalEventData: { tenant: 't1' },
    ...extra,
  }
}

function errorOf(data: string | Record<string, unknown>) {
  const result = fromIntegrationEvent(typeof data === 'string' ? data : JSON.stringify(data), ctx)
  if (result.ok) throw new Error('expected the event to be refused')
  return result.error
}

function recordOf(data: Record<string, unknown>) {
  const result = fromIntegrationEvent(JSON.stringify(data), ctx)
  if (!result.ok) throw result.error
  return result.record
}

describe('fromIntegrationEvent', () => {
  it('builds the Lake record, with CloudTrail fields copied to the top level', () => {
    const data = payload({ readOnly: false })
    const record = recordOf(data)
    expect(record).toStrictEqual({
      eventVersion: CURRENT_EVENT_VERSION,
      eventCategory: 'Management',
      eventType: 'ActivityLog',
      eventID: EVENT_ID,
      eventTime: '2024-05-14T09:15:42Z',
      awsRegion: 'us-east-1',
      recipientAccountId: '111122223333',
      userIdentity: {
        type: 'CustomUser',
        principalId: 'alice@example.com',
        userName: 'alice',
        arn: 'arn:partner:user/alice',
        accessKeyId: 'k-1',
      },
      eventSource: 'app.example.com',
      eventName: 'DeleteDocument',
      userAgent: 'partner-app/1.0',
      sourceIPAddress: '192.0.2.10',
      errorCode: 'Throttled',
      errorMessage: 'too many requests',
      requestParameters: { documentId: 'doc-7' },
      responseElements: { deleted: true },
      additionalEventData: { tenant: 't1' },
      readOnly: false,
      managementEvent: true,
      metadata: { ingestionTime: '2024-05-14T09:20:00Z', channelARN: ctx.channelArn },
      eventData: data,
    })
    expect(validateRecord(record).ok).toBe(true)
  })

  it('copies only the optional fields that are given', () => {
    const { userAgent: _a, errorCode: _b, errorMessage: _c, sourceIPAddress: _d, requestParameters: _e,
      responseElements: _f, additionalEventData: _g, ...required } = payload()
    const record = recordOf({ ...required, userIdentity: { type: 'T', principalId: 'p' } })
    expect(Object.keys(record).sort()).toEqual([
      'awsRegion', 'eventCategory', 'eventData', 'eventID', 'eventName', 'eventSource', 'eventTime', 'eventType',
      'eventVersion', 'managementEvent', 'metadata', 'recipientAccountId', 'userIdentity',
    ])
    expect(record.userIdentity).toStrictEqual({ type: 'T', principalId: 'p' })
  })

  it('marks data events', () => {
    for (const mark of [{ managementEvent: false }, { eventCategory: 'Data' }]) {
      const record = recordOf(payload(mark))
      expect([record.eventCategory, record.managementEvent]).toEqual(['Data', false])
    }
  })

  it('never lets details override the required identity fields', () => {
    const record = recordOf(payload({ userIdentity: { type: 'T', principalId: 'p', details: { type: 'X', principalId: 'Y', a: 1 } } }))
    expect(record.userIdentity).toStrictEqual({ type: 'T', principalId: 'p', a: 1 })
  })

  it.each([
    ['2024-05-14T09:15:42', '2024-05-14T09:15:42Z'],
    ['2024-05-14T09:15:42Z', '2024-05-14T09:15:42Z'],
    ['2024-05-14T09:15:42.987Z', '2024-05-14T09:15:42Z'],
    ['2024-02-29T23:59:59', '2024-02-29T23:59:59Z'],
  ])('accepts eventTime %s', (given, stored) => {
    expect(recordOf(payload({ eventTime: given })).eventTime).toBe(stored)
  })

  it.each(['2024-05-14 09:15:42', '2024-05-14T09:15:42+02:00', '2023-02-29T00:00:00', '2024-13-01T00:00:00', '14/05/2024', '2024-05-14'])(
    'refuses eventTime %s',
    (eventTime) => {
      const error = errorOf(payload({ eventTime }))
      expect([error.code, error.field]).toEqual(['InvalidData', 'eventData.eventTime'])
    },
  )

  it('refuses eventData that is not a JSON object', () => {
    for (const text of ['{not json', '[1,2]', 'null', '"text"']) {
      const error = errorOf(text)
      expect([error.code, error.field]).toEqual(['InvalidData', 'eventData'])
    }
  })

  it.each([
    ['version'], ['eventSource'], ['eventName'], ['eventTime'], ['UID'], ['recipientAccountId'], ['userIdentity'],
  ])('names a missing required field: %s', (field) => {
    for (const missing of [undefined, null, '']) {
      const error = errorOf(payload({ [field]: missing }))
      expect([error.code, error.field]).toEqual(['FieldNotFound', `eventData.${field}`])
      expect(error.message).toContain(field)
    }
  })

  it.each([['type'], ['principalId']])('names a missing userIdentity.%s', (field) => {
    const identity = { type: 'T', principalId: 'p', [field]: undefined }
    const error = errorOf(payload({ userIdentity: identity }))
    expect([error.code, error.field]).toEqual(['FieldNotFound', `eventData.userIdentity.${field}`])
  })

  it.each([
    ['version', 256],
    ['eventSource', 1024],
    ['eventName', 1024],
    ['UID', 1024],
    ['userAgent', 1024],
    ['errorCode', 256],
    ['errorMessage', 256],
  ])('refuses %s longer than %d characters', (field, max) => {
    expect(fromIntegrationEvent(JSON.stringify(payload({ [field]: 'a'.repeat(max) })), ctx).ok).toBe(true)
    const error = errorOf(payload({ [field]: 'a'.repeat(max + 1) }))
    expect([error.code, error.field]).toEqual(['FieldTooLong', `eventData.${field}`])
  })

  it.each([['type', 128], ['principalId', 1024]])('refuses userIdentity.%s longer than %d', (field, max) => {
    const ok = { type: 'T', principalId: 'p', [field]: 'a'.repeat(max) }
    expect(fromIntegrationEvent(JSON.stringify(payload({ userIdentity: ok })), ctx).ok).toBe(true)
    const error = errorOf(payload({ userIdentity: { ...ok, [field]: 'a'.repeat(max + 1) } }))
    expect([error.code, error.field]).toEqual(['FieldTooLong', `eventData.userIdentity.${field}`])
  })

  it.each([
    ['requestParameters', 100 * 1024],
    ['responseElements', 100 * 1024],
    ['additionalEventData', 28 * 1024],
  ])('rejects (does not truncate) %s over %d bytes', (field, max) => {
    const overhead = JSON.stringify({ v: '' }).length
    expect(recordOf(payload({ [field]: { v: 'a'.repeat(max - overhead) } }))[field]).toBeDefined()
    const error = errorOf(payload({ [field]: { v: 'a'.repeat(max - overhead + 1) } }))
    expect([error.code, error.field]).toEqual(['FieldTooLong', `eventData.${field}`])
  })

  it('refuses eventData over 256 KB', () => {
    const error = errorOf(payload({ extra: 'a'.repeat(256 * 1024) }))
    expect([error.code, error.field]).toEqual(['FieldTooLong', 'eventData'])
  })

  it.each([
    ['version', 1],
    ['eventName', ['x']],
    ['UID', 7],
    ['userAgent', {}],
    ['errorCode', 500],
    ['sourceIPAddress', 3232235777],
    ['requestParameters', 'a=b'],
    ['responseElements', [1]],
    ['additionalEventData', true],
    ['readOnly', 'yes'],
    ['userIdentity', 'alice'],
  ])('refuses a wrong type: %s = %j', (field, value) => {
    const error = errorOf(payload({ [field]: value }))
    expect([error.code, error.field]).toEqual(['InvalidData', `eventData.${field}`])
  })

  it('refuses wrong types inside userIdentity', () => {
    expect(errorOf(payload({ userIdentity: { type: 1, principalId: 'p' } })).field).toBe('eventData.userIdentity.type')
    expect(errorOf(payload({ userIdentity: { type: 'T', principalId: {} } })).field).toBe('eventData.userIdentity.principalId')
    const details = errorOf(payload({ userIdentity: { type: 'T', principalId: 'p', details: 'x' } }))
    expect([details.code, details.field]).toEqual(['InvalidData', 'eventData.userIdentity.details'])
  })

  it('accepts IPv4 and IPv6 source addresses and refuses anything else', () => {
    for (const ip of ['203.0.113.7', '2001:db8::1', '::ffff:192.0.2.1']) {
      expect(recordOf(payload({ sourceIPAddress: ip })).sourceIPAddress).toBe(ip)
    }
    for (const ip of ['AWS Internal', 'example.com', '256.1.1.1', '']) {
      const error = errorOf(payload({ sourceIPAddress: ip }))
      expect([error.code, error.field]).toEqual(['InvalidData', 'eventData.sourceIPAddress'])
    }
  })

  it('refuses a recipient other than the channel owner', () => {
    const error = errorOf(payload({ recipientAccountId: '999988887777' }))
    expect([error.code, error.field]).toEqual(['InvalidRecipient', 'eventData.recipientAccountId'])
  })

  it('accepts null JSON fields', () => {
    const record = recordOf(payload({ requestParameters: null, responseElements: null }))
    expect(record.requestParameters).toBeNull()
    expect(validateRecord(record).ok).toBe(true)
  })
})
