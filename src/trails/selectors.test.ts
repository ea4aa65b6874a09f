import { readFileSync, readdirSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { CloudTrailRecord } from '../record/index.js'
import { skeletonJson } from '../record/index.js'
import {
  InvalidEventSelectorsError,
  InvalidInsightSelectorsError,
  eventCategoryOf,
  isDataEvent,
  isInsightEvent,
  isManagementEvent,
  matches,
  validateAdvancedEventSelectors,
  validateEventSelectors,
  validateInsightSelectors,
  type AdvancedEventSelector,
  type AdvancedFieldSelector,
  type EventSelector,
  type SelectorConfig,
} from './selectors.js'

// ---------------------------------------------------------------- real records

const TESTDATA = '/work/shared/testdata'
const INVICTUS_DIR = `${TESTDATA}/invictus-ir-aws-dataset/CloudTrail`

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T)
}

/** 2,900 management events (eventVersion 1.08/1.09). */
const invictus: CloudTrailRecord[] = readdirSync(INVICTUS_DIR)
  .filter((n) => n.endsWith('.json.gz'))
  .flatMap((n) => (JSON.parse(gunzipSync(readFileSync(`${INVICTUS_DIR}/${n}`)).toString('utf8')) as { Records: CloudTrailRecord[] }).Records)

/** S3 exfiltration: eventVersion 1.05 management events without eventCategory, and 1.07 S3 data events. */
const otrf = readJsonl<CloudTrailRecord>(`${TESTDATA}/otrf-security-datasets/ec2_proxy_s3_exfiltration_2020-09-14011940.jsonl`)
const otrfData = otrf.filter((r) => r.eventCategory === 'Data')
const getObject = otrfData.find((r) => r.eventName === 'GetObject')!
const listObjects = otrfData.find((r) => r.eventName === 'ListObjects')!
const BUCKET = 'mordors3stack-s3bucket-llp2yingx64a'

/** AWS documentation examples, including Insights records. */
const docRecords = readJsonl<{ record: CloudTrailRecord }>(`${TESTDATA}/awsdocs-cloudtrail-user-guide/doc_example_records.jsonl`).map(
  (e) => e.record,
)
const insights = docRecords.filter((r) => r.eventCategory === 'Insight')

const allRecords = [...invictus, ...otrf, ...docRecords]

function matched(records: CloudTrailRecord[], config: SelectorConfig): CloudTrailRecord[] {
  return records.filter((r) => matches(r, config))
}

function dataEvent(type: string, arn: string, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.10', eventTime: '2024-05-14T09:15:42Z', awsRegion: 'eu-west-1', eventID: `id-${arn}`,
    eventCategory: 'Data', managementEvent: false, eventType: 'AwsApiCall', readOnly: false,
    eventSource: 'lambda.amazonaws.com', eventName: 'Invoke',
    resources: [{ type, ARN: arn, accountId: '111122223333' }],
    ...extra,
  }
}

describe('the test data', () => {
  it('holds what these tests rely on', () => {
    expect(invictus.length).toBeGreaterThan(2000)
    expect(invictus.every((r) => r.eventCategory === 'Management')).toBe(true)
    expect(getObject.resources?.some((r) => r.type === 'AWS::S3::Object')).toBe(true)
    expect(listObjects.resources?.some((r) => r.ARNPrefix === `arn:aws:s3:::${BUCKET}/`)).toBe(true)
    expect(otrf.some((r) => r.eventCategory === undefined)).toBe(true)
    expect(insights.length).toBeGreaterThan(0)
  })
})

// ---------------------------------------------------------------- categories

describe('event categories', () => {
  it('reads eventCategory when present', () => {
    expect(invictus.every(isManagementEvent)).toBe(true)
    expect(otrfData.every(isDataEvent)).toBe(true)
    expect(insights.every(isInsightEvent)).toBe(true)
  })

  it('infers it for records older than eventVersion 1.07', () => {
    const legacy = otrf.filter((r) => r.eventCategory === undefined)
    expect(legacy.every((r) => eventCategoryOf(r) === 'Management')).toBe(true)
    const { eventCategory: _drop, ...legacyData } = getObject
    expect(eventCategoryOf(legacyData as CloudTrailRecord)).toBe('Data')
    const { eventCategory: _drop2, ...legacyInsight } = insights[0]
    expect(eventCategoryOf(legacyInsight as CloudTrailRecord)).toBe('Insight')
  })
})

// ---------------------------------------------------------------- matching: basic

describe('matches with no selectors', () => {
  it('logs all management events, read and write, and no data or Insights events', () => {
    for (const config of [{}, { eventSelectors: [] }, { advancedEventSelectors: [] }] satisfies SelectorConfig[]) {
      expect(matched(invictus, config)).toHaveLength(invictus.length)
      expect(matched(otrf, config)).toEqual(otrf.filter((r) => eventCategoryOf(r) === 'Management'))
      expect(matched(otrfData, config)).toEqual([])
      expect(matched(insights, config)).toEqual([])
    }
  })
})

