import { describe, expect, it } from 'vitest'
import { skeletonJson } from './skeleton.js'
import type { CloudTrailRecord } from './types.js'
import { invictusRecords } from './test-fixtures.js'

describe('skeletonJson', () => {
  it('keeps the routing and identity fields as they are and drops the payloads', () => {
    const record: CloudTrailRecord = {
      eventVersion: '1.09',
      userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::111122223333:assumed-role/R/s', sessionContext: { attributes: { mfaAuthenticated: 'false' } } },
      eventTime: '2024-05-14T09:12:03Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '192.0.2.1',
      requestParameters: { bucketName: 'b', key: 'k'.repeat(500) },
      responseElements: null,
      additionalEventData: { bytesTransferredOut: 10 },
      eventID: 'e1',
      readOnly: true,
      resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' }],
      eventType: 'AwsApiCall',
      managementEvent: false,
      recipientAccountId: '111122223333',
      eventCategory: 'Data',
      tlsDetails: { tlsVersion: 'TLSv1.3' },
    }
    const skeleton = JSON.parse(skeletonJson(record)) as Record<string, unknown>
    expect(Object.keys(skeleton).sort()).toEqual(
      ['eventVersion', 'userIdentity', 'eventTime', 'eventSource', 'eventName', 'awsRegion', 'eventID', 'readOnly', 'resources', 'eventType', 'managementEvent', 'recipientAccountId', 'eventCategory'].sort(),
    )
    expect(skeleton.userIdentity).toEqual(record.userIdentity)
    expect(skeleton.resources).toEqual(record.resources)
  })

  it('is a fraction of a real record', () => {
    const records = invictusRecords() as CloudTrailRecord[]
    const whole = records.reduce((n, r) => n + JSON.stringify(r).length, 0)
    const skeletons = records.reduce((n, r) => n + skeletonJson(r).length, 0)
    expect(skeletons / whole).toBeLessThan(0.7)
  })
})
