import { describe, expect, it } from 'vitest'
import { validateRecord, MAX_EVENT_BYTES } from './index.js'
import { invictusRecords, stratusRecords } from './test-fixtures.js'

/** The reference's §1.4 data event, trimmed. */
function sample(): Record<string, unknown> {
  return {
    eventVersion: '1.10',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROA4EXAMPLEROLEID01:alice',
      accountId: '111122223333',
      sessionContext: { attributes: { mfaAuthenticated: 'true' } },
    },
    eventTime: '2024-05-14T09:15:42Z',
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.20.3.14',
    userAgent: 'aws-cli/2.15.30',
    requestParameters: { bucketName: 'acme-reports' },
    responseElements: null,
    requestID: '4K8QZ1T9V2M7X3EX',
    eventID: '3b9f1c2d-4e5a-46b7-8c9d-0e1f2a3b4c5d',
    readOnly: true,
    resources: [{ type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::acme-reports' }],
    eventType: 'AwsApiCall',
    managementEvent: false,
    recipientAccountId: '111122223333',
    eventCategory: 'Data',
  }
}

function errorOf(value: unknown, options?: { fieldLimits?: boolean }) {
  const result = validateRecord(value, options)
  if (result.ok) throw new Error('expected the record to be refused')
  return result.error
}

describe('validateRecord', () => {
  it('accepts every real record from the invictus and stratus datasets', () => {
    const records = [...invictusRecords(), ...stratusRecords()]
    expect(records).toHaveLength(3210)
    // One stratus record has a 1,026-byte errorMessage after anonymisation: only the field caps refuse it.
    const refusedWithCaps = records.filter((r) => !validateRecord(r).ok)
    expect(refusedWithCaps.map((r) => errorOf(r).field)).toEqual(['errorMessage'])
    expect(records.every((r) => validateRecord(r, { fieldLimits: false }).ok)).toBe(true)
  })

  it('returns the same object, unknown fields untouched', () => {
    const record = { ...sample(), someFutureField: { nested: [1, 2] } }
    const result = validateRecord(record)
    expect(result.ok && result.record).toBe(record)
    expect(result.ok && result.record.someFutureField).toEqual({ nested: [1, 2] })
  })

  it('refuses what is not a JSON object', () => {
    for (const value of [null, 'x', 3, [sample()]]) expect(errorOf(value).code).toBe('InvalidData')
  })

  it.each(['eventVersion', 'eventTime', 'awsRegion', 'eventID', 'eventSource', 'eventName'])(
    'names a missing required field: %s',
    (field) => {
      for (const missing of [undefined, null, '']) {
        const record = { ...sample(), [field]: missing }
        const error = errorOf(record)
        expect(error.code).toBe('FieldNotFound')
        expect(error.field).toBe(field)
        expect(error.message).toContain(field)
      }
    },
  )

  it('does not require eventSource/eventName on Insights records', () => {
    const { eventSource: _s, eventName: _n, userIdentity: _u, ...rest } = sample()
    expect(validateRecord({ ...rest, eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight' }).ok).toBe(true)
    expect(errorOf({ ...rest }).field).toBe('eventSource')
  })

  it('refuses an eventTime that does not parse', () => {
    const error = errorOf({ ...sample(), eventTime: 'yesterday' })
    expect([error.code, error.field]).toEqual(['InvalidData', 'eventTime'])
  })

  it.each([
    ['eventName', 42],
    ['userAgent', { a: 1 }],
    ['errorCode', false],
    ['recipientAccountId', 111122223333],
    ['readOnly', 'true'],
    ['managementEvent', 1],
    ['userIdentity', 'root'],
    ['additionalEventData', [1]],
    ['tlsDetails', null],
    ['requestParameters', 'x=1'],
    ['responseElements', []],
    ['resources', { ARN: 'arn:aws:s3:::b' }],
  ])('refuses a wrong type: %s = %j', (field, value) => {
    const error = errorOf({ ...sample(), [field]: value })
    expect([error.code, error.field]).toEqual(['InvalidData', field])
  })

  it('checks the parts of resources and userIdentity', () => {
    expect(errorOf({ ...sample(), resources: [{ ARN: 'a' }, 'b'] }).field).toBe('resources[1]')
    const identity = sample().userIdentity as Record<string, unknown>
    expect(errorOf({ ...sample(), userIdentity: { ...identity, type: 3 } }).field).toBe('userIdentity.type')
    expect(errorOf({ ...sample(), userIdentity: { ...identity, sessionContext: 'x' } }).field).toBe(
      'userIdentity.sessionContext',
    )
  })

  it('accepts null requestParameters/responseElements', () => {
    expect(validateRecord({ ...sample(), requestParameters: null, responseElements: null }).ok).toBe(true)
  })

  it.each([
    ['userAgent', 1024],
    ['errorCode', 1024],
    ['errorMessage', 1024],
    ['requestID', 1024],
  ])('enforces the %s cap of %d bytes', (field, max) => {
    expect(validateRecord({ ...sample(), [field]: 'a'.repeat(max) }).ok).toBe(true)
    // Bytes, not characters: 'é' is two bytes in UTF-8.
    const error = errorOf({ ...sample(), [field]: 'é'.repeat(max / 2 + 1) })
    expect([error.code, error.field]).toEqual(['FieldTooLong', field])
    expect(validateRecord({ ...sample(), [field]: 'a'.repeat(max + 1) }, { fieldLimits: false }).ok).toBe(true)
  })

  it.each([
    ['requestParameters', 100 * 1024],
    ['responseElements', 100 * 1024],
    ['serviceEventDetails', 100 * 1024],
    ['additionalEventData', 28 * 1024],
    ['edgeDeviceDetails', 28 * 1024],
  ])('enforces the %s cap of %d bytes', (field, max) => {
    const overhead = JSON.stringify({ v: '' }).length
    expect(validateRecord({ ...sample(), [field]: { v: 'a'.repeat(max - overhead) } }).ok).toBe(true)
    const error = errorOf({ ...sample(), [field]: { v: 'a'.repeat(max - overhead + 1) } })
    expect([error.code, error.field]).toEqual(['FieldTooLong', field])
  })

  it('enforces the whole-event cap even without field caps', () => {
    const big = { ...sample(), someField: 'a'.repeat(MAX_EVENT_BYTES) }
    for (const fieldLimits of [true, false]) expect(errorOf(big, { fieldLimits }).code).toBe('FieldTooLong')
  })
})