describe('matches with basic event selectors', () => {
  it('ReadOnly and WriteOnly split management events by readOnly; a missing readOnly counts as a write', () => {
    const reads = matched(invictus, { eventSelectors: [{ ReadWriteType: 'ReadOnly' }] })
    const writes = matched(invictus, { eventSelectors: [{ ReadWriteType: 'WriteOnly' }] })
    expect(reads.length).toBeGreaterThan(0)
    expect(writes.length).toBeGreaterThan(0)
    expect(reads.every((r) => r.readOnly === true)).toBe(true)
    expect(writes.every((r) => r.readOnly !== true)).toBe(true)
    expect(reads.length + writes.length).toBe(invictus.length)
    const all = matched(invictus, { eventSelectors: [{ ReadWriteType: 'All' }] })
    expect(all).toHaveLength(invictus.length)
  })

  it('ExcludeManagementEventSources drops exactly those sources', () => {
    const kms = invictus.filter((r) => r.eventSource === 'kms.amazonaws.com')
    expect(kms.length).toBeGreaterThan(0)
    const kept = matched(invictus, { eventSelectors: [{ ExcludeManagementEventSources: ['kms.amazonaws.com'] }] })
    expect(kept).toHaveLength(invictus.length - kms.length)
    expect(kept.some((r) => r.eventSource === 'kms.amazonaws.com')).toBe(false)
  })

  it('IncludeManagementEvents false with no data resources logs nothing', () => {
    expect(matched(allRecords, { eventSelectors: [{ IncludeManagementEvents: false }] })).toEqual([])
  })

  it('management-only selectors log no data events', () => {
    expect(matched(otrfData, { eventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] })).toEqual([])
  })

  it('S3 data resources: all buckets, one bucket, one prefix, another bucket', () => {
    const only = (Values: string[]): SelectorConfig => ({
      eventSelectors: [{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values }] }],
    })
    expect(matched(otrf, only(['arn:aws:s3']))).toEqual(otrfData)
    expect(matched(otrf, only(['arn:aws:s3:::']))).toEqual(otrfData)
    // The whole bucket covers object reads and the bucket-wide listing (ARNPrefix `bucket/`).
    expect(matched(otrf, only([`arn:aws:s3:::${BUCKET}/`]))).toEqual(otrfData)
    // A key prefix covers the objects under it, not a listing of the whole bucket.
    const ring = matched(otrf, only([`arn:aws:s3:::${BUCKET}/ring`]))
    expect(ring).toContain(getObject)
    expect(ring).not.toContain(listObjects)
    expect(ring.every((r) => r.eventName === 'GetObject')).toBe(true)
    expect(matched(otrf, only(['arn:aws:s3:::some-other-bucket/']))).toEqual([])
    // A bucket whose name starts like ours is another bucket.
    expect(matched(otrf, only([`arn:aws:s3:::${BUCKET.slice(0, -1)}/`]))).toEqual([])
  })

  it('data selectors apply ReadWriteType too', () => {
    const dr = [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }]
    expect(matched(otrfData, { eventSelectors: [{ ReadWriteType: 'ReadOnly', DataResources: dr }] })).toEqual(otrfData)
    expect(matched(otrfData, { eventSelectors: [{ ReadWriteType: 'WriteOnly', DataResources: dr }] })).toEqual([])
  })

  it('Lambda functions match exactly (or as a qualified ARN), or all with arn:aws:lambda', () => {
    const fn = 'arn:aws:lambda:us-west-2:111111111111:function:helloworld'
    const config = (v: string): SelectorConfig => ({ eventSelectors: [{ DataResources: [{ Type: 'AWS::Lambda::Function', Values: [v] }] }] })
    expect(matches(dataEvent('AWS::Lambda::Function', fn), config(fn))).toBe(true)
    expect(matches(dataEvent('AWS::Lambda::Function', `${fn}:PROD`), config(fn))).toBe(true)
    expect(matches(dataEvent('AWS::Lambda::Function', `${fn}2`), config(fn))).toBe(false)
    expect(matches(dataEvent('AWS::Lambda::Function', `${fn}2`), config('arn:aws:lambda'))).toBe(true)
    // The type must match too: an S3 object is not a Lambda function.
    expect(matches(dataEvent('AWS::S3::Object', 'arn:aws:s3:::b/k'), config('arn:aws:lambda'))).toBe(false)
  })

  it('DynamoDB tables match exactly, or all with arn:aws:dynamodb', () => {
    const table = 'arn:aws:dynamodb:us-east-1:111122223333:table/Orders'
    const config = (v: string): SelectorConfig => ({ eventSelectors: [{ DataResources: [{ Type: 'AWS::DynamoDB::Table', Values: [v] }] }] })
    const event = dataEvent('AWS::DynamoDB::Table', table, { eventSource: 'dynamodb.amazonaws.com', eventName: 'GetItem' })
    expect(matches(event, config(table))).toBe(true)
    expect(matches(event, config('arn:aws:dynamodb'))).toBe(true)
    expect(matches(event, config('arn:aws:dynamodb:us-east-1:111122223333:table/Order'))).toBe(false)
  })

  it('any selector is enough', () => {
    const config: SelectorConfig = {
      eventSelectors: [
        { IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] },
        { ReadWriteType: 'WriteOnly' },
      ],
    }
    const got = matched(allRecords, config)
    expect(got).toEqual(allRecords.filter((r) => isDataEvent(r) || (isManagementEvent(r) && r.readOnly !== true)))
  })
})

