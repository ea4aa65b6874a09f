import { describe, expect, it } from 'vitest'
import type { CloudTrailRecord } from '../record/index.js'
import { skeletonJson } from '../record/index.js'
import { invictusRecords, otrfRecords, stratusRecords } from '../record/test-fixtures.js'
import { historyAttributes, historyCategory, lookupUsername, resourceNameKeys } from './attributes.js'
import { toLookupEvent } from './lookup-event.js'
import { weightedLength } from './query.js'

function record(extra: Partial<CloudTrailRecord>): CloudTrailRecord {
  return { eventVersion: '1.08', eventTime: '2024-05-14T09:12:03Z', awsRegion: 'us-east-1', eventID: 'e1', ...extra }
}

describe('historyCategory', () => {
  it('sorts records into what Event History shows', () => {
    expect(historyCategory(record({ eventCategory: 'Management' }))).toBe('management')
    expect(historyCategory(record({}))).toBe('management') // before eventVersion 1.07
    expect(historyCategory(record({ managementEvent: false }))).toBe('data')
    expect(historyCategory(record({ eventCategory: 'Data' }))).toBe('data')
    expect(historyCategory(record({ eventCategory: 'NetworkActivity' }))).toBe('data')
    expect(historyCategory(record({ eventCategory: 'Insight' }))).toBe('insight')
    expect(historyCategory(record({ eventType: 'AwsCloudTrailInsight' }))).toBe('insight')
    expect(historyCategory(record({ eventCategory: 'ActivityAuditLog', managementEvent: true }))).toBe('management')
    expect(historyCategory(record({ eventCategory: 'ActivityAuditLog', managementEvent: false }))).toBe('data')
    expect(historyCategory(record({ eventCategory: 'ConfigurationItem' }))).toBe('other')
  })
})

describe('lookupUsername', () => {
  it('uses the IAM user name', () => {
    expect(lookupUsername(record({ userIdentity: { type: 'IAMUser', userName: 'Alice', arn: 'arn:aws:iam::1:user/Alice' } }))).toBe('Alice')
  })
  it('uses the role session name for an assumed role', () => {
    const identity = {
      type: 'AssumedRole',
      principalId: 'AROAIDPPEZS35WEXAMPLE:MySessionName',
      arn: 'arn:aws:sts::123456789012:assumed-role/RoleToBeAssumed/MySessionName',
      sessionContext: { sessionIssuer: { userName: 'RoleToBeAssumed' } },
    }
    expect(lookupUsername(record({ userIdentity: identity }))).toBe('MySessionName')
    expect(lookupUsername(record({ userIdentity: { ...identity, arn: undefined } }))).toBe('MySessionName')
    expect(lookupUsername(record({ userIdentity: { ...identity, arn: undefined, principalId: undefined } }))).toBe('RoleToBeAssumed')
  })
  it('names root "root", federated users by their name, services by invokedBy', () => {
    expect(lookupUsername(record({ userIdentity: { type: 'Root', arn: 'arn:aws:iam::1:root', userName: 'my-alias' } }))).toBe('root')
    expect(lookupUsername(record({ userIdentity: { type: 'FederatedUser', arn: 'arn:aws:sts::1:federated-user/Bob' } }))).toBe('Bob')
    expect(lookupUsername(record({ userIdentity: { type: 'AWSService', invokedBy: 'rds.amazonaws.com' } }))).toBe('rds.amazonaws.com')
    expect(lookupUsername(record({ userIdentity: { invokedBy: 'secretsmanager.amazonaws.com' } }))).toBe('secretsmanager.amazonaws.com')
  })
  it('falls back to principalId for PutAuditEvents identities', () => {
    const r = record({ eventType: 'ActivityLog', userIdentity: { type: 'CustomUser', principalId: 'user-42' } })
    expect(lookupUsername(r)).toBe('user-42')
    expect(lookupUsername(record({ userIdentity: { type: 'CustomUser', principalId: 'user-42' } }))).toBeUndefined()
  })
})

describe('resources', () => {
  it('matches an ARN by itself and by its resource part', () => {
    expect(resourceNameKeys('arn:aws:s3:::my-bucket')).toEqual(['arn:aws:s3:::my-bucket', 'my-bucket'])
    expect(resourceNameKeys('arn:aws:iam::1:role/path/MyRole')).toEqual(['arn:aws:iam::1:role/path/MyRole', 'MyRole'])
    expect(resourceNameKeys('i-1234567')).toEqual(['i-1234567'])
  })
  it('reads type and ARN from resources[]', () => {
    const r = record({ resources: [{ ARN: 'arn:aws:kms:us-east-1:1:key/k1', type: 'AWS::KMS::Key', accountId: '1' }, { ARN: 'arn:x' }] })
    expect(historyAttributes(r).resources).toEqual([
      { ResourceType: 'AWS::KMS::Key', ResourceName: 'arn:aws:kms:us-east-1:1:key/k1' },
      { ResourceName: 'arn:x' },
    ])
  })
})

describe('toLookupEvent', () => {
  it('leaves out members the record has no value for', () => {
    const r = record({ eventName: 'X', eventSource: 's.amazonaws.com' })
    const e = toLookupEvent(r)
    expect(Object.keys(e)).toEqual(['EventId', 'EventName', 'EventTime', 'EventSource', 'Resources', 'CloudTrailEvent'])
    expect(e.EventTime.toISOString()).toBe('2024-05-14T09:12:03.000Z')
    expect(JSON.parse(e.CloudTrailEvent)).toEqual(r)
  })
  it('takes an Insights event name and source from insightDetails', () => {
    const r = record({ eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight', insightDetails: { eventName: 'SendCommand', eventSource: 'ssm.amazonaws.com' } })
    const e = toLookupEvent(r)
    expect([e.EventName, e.EventSource, e.Username]).toEqual(['SendCommand', 'ssm.amazonaws.com', undefined])
  })
})

describe('weightedLength', () => {
  it('counts _, space, comma and newline twice', () => {
    expect(weightedLength('abc')).toBe(3)
    expect(weightedLength('a_b c,d\n')).toBe(12)
  })
})

describe('historyAttributes of a record skeleton', () => {
  it('are those of the whole record, for every real record in the test data', () => {
    const records = [...invictusRecords(), ...stratusRecords(), ...otrfRecords()] as CloudTrailRecord[]
    for (const r of records) expect(historyAttributes(JSON.parse(skeletonJson(r)) as CloudTrailRecord)).toEqual(historyAttributes(r))
  })
})
