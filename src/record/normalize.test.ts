import { describe, expect, it } from 'vitest'
import { normalizeRecord, validateRecord } from './index.js'
import { invictusRecords, otrfRecords, stratusRecords } from './test-fixtures.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.05',
    userIdentity: { type: 'IAMUser', accountId: '444455556666' },
    eventTime: '2020-09-14T00:44:23Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    awsRegion: 'us-east-1',
    eventType: 'AwsApiCall',
    ...extra,
  }
}

describe('normalizeRecord', () => {
  it('leaves real CloudTrail records exactly as they are, and does not modify its input', () => {
    for (const record of [...invictusRecords(), ...stratusRecords()]) {
      const before = structuredClone(record)
      const out = normalizeRecord(record, { accountId: '999999999999', region: 'eu-west-3' })
      expect(out).toStrictEqual(before)
      expect(Object.keys(out)).toEqual(Object.keys(before))
      expect(record).toStrictEqual(before)
      expect(out).not.toBe(record)
    }
  })

  it('undoes Logstash on the OTRF records: eventTime from @timestamp, @-fields dropped', () => {
    const records = otrfRecords()
    expect(records).toHaveLength(103)
    for (const raw of records) {
      const out = normalizeRecord(raw, {})
      const stamp = raw['@timestamp'] as string
      expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
      expect(out.eventTime).toBe(stamp.replace(/\.\d{3}Z$/, 'Z'))
      expect(Object.keys(out).filter((k) => k.startsWith('@'))).toEqual([])
      expect(validateRecord(out).ok).toBe(true)
      // Every other field is untouched; only what CloudTrail would add is added.
      for (const [key, value] of Object.entries(raw)) if (!key.startsWith('@')) expect(out[key]).toStrictEqual(value)
      const added = Object.keys(out).filter((k) => !(k in raw)).sort()
      expect(added).toEqual(raw.eventCategory === undefined ? ['eventCategory', 'eventTime', 'managementEvent'] : ['eventTime'])
    }
  })

  it('keeps a @timestamp that is not Logstash time (eventTime present, no @version)', () => {
    const out = normalizeRecord(minimal({ eventID: 'e', '@timestamp': 'x' }), {})
    expect(out['@timestamp']).toBe('x')
    const logstash = normalizeRecord(minimal({ eventID: 'e', '@timestamp': '2020-01-01T00:00:00.000Z', '@version': '1' }), {})
    expect(logstash.eventTime).toBe('2020-09-14T00:44:23Z')
    expect('@timestamp' in logstash || '@version' in logstash).toBe(false)
  })

  it('rewrites eventTimes in other forms to CloudTrail form, as UTC', () => {
    const cases: [string, string][] = [
      ['2022-12-11 19:42:55', '2022-12-11T19:42:55Z'],
      ['2025-01-20 16:52:14.000000000', '2025-01-20T16:52:14Z'],
      ['2024-05-14T09:15:42.123Z', '2024-05-14T09:15:42Z'],
      ['2024-05-14T11:15:42+02:00', '2024-05-14T09:15:42Z'],
    ]
    for (const [given, expected] of cases) expect(normalizeRecord(minimal({ eventTime: given }), {}).eventTime).toBe(expected)
    expect(normalizeRecord(minimal({ eventTime: 'garbage' }), {}).eventTime).toBe('garbage')
  })

  it('infers eventCategory and managementEvent the way CloudTrail writes them', () => {
    const category = (extra: Record<string, unknown>) => {
      const out = normalizeRecord(minimal(extra), {})
      return [out.eventCategory, out.managementEvent]
    }
    expect(category({})).toEqual(['Management', true])
    expect(category({ managementEvent: false })).toEqual(['Data', false])
    expect(category({ eventType: 'AwsCloudTrailInsight' })).toEqual(['Insight', undefined])
    expect(category({ eventType: 'AwsVpceEvent' })).toEqual(['NetworkActivity', false])
    expect(category({ eventCategory: 'Data' })).toEqual(['Data', false])
    // Present values are never overridden, even when they look inconsistent.
    expect(category({ eventCategory: 'Management', managementEvent: false })).toEqual(['Management', false])
  })

  it('fills recipientAccountId from the defaults, then from userIdentity.accountId', () => {
    expect(normalizeRecord(minimal(), { accountId: '111122223333' }).recipientAccountId).toBe('111122223333')
    expect(normalizeRecord(minimal(), {}).recipientAccountId).toBe('444455556666')
    expect(normalizeRecord(minimal({ recipientAccountId: '777' }), { accountId: '1' }).recipientAccountId).toBe('777')
    expect(normalizeRecord(minimal({ userIdentity: { type: 'Root' } }), {}).recipientAccountId).toBeUndefined()
  })

  it('fills awsRegion only when missing', () => {
    expect(normalizeRecord(minimal({ awsRegion: undefined }), { region: 'eu-west-1' }).awsRegion).toBe('eu-west-1')
    expect(normalizeRecord(minimal(), { region: 'eu-west-1' }).awsRegion).toBe('us-east-1')
  })

  it('derives a missing eventID from the content, independent of key order', () => {
    const a = normalizeRecord(minimal(), {})
    const reordered = Object.fromEntries(Object.entries(minimal()).reverse())
    const b = normalizeRecord(reordered, {})
    const other = normalizeRecord(minimal({ eventName: 'DescribeVolumes' }), {})
    expect(a.eventID).toMatch(UUID)
    expect(b.eventID).toBe(a.eventID)
    expect(other.eventID).toMatch(UUID)
    expect(other.eventID).not.toBe(a.eventID)
    expect(normalizeRecord(minimal({ eventID: '' }), {}).eventID).toBe(a.eventID)
    expect(normalizeRecord(minimal({ eventID: 'given' }), {}).eventID).toBe('given')
  })
})