// ---------------------------------------------------------------- matching: advanced

const management = (...more: AdvancedFieldSelector[]): AdvancedEventSelector => ({
  FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, ...more],
})
const s3Data = (...more: AdvancedFieldSelector[]): AdvancedEventSelector => ({
  FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, ...more],
})

describe('matches with advanced event selectors', () => {
  it('eventCategory Management alone equals the default', () => {
    expect(matched(allRecords, { advancedEventSelectors: [management()] })).toEqual(matched(allRecords, {}))
  })

  it('agrees with the equivalent basic selector on every record', () => {
    const pairs: [EventSelector, AdvancedEventSelector][] = [
      [{ ReadWriteType: 'WriteOnly' }, management({ Field: 'readOnly', Equals: ['false'] })],
      [{ ReadWriteType: 'ReadOnly' }, management({ Field: 'readOnly', Equals: ['true'] })],
      [
        { ExcludeManagementEventSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
        management({ Field: 'eventSource', NotEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] }),
      ],
      [
        { IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${BUCKET}/`] }] },
        s3Data({ Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::${BUCKET}/`] }),
      ],
    ]
    for (const [basic, advanced] of pairs) {
      const viaBasic = matched(allRecords, { eventSelectors: [basic] })
      expect(viaBasic.length).toBeGreaterThan(0)
      expect(matched(allRecords, { advancedEventSelectors: [advanced] })).toEqual(viaBasic)
    }
  })

  it('filters data events by eventName with every operator', () => {
    const run = (fs: AdvancedFieldSelector) => matched(otrfData, { advancedEventSelectors: [s3Data(fs)] }).map((r) => r.eventName)
    expect(new Set(run({ Field: 'eventName', Equals: ['GetObject'] }))).toEqual(new Set(['GetObject']))
    expect(new Set(run({ Field: 'eventName', NotEquals: ['GetObject'] }))).toEqual(new Set(['ListObjects']))
    expect(new Set(run({ Field: 'eventName', StartsWith: ['List'] }))).toEqual(new Set(['ListObjects']))
    expect(new Set(run({ Field: 'eventName', NotStartsWith: ['List'] }))).toEqual(new Set(['GetObject']))
    expect(new Set(run({ Field: 'eventName', EndsWith: ['Object'] }))).toEqual(new Set(['GetObject']))
    expect(new Set(run({ Field: 'eventName', NotEndsWith: ['Object', 'Objects'] }))).toEqual(new Set())
    // Several operators on one field must all hold.
    expect(run({ Field: 'eventName', StartsWith: ['Get', 'List'], NotEndsWith: ['Objects'] })).toEqual(['GetObject', 'GetObject'])
  })

  it('filters by userIdentity.arn', () => {
    const role = 'arn:aws:sts::123456789123:assumed-role/MordorNginxStack-BankingWAFRole'
    const got = matched(otrfData, { advancedEventSelectors: [s3Data({ Field: 'userIdentity.arn', StartsWith: [role] })] })
    expect(got.length).toBeGreaterThan(0)
    expect(got).toEqual(otrfData.filter((r) => r.userIdentity?.arn?.startsWith(role)))
  })

  it('checks resources.type and resources.ARN against the same resource', () => {
    // GetObject has an object resource under bucket/ and a bucket resource (no trailing slash).
    // Excluding the bucket's objects must exclude GetObject, even though the bucket ARN itself
    // does not start with `bucket/`.
    const exclude = s3Data({ Field: 'resources.ARN', NotStartsWith: [`arn:aws:s3:::${BUCKET}/`] })
    expect(matches(getObject, { advancedEventSelectors: [exclude] })).toBe(false)
    const exact = s3Data({ Field: 'resources.ARN', Equals: [`arn:aws:s3:::${BUCKET}/ring.txt`] })
    expect(matches(getObject, { advancedEventSelectors: [exact] })).toBe(true)
    expect(matches(listObjects, { advancedEventSelectors: [exact] })).toBe(false)
    const bucketType: AdvancedEventSelector = {
      FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Bucket'] }],
    }
    expect(matches(getObject, { advancedEventSelectors: [bucketType] })).toBe(true)
    const lambda: AdvancedEventSelector = {
      FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::Lambda::Function'] }],
    }
    expect(matches(getObject, { advancedEventSelectors: [lambda] })).toBe(false)
  })

  it('a missing field fails positive operators and passes negative ones', () => {
    const ok = invictus.filter((r) => r.errorCode === undefined)
    const failed = invictus.filter((r) => r.errorCode !== undefined)
    expect(ok.length).toBeGreaterThan(0)
    expect(failed.length).toBeGreaterThan(0)
    // errorCode is a network-activity field on trails, but matching itself is field-agnostic.
    const errorEquals = management({ Field: 'errorCode', Equals: [...new Set(failed.map((r) => r.errorCode!))] })
    expect(matched(failed, { advancedEventSelectors: [errorEquals] })).toEqual(failed)
    expect(matched(ok, { advancedEventSelectors: [errorEquals] })).toEqual([])
    const errorNot = management({ Field: 'errorCode', NotEquals: ['AccessDenied'] })
    expect(matched(ok, { advancedEventSelectors: [errorNot] })).toEqual(ok)
    expect(matched(failed, { advancedEventSelectors: [errorNot] })).toEqual(failed.filter((r) => r.errorCode !== 'AccessDenied'))
  })

  it('maps readOnly and sessionCredentialFromConsole to the strings "true"/"false"', () => {
    const consoleSel = (v: string) => ({ advancedEventSelectors: [management({ Field: 'sessionCredentialFromConsole', Equals: [v] })] })
    const base = invictus[0]
    expect(matches({ ...base, sessionCredentialFromConsole: 'true' }, consoleSel('true'))).toBe(true)
    expect(matches({ ...base, sessionCredentialFromConsole: undefined }, consoleSel('true'))).toBe(false)
    expect(matches({ ...base, sessionCredentialFromConsole: undefined }, consoleSel('false'))).toBe(true)
    const { readOnly: _r, ...noReadOnly } = base
    const writes = { advancedEventSelectors: [management({ Field: 'readOnly', Equals: ['false'] })] }
    expect(matches(noReadOnly as CloudTrailRecord, writes)).toBe(true)
  })

  it('matches network activity events on eventSource, errorCode and vpcEndpointId', () => {
    const event: CloudTrailRecord = {
      eventVersion: '1.11', eventTime: '2024-05-14T09:15:42Z', awsRegion: 'us-east-1', eventID: 'n1',
      eventCategory: 'NetworkActivity', eventType: 'AwsVpceEvent', eventSource: 'kms.amazonaws.com', eventName: 'Decrypt',
      errorCode: 'VpceAccessDenied', vpcEndpointId: 'vpce-0a1b2c3d4e5f67890', managementEvent: false, readOnly: true,
    }
    const network = (...more: AdvancedFieldSelector[]): SelectorConfig => ({
      advancedEventSelectors: [{
        FieldSelectors: [{ Field: 'eventCategory', Equals: ['NetworkActivity'] }, { Field: 'eventSource', Equals: ['kms.amazonaws.com'] }, ...more],
      }],
    })
    expect(matches(event, network())).toBe(true)
    expect(matches(event, network({ Field: 'errorCode', Equals: ['VpceAccessDenied'] }))).toBe(true)
    expect(matches(event, network({ Field: 'vpcEndpointId', NotEquals: ['vpce-0a1b2c3d4e5f67890'] }))).toBe(false)
    expect(matches({ ...event, eventSource: 's3.amazonaws.com' }, network())).toBe(false)
    // Basic selectors never select network activity.
    expect(matches(event, { eventSelectors: [{ ReadWriteType: 'All' }] })).toBe(false)
    expect(matches(event, {})).toBe(false)
  })

  it('any advanced selector is enough, and advanced selectors win over basic ones', () => {
    const config: SelectorConfig = {
      advancedEventSelectors: [s3Data({ Field: 'eventName', Equals: ['GetObject'] }), management({ Field: 'readOnly', Equals: ['false'] })],
      eventSelectors: [{ ReadWriteType: 'ReadOnly' }],
    }
    const got = matched(allRecords, config)
    expect(got).toEqual(
      allRecords.filter((r) => (isDataEvent(r) && r.eventName === 'GetObject') || (isManagementEvent(r) && r.readOnly !== true)),
    )
  })

  it('never matches Insights records, whatever the selectors', () => {
    const insightSelector: AdvancedEventSelector = { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Insight'] }] }
    for (const config of [{}, { advancedEventSelectors: [insightSelector] }, { eventSelectors: [{}] }] satisfies SelectorConfig[]) {
      expect(matched(insights, config)).toEqual([])
    }
  })
})

// ---------------------------------------------------------------- validation: basic

function basicError(selectors: EventSelector[]): InvalidEventSelectorsError {
  const error = validateEventSelectors(selectors)
  expect(error).toBeInstanceOf(InvalidEventSelectorsError)
  return error!
}

describe('validateEventSelectors', () => {
  it('accepts the documented shapes', () => {
    expect(validateEventSelectors([{}])).toBeUndefined()
    expect(
      validateEventSelectors([
        { ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: [] },
        { ReadWriteType: 'ReadOnly', ExcludeManagementEventSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
        {
          ReadWriteType: 'WriteOnly',
          IncludeManagementEvents: false,
          DataResources: [
            { Type: 'AWS::S3::Object', Values: ['arn:aws:s3', 'arn:aws:s3:::', 'arn:aws:s3:::amzn-s3-demo-bucket1/', 'arn:aws:s3:::my.bucket/images/'] },
            { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda', 'arn:aws:lambda:us-west-2:111111111111:function:helloworld'] },
            { Type: 'AWS::DynamoDB::Table', Values: ['arn:aws:dynamodb', 'arn:aws:dynamodb:us-east-1:111122223333:table/Orders'] },
          ],
        },
      ]),
    ).toBeUndefined()
  })

  it('allows 1 to 5 selectors', () => {
    expect(basicError([]).message).toMatch(/valid number of event selectors \(1 to 5\)/)
    expect(validateEventSelectors(Array.from({ length: 5 }, () => ({})))).toBeUndefined()
    expect(basicError(Array.from({ length: 6 }, () => ({}))).message).toMatch(/\(1 to 5\) for a trail\. Specified: 6/)
  })

  it('rejects an unknown ReadWriteType', () => {
    const error = basicError([{ ReadWriteType: 'read-only' as never }])
    expect(error.message).toBe('Value read-only for ReadWriteType is invalid.')
    expect(error.detail).toEqual({ selectorIndex: 0, field: 'ReadWriteType', value: 'read-only' })
  })

  it('allows only kms and rdsdata in ExcludeManagementEventSources', () => {
    const error = basicError([{}, { ExcludeManagementEventSources: ['kms.amazonaws.com', 's3.amazonaws.com'] }])
    expect(error.message).toBe('Value s3.amazonaws.com for ExcludeManagementEventSources is invalid.')
    expect(error.detail.selectorIndex).toBe(1)
  })

  it('allows only the three basic data resource types', () => {
    expect(basicError([{ DataResources: [{ Type: 'AWS::S3::Bucket', Values: ['arn:aws:s3'] }] }]).message).toBe(
      'Value AWS::S3::Bucket for DataResources.Type is invalid.',
    )
    expect(basicError([{ DataResources: [{ Values: ['arn:aws:s3'] }] }]).message).toBe('Value  for DataResources.Type is invalid.')
  })

  it('needs at least one value per data resource', () => {
    expect(basicError([{ DataResources: [{ Type: 'AWS::S3::Object', Values: [] }] }]).message).toMatch(/at least one value/)
    expect(basicError([{ DataResources: [{ Type: 'AWS::S3::Object' }] }]).message).toMatch(/at least one value/)
  })

  it.each([
    ['AWS::S3::Object', 'arn:aws:s3:::*'],
    ['AWS::S3::Object', 'arn:aws:s3:::my-bucket'],
    ['AWS::S3::Object', 'arn:aws:s3:::My_Bucket/'],
    ['AWS::S3::Object', 'arn:aws:lambda'],
    ['AWS::S3::Object', 's3://bucket/'],
    ['AWS::Lambda::Function', 'arn:aws:lambda:*'],
    ['AWS::Lambda::Function', 'arn:aws:lambda:::'],
    ['AWS::Lambda::Function', 'arn:aws:lambda:us-west-2:111111111111:function'],
    ['AWS::Lambda::Function', 'arn:aws:s3'],
    ['AWS::DynamoDB::Table', 'arn:aws:dynamodb:us-east-1:111122223333:table'],
    ['AWS::DynamoDB::Table', 'arn:aws:dynamodb:us-east-1:1111:table/Orders'],
  ])('rejects %s value %s in CloudTrail words', (Type, value) => {
    const error = basicError([{ DataResources: [{ Type, Values: [value] }] }])
    expect(error.message).toBe(`Value ${value} for DataResources.Values is invalid.`)
    expect(error.detail).toEqual({ selectorIndex: 0, field: 'DataResources.Values', value })
  })

  it('limits specific data resources to 250 across selectors, not counting "all" values', () => {
    const buckets = (from: number, n: number) => Array.from({ length: n }, (_, i) => `arn:aws:s3:::bucket-${from + i}/`)
    const ok: EventSelector[] = [
      { DataResources: [{ Type: 'AWS::S3::Object', Values: [...buckets(0, 200), 'arn:aws:s3'] }] },
      { DataResources: [{ Type: 'AWS::S3::Object', Values: buckets(200, 50) }, { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }] },
    ]
    expect(validateEventSelectors(ok)).toBeUndefined()
    const tooMany: EventSelector[] = [...ok, { DataResources: [{ Type: 'AWS::S3::Object', Values: buckets(250, 1) }] }]
    expect(basicError(tooMany).message).toMatch(/valid number of DataResources.Values \(0 to 250\).*Specified: 251/)
  })
})

// ---------------------------------------------------------------- validation: advanced

function advancedError(selectors: AdvancedEventSelector[], scope?: 'trail' | 'eventDataStore'): InvalidEventSelectorsError {
  const error = validateAdvancedEventSelectors(selectors, scope ? { scope } : {})
  expect(error).toBeInstanceOf(InvalidEventSelectorsError)
  return error!
}

describe('validateAdvancedEventSelectors', () => {
  it('accepts documented trail selectors', () => {
    expect(
      validateAdvancedEventSelectors([
        { Name: 'Management events minus KMS', FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'eventSource', NotEquals: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] },
        ] },
        { Name: 'S3 writes to two buckets', FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
          { Field: 'readOnly', Equals: ['false'] },
          { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::bucket-a/', 'arn:aws:s3:::bucket-b/'] },
          { Field: 'eventName', NotEquals: ['DeleteObject'] },
          { Field: 'userIdentity.arn', NotStartsWith: ['arn:aws:sts::111122223333:assumed-role/Backup'] },
          { Field: 'eventType', Equals: ['AwsApiCall'] },
          { Field: 'sessionCredentialFromConsole', NotEquals: ['true'] },
        ] },
        { FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::DynamoDB::Stream'] },
          { Field: 'resources.ARN', Equals: ['arn:aws:dynamodb:us-east-1:111122223333:table/T/stream/2024-01-01T00:00:00.000'] },
        ] },
        { FieldSelectors: [
          { Field: 'eventCategory', Equals: ['NetworkActivity'] },
          { Field: 'eventSource', Equals: ['cloudtrail.amazonaws.com'] },
          { Field: 'errorCode', Equals: ['VpceAccessDenied'] },
          { Field: 'vpcEndpointId', StartsWith: ['vpce-'] },
        ] },
      ]),
    ).toBeUndefined()
  })

  it('allows 1 to 5 selectors', () => {
    expect(advancedError([]).message).toMatch(/\(1 to 5\)/)
    expect(advancedError(Array.from({ length: 6 }, () => management())).message).toMatch(/\(1 to 5\)\. Specified: 6/)
  })

  it('limits condition values to 500 across all selectors', () => {
    const names = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`)
    const withValues = (n: number, tag: string) => s3Data({ Field: 'eventName', Equals: names(n, tag) })
    // Each s3Data selector holds 2 more values (eventCategory, resources.type): 2 × (248 + 2) = 500.
    expect(validateAdvancedEventSelectors([withValues(248, 'a'), withValues(248, 'b')])).toBeUndefined()
    expect(advancedError([withValues(248, 'a'), withValues(249, 'b')]).message).toMatch(/501 condition values; at most 500/)
  })

  it('requires eventCategory, Equals, exactly one value', () => {
    expect(advancedError([{ FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }]).message).toBe(
      'Field eventCategory is required in every advanced event selector.',
    )
    expect(advancedError([{ FieldSelectors: [{ Field: 'eventCategory', StartsWith: ['Man'] }] }]).message).toMatch(
      /Operator StartsWith is not supported for field eventCategory; use Equals\./,
    )
    expect(advancedError([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management', 'Data'] }] }]).message).toMatch(
      /Field eventCategory must have exactly one value/,
    )
  })

  it('names an invalid eventCategory value precisely, per scope', () => {
    const insight: AdvancedEventSelector = { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Insight'] }] }
    const error = advancedError([insight])
    expect(error.message).toBe('Value Insight for field eventCategory is invalid.')
    expect(error.detail).toEqual({ selectorIndex: 0, field: 'eventCategory', value: 'Insight' })
    expect(validateAdvancedEventSelectors([insight], { scope: 'eventDataStore' })).toBeUndefined()
    expect(advancedError([{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['management'] }] }]).message).toBe(
      'Value management for field eventCategory is invalid.',
    )
  })

  it('requires resources.type for Data, with Equals and one value', () => {
    const data = (...more: AdvancedFieldSelector[]): AdvancedEventSelector[] => [
      { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, ...more] },
    ]
    expect(advancedError(data()).message).toBe('Field resources.type is required for eventCategory Data.')
    expect(advancedError(data({ Field: 'resources.type', Equals: ['AWS::S3::Object', 'AWS::Lambda::Function'] })).message).toMatch(
      /resources.type must have exactly one value/,
    )
    expect(advancedError(data({ Field: 'resources.type', StartsWith: ['AWS::S3'] })).message).toMatch(/Operator StartsWith is not supported for field resources.type/)
    expect(advancedError(data({ Field: 'resources.type', Equals: ['S3 objects'] })).message).toBe('Value S3 objects for field resources.type is invalid.')
  })

  it('requires a single Equals eventSource for network activity', () => {
    const network = (...more: AdvancedFieldSelector[]): AdvancedEventSelector[] => [
      { FieldSelectors: [{ Field: 'eventCategory', Equals: ['NetworkActivity'] }, ...more] },
    ]
    expect(advancedError(network()).message).toBe('Field eventSource is required for eventCategory NetworkActivity.')
    expect(advancedError(network({ Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] })).message).toMatch(/Operator NotEquals/)
    expect(
      advancedError(network({ Field: 'eventSource', Equals: ['kms.amazonaws.com'] }, { Field: 'errorCode', Equals: ['AccessDenied'] })).message,
    ).toBe('Value AccessDenied for field errorCode is invalid.')
  })

  it('limits management selectors on trails to readOnly and eventSource NotEquals kms/rdsdata', () => {
    expect(advancedError([management({ Field: 'eventName', Equals: ['CreateUser'] })]).message).toBe(
      'Field eventName is not supported for eventCategory Management.',
    )
    expect(advancedError([management({ Field: 'eventSource', Equals: ['kms.amazonaws.com'] })]).message).toMatch(/Operator Equals is not supported for field eventSource; use NotEquals/)
    expect(advancedError([management({ Field: 'eventSource', NotEquals: ['s3.amazonaws.com'] })]).message).toBe(
      'Value s3.amazonaws.com for field eventSource is invalid.',
    )
    expect(advancedError([management({ Field: 'resources.type', Equals: ['AWS::S3::Object'] })]).message).toMatch(/not supported for eventCategory Management/)
    // Event data stores allow more.
    expect(
      validateAdvancedEventSelectors([management({ Field: 'eventName', Equals: ['CreateUser'] }, { Field: 'eventSource', Equals: ['iam.amazonaws.com'] })], {
        scope: 'eventDataStore',
      }),
    ).toBeUndefined()
  })

  it('allows only Equals true/false on readOnly', () => {
    expect(advancedError([management({ Field: 'readOnly', Equals: ['yes'] })]).message).toBe('Value yes for field readOnly is invalid.')
    expect(advancedError([management({ Field: 'readOnly', NotEquals: ['true'] })]).message).toMatch(/Operator NotEquals is not supported for field readOnly/)
  })

  it('rejects unknown, malformed and repeated fields', () => {
    expect(advancedError([management({ Field: 'userName', Equals: ['bob'] })]).message).toBe('Field userName is not supported in advanced event selectors.')
    expect(advancedError([management({ Field: 'event Name', Equals: ['x'] })]).message).toBe('Value event Name for Field is invalid.')
    expect(advancedError([management({ Field: '', Equals: ['x'] })]).message).toBe('Value  for Field is invalid.')
    expect(advancedError([management({ Field: 'x'.repeat(1001), Equals: ['x'] })]).detail.field).toBe('Field')
    expect(
      advancedError([management({ Field: 'readOnly', Equals: ['true'] }, { Field: 'readOnly', Equals: ['false'] })]).message,
    ).toBe('Field readOnly is specified more than once in an advanced event selector.')
  })

  it('rejects empty lists and empty or overlong values', () => {
    expect(advancedError([{ FieldSelectors: [] }]).message).toBe('An advanced event selector must contain at least one field selector.')
    expect(advancedError([s3Data({ Field: 'eventName' })]).message).toBe('Field eventName must have at least one operator.')
    expect(advancedError([s3Data({ Field: 'eventName', Equals: [] })]).message).toBe('Operator Equals for field eventName must have at least one value.')
    expect(advancedError([s3Data({ Field: 'eventName', Equals: [''] })]).message).toMatch(/between 1 and 2048/)
    expect(advancedError([s3Data({ Field: 'eventName', Equals: ['x'.repeat(2049)] })]).message).toMatch(/between 1 and 2048/)
    expect(validateAdvancedEventSelectors([s3Data({ Field: 'eventName', Equals: ['x'.repeat(2048)] })])).toBeUndefined()
  })

  it('limits selector names to 1000 characters', () => {
    expect(validateAdvancedEventSelectors([{ ...management(), Name: 'n'.repeat(1000) }])).toBeUndefined()
    expect(advancedError([{ ...management(), Name: 'n'.repeat(1001) }]).detail.field).toBe('Name')
  })

  it('requires whole ARNs for resources.ARN Equals/NotEquals', () => {
    expect(advancedError([s3Data({ Field: 'resources.ARN', Equals: ['my-bucket/key'] })]).message).toBe(
      'Value my-bucket/key for field resources.ARN is invalid.',
    )
    expect(validateAdvancedEventSelectors([s3Data({ Field: 'resources.ARN', EndsWith: ['.csv'] })])).toBeUndefined()
  })

  it('reports which selector failed', () => {
    const error = advancedError([management(), management(), { FieldSelectors: [{ Field: 'readOnly', Equals: ['true'] }] }])
    expect(error.detail.selectorIndex).toBe(2)
  })
})

// ---------------------------------------------------------------- validation: insights

describe('validateInsightSelectors', () => {
  it('accepts both types, with or without categories, and the empty list', () => {
    expect(validateInsightSelectors([])).toBeUndefined()
    expect(
      validateInsightSelectors([
        { InsightType: 'ApiCallRateInsight' },
        { InsightType: 'ApiErrorRateInsight', EventCategories: ['Management', 'Data'] },
      ]),
    ).toBeUndefined()
  })

  it('rejects unknown, missing and repeated types, and unknown categories', () => {
    const check = (selectors: Parameters<typeof validateInsightSelectors>[0]) => {
      const error = validateInsightSelectors(selectors)
      expect(error).toBeInstanceOf(InvalidInsightSelectorsError)
      return error!
    }
    expect(check([{ InsightType: 'ApiCallRate' as never }]).message).toBe(
      'Value ApiCallRate for InsightType is invalid. Valid values for InsightType are ApiCallRateInsight and ApiErrorRateInsight.',
    )
    expect(check([{}]).detail.field).toBe('InsightType')
    expect(check([{ InsightType: 'ApiCallRateInsight' }, { InsightType: 'ApiCallRateInsight' }]).detail).toEqual({
      selectorIndex: 1, field: 'InsightType', value: 'ApiCallRateInsight',
    })
    expect(check([{ InsightType: 'ApiCallRateInsight', EventCategories: ['Network' as never] }]).message).toBe(
      'Value Network for EventCategories is invalid.',
    )
  })

  it('with the trail configuration, requires the management events each type analyses', () => {
    const readsOnly: SelectorConfig = { eventSelectors: [{ ReadWriteType: 'ReadOnly' }] }
    const noManagement: SelectorConfig = {
      eventSelectors: [{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
    }
    expect(validateInsightSelectors([{ InsightType: 'ApiCallRateInsight' }], {})).toBeUndefined()
    expect(validateInsightSelectors([{ InsightType: 'ApiCallRateInsight' }], readsOnly)?.message).toBe(
      'ApiCallRateInsight on management events requires the trail to log write management events.',
    )
    expect(validateInsightSelectors([{ InsightType: 'ApiErrorRateInsight' }], readsOnly)).toBeUndefined()
    expect(validateInsightSelectors([{ InsightType: 'ApiErrorRateInsight' }], noManagement)?.message).toMatch(/read or write management events/)
    // Insights on data events only do not need management events.
    expect(validateInsightSelectors([{ InsightType: 'ApiCallRateInsight', EventCategories: ['Data'] }], noManagement)).toBeUndefined()
    const advancedWrites: SelectorConfig = { advancedEventSelectors: [management({ Field: 'readOnly', Equals: ['false'] })] }
    expect(validateInsightSelectors([{ InsightType: 'ApiCallRateInsight' }], advancedWrites)).toBeUndefined()
  })
})

describe('matches on a record skeleton', () => {
  it('decides as on the whole record, for every kind of selector', () => {
    const skeletons = new Map(allRecords.map((r) => [r, JSON.parse(skeletonJson(r)) as CloudTrailRecord]))
    const configs: SelectorConfig[] = [
      {},
      { eventSelectors: [{ ReadWriteType: 'ReadOnly', ExcludeManagementEventSources: ['kms.amazonaws.com'] }] },
      { eventSelectors: [{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: [`arn:aws:s3:::${BUCKET}/`] }] }] },
      { advancedEventSelectors: [s3Data({ Field: 'userIdentity.arn', StartsWith: ['arn:aws:sts::'] })] },
      { advancedEventSelectors: [management({ Field: 'errorCode', NotEquals: ['AccessDenied'] }, { Field: 'sessionCredentialFromConsole', Equals: ['false'] })] },
      { advancedEventSelectors: [s3Data({ Field: 'resources.ARN', StartsWith: [`arn:aws:s3:::${BUCKET}`] }, { Field: 'readOnly', Equals: ['true'] })] },
    ]
    for (const config of configs) {
      const bySkeleton = allRecords.filter((r) => matches(skeletons.get(r)!, config))
      expect(bySkeleton).toEqual(matched(allRecords, config))
    }
  })
})
