/**
 * The trail API end to end: the real server, the real @aws-sdk/client-cloudtrail (and once
 * the real AWS CLI), shapes checked against botocore's model, CloudTrail's error codes,
 * shadow trails across Regions, and trail changes recorded as management events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import {
  AddTagsCommand,
  CreateTrailCommand,
  DeleteTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetInsightSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  ListTagsCommand,
  ListTrailsCommand,
  LookupEventsCommand,
  PutEventSelectorsCommand,
  PutInsightSelectorsCommand,
  RemoveTagsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail'
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { CLI, startServer } from '../support/server.js'
import type { TestServer } from '../support/server.js'
import { eventually } from '../support/events.js'
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../support/moto.js'

const BOTOCORE_MODEL = '/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/botocore/data/cloudtrail/2013-11-01/service-2.json.gz'
type Model = { operations: Record<string, { output?: { shape: string } }>; shapes: Record<string, { members?: Record<string, { shape: string }> }> }
const model = JSON.parse(gunzipSync(readFileSync(BOTOCORE_MODEL)).toString()) as Model

/** Member names of an operation's output (or of a named shape) in botocore's model. */
function members(shapeOrOperation: string): string[] {
  const shape = model.operations[shapeOrOperation]?.output?.shape ?? shapeOrOperation
  return Object.keys(model.shapes[shape]!.members!)
}

/** What came over the wire, without the SDK's $metadata. */
function wire<T extends object>(output: T): Omit<T, '$metadata'> {
  const { $metadata: _m, ...rest } = output as T & { $metadata: unknown }
  return rest
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as { name: string; message: string }
    return { name: e.name, message: e.message }
  }
  throw new Error('expected the call to fail')
}

let server: TestServer
let east: CloudTrailClient
let west: CloudTrailClient
let account: string
const arnOf = (name: string, region = 'us-east-1') => `arn:aws:cloudtrail:${region}:${account}:trail/${name}`

beforeAll(async () => {
  server = await startServer()
  account = server.accountId
  east = server.client('us-east-1')
  west = server.client('eu-west-1')
})
afterAll(async () => {
  await server?.stop()
  server?.cleanup()
})

describe('the default trail', () => {
  it('exists on first start: multi-Region, validated, logging, into opentrail-<account>', async () => {
    const { trailList } = await east.send(new DescribeTrailsCommand({ trailNameList: ['default'] }))
    expect(trailList).toEqual([
      {
        Name: 'default', S3BucketName: `opentrail-${account}`, IncludeGlobalServiceEvents: true, IsMultiRegionTrail: true,
        HomeRegion: 'us-east-1', TrailARN: arnOf('default'), LogFileValidationEnabled: true,
        HasCustomEventSelectors: false, HasInsightSelectors: false, IsOrganizationTrail: false,
      },
    ])
    expect((await east.send(new GetTrailStatusCommand({ Name: 'default' }))).IsLogging).toBe(true)
    expect(existsSync(join(server.dataDir, 'buckets', `opentrail-${account}`))).toBe(true)
    const selectors = wire(await east.send(new GetEventSelectorsCommand({ TrailName: 'default' })))
    expect(selectors).toEqual({
      TrailARN: arnOf('default'),
      EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] }],
    })
  })

  it('is not made again after a restart once deleted', async () => {
    const other = await startServer()
    try {
      await other.client().send(new DeleteTrailCommand({ Name: 'default' }))
      await other.stop()
      const again = await startServer({ dataDir: other.dataDir, credentials: other.credentials })
      try {
        expect((await again.client().send(new DescribeTrailsCommand({}))).trailList).toEqual([])
      } finally {
        await again.stop()
      }
    } finally {
      await other.stop()
      other.cleanup()
    }
  })
})

describe('trails', () => {
  it('CreateTrail answers with exactly the members CloudTrail does, and logging stays off', async () => {
    const key = JSON.parse(
      (await promisify(execFile)(process.execPath, [CLI, 'kms', 'create-key', '--data-dir', server.dataDir, '--output', 'json'])).stdout,
    )[0] as { KeyArn: string }
    const keyId = key.KeyArn.split('/').pop()!
    const out = wire(
      await east.send(
        new CreateTrailCommand({
          Name: 'shapes', S3BucketName: 'shapes-bucket', S3KeyPrefix: 'logs', SnsTopicName: 'alerts',
          EnableLogFileValidation: true, KmsKeyId: keyId, TagsList: [{ Key: 'team', Value: 'sec' }],
        }),
      ),
    )
    expect(out).toEqual({
      Name: 'shapes', S3BucketName: 'shapes-bucket', S3KeyPrefix: 'logs', SnsTopicName: 'alerts', SnsTopicARN: `arn:aws:sns:us-east-1:${account}:alerts`,
      IncludeGlobalServiceEvents: true, IsMultiRegionTrail: false, TrailARN: arnOf('shapes'), LogFileValidationEnabled: true,
      KmsKeyId: key.KeyArn, IsOrganizationTrail: false,
    })
    expect(members('CreateTrail')).toEqual(expect.arrayContaining(Object.keys(out)))
    const { Trail } = await east.send(new GetTrailCommand({ Name: 'shapes' }))
    expect(members('Trail')).toEqual(expect.arrayContaining(Object.keys(Trail!)))
    expect(Trail).toMatchObject({ HomeRegion: 'us-east-1', HasCustomEventSelectors: false })
    const status = wire(await east.send(new GetTrailStatusCommand({ Name: 'shapes' })))
    expect(members('GetTrailStatus')).toEqual(expect.arrayContaining(Object.keys(status)))
    expect(status).toEqual({
      IsLogging: false, LatestDeliveryAttemptTime: '', LatestNotificationAttemptTime: '', LatestNotificationAttemptSucceeded: '',
      LatestDeliveryAttemptSucceeded: '', TimeLoggingStarted: '', TimeLoggingStopped: '',
    })
    const list = await east.send(new ListTrailsCommand({}))
    expect(members('TrailInfo')).toEqual(expect.arrayContaining(Object.keys(list.Trails![0]!)))
    expect(list.Trails).toContainEqual({ TrailARN: arnOf('shapes'), Name: 'shapes', HomeRegion: 'us-east-1' })
    // The folder store made the bucket for the user.
    expect(existsSync(join(server.dataDir, 'buckets', 'shapes-bucket'))).toBe(true)
  })

  it('starts and stops logging, reported by GetTrailStatus', async () => {
    await east.send(new CreateTrailCommand({ Name: 'logger', S3BucketName: 'logger-bucket' }))
    const before = Date.now()
    await east.send(new StartLoggingCommand({ Name: 'logger' }))
    const on = await east.send(new GetTrailStatusCommand({ Name: arnOf('logger') }))
    expect(on.IsLogging).toBe(true)
    expect(on.StartLoggingTime!.getTime()).toBeGreaterThanOrEqual(before - 1000)
    expect(on.TimeLoggingStarted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    await east.send(new StopLoggingCommand({ Name: arnOf('logger') }))
    const off = await east.send(new GetTrailStatusCommand({ Name: 'logger' }))
    expect(off.IsLogging).toBe(false)
    expect(off.StopLoggingTime!.getTime()).toBeGreaterThanOrEqual(on.StartLoggingTime!.getTime())
    await east.send(new DeleteTrailCommand({ Name: 'logger' }))
  })

  it('updates only the given members, by name or ARN', async () => {
    await east.send(new CreateTrailCommand({ Name: 'upd', S3BucketName: 'upd-bucket', S3KeyPrefix: 'a', SnsTopicName: 'topic' }))
    const out = await east.send(new UpdateTrailCommand({ Name: arnOf('upd'), S3KeyPrefix: 'b', SnsTopicName: '', EnableLogFileValidation: true }))
    expect(out).toMatchObject({ Name: 'upd', S3BucketName: 'upd-bucket', S3KeyPrefix: 'b', LogFileValidationEnabled: true })
    expect(out.SnsTopicName).toBeUndefined()
    const multi = await east.send(new UpdateTrailCommand({ Name: 'upd', IsMultiRegionTrail: true }))
    expect(multi.IsMultiRegionTrail).toBe(true)
    expect((await west.send(new GetTrailCommand({ Name: 'upd' }))).Trail!.HomeRegion).toBe('us-east-1')
    await east.send(new DeleteTrailCommand({ Name: arnOf('upd') }))
    expect((await errorOf(east.send(new GetTrailCommand({ Name: 'upd' })))).name).toBe('TrailNotFoundException')
  })

  it('shows multi-Region trails as shadows in other Regions, changeable only from home', async () => {
    await east.send(new CreateTrailCommand({ Name: 'everywhere', S3BucketName: 'ev-bucket', IsMultiRegionTrail: true }))
    await east.send(new CreateTrailCommand({ Name: 'eastonly', S3BucketName: 'ev-bucket' }))
    const shadows = await west.send(new DescribeTrailsCommand({}))
    const names = shadows.trailList!.map((t) => t.Name)
    expect(names).toContain('everywhere')
    expect(names).not.toContain('eastonly')
    expect((await west.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList).toEqual([])
    expect((await west.send(new GetTrailCommand({ Name: arnOf('everywhere') }))).Trail!.TrailARN).toBe(arnOf('everywhere'))
    expect((await west.send(new GetTrailStatusCommand({ Name: arnOf('everywhere') }))).IsLogging).toBe(false)
    expect((await errorOf(west.send(new GetTrailCommand({ Name: 'eastonly' })))).name).toBe('TrailNotFoundException')
    for (const command of [
      new UpdateTrailCommand({ Name: arnOf('everywhere'), S3KeyPrefix: 'x' }),
      new StartLoggingCommand({ Name: 'everywhere' }),
      new DeleteTrailCommand({ Name: 'everywhere' }),
      new PutEventSelectorsCommand({ TrailName: 'everywhere', EventSelectors: [{ ReadWriteType: 'All' }] }),
    ]) {
      expect((await errorOf(west.send(command as never))).name).toBe('InvalidHomeRegionException')
    }
    // A trail of the same name cannot appear in the other Region while the shadow is there.
    expect((await errorOf(west.send(new CreateTrailCommand({ Name: 'everywhere', S3BucketName: 'ev-bucket' })))).name).toBe('TrailAlreadyExistsException')
    await east.send(new DeleteTrailCommand({ Name: 'everywhere' }))
    await east.send(new DeleteTrailCommand({ Name: 'eastonly' }))
  })

  it('allows 5 trails per Region, the default multi-Region trail included', async () => {
    const tokyo = server.client('ap-northeast-1')
    for (let i = 1; i <= 4; i++) await tokyo.send(new CreateTrailCommand({ Name: `quota${i}`, S3BucketName: 'quota-bucket' }))
    const error = await errorOf(tokyo.send(new CreateTrailCommand({ Name: 'quota5', S3BucketName: 'quota-bucket' })))
    expect(error.name).toBe('MaximumNumberOfTrailsExceededException')
    expect((await tokyo.send(new ListTrailsCommand({}))).Trails).toHaveLength(5)
    for (let i = 1; i <= 4; i++) await tokyo.send(new DeleteTrailCommand({ Name: `quota${i}` }))
  })

  it('answers with CloudTrail\'s error codes', async () => {
    await east.send(new CreateTrailCommand({ Name: 'errs', S3BucketName: 'errs-bucket' }))
    const cases: [() => Promise<unknown>, string, RegExp?][] = [
      [() => east.send(new CreateTrailCommand({ Name: 'errs', S3BucketName: 'errs-bucket' })), 'TrailAlreadyExistsException'],
      [() => east.send(new GetTrailCommand({ Name: 'missing' })), 'TrailNotFoundException', new RegExp(`^Unknown trail: missing for the user: ${account}$`)],
      [() => east.send(new GetTrailCommand({ Name: arnOf('missing') })), 'TrailNotFoundException'],
      [() => east.send(new CreateTrailCommand({ Name: 'ab', S3BucketName: 'errs-bucket' })), 'InvalidTrailNameException', /too short/],
      [() => east.send(new CreateTrailCommand({ Name: 'a--b', S3BucketName: 'errs-bucket' })), 'InvalidTrailNameException'],
      [() => east.send(new GetTrailCommand({ Name: 'arn:aws:cloudtrail:nonsense' })), 'CloudTrailARNInvalidException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'Bad_Bucket' })), 'InvalidS3BucketNameException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'errs-bucket', KmsKeyId: 'not-a-key' })), 'InvalidKmsKeyIdException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'errs-bucket', IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false })), 'InvalidParameterCombinationException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'errs-bucket', CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${account}:log-group:g:*` })), 'InvalidParameterCombinationException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'errs-bucket', TagsList: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}` })) })), 'TagsLimitExceededException'],
      [() => east.send(new CreateTrailCommand({ Name: 'errs2', S3BucketName: 'errs-bucket', TagsList: [{ Key: 'bad<key>' }] })), 'InvalidTagParameterException'],
      [() => east.send(new PutEventSelectorsCommand({ TrailName: 'errs', EventSelectors: [{ ReadWriteType: 'Sometimes' as never }] })), 'InvalidEventSelectorsException'],
      [() => east.send(new PutEventSelectorsCommand({ TrailName: 'errs', AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventName', Equals: ['X'] }] }] })), 'InvalidEventSelectorsException'],
      [() => east.send(new PutEventSelectorsCommand({ TrailName: 'errs', EventSelectors: [], AdvancedEventSelectors: [] })), 'InvalidEventSelectorsException'],
      [() => east.send(new PutInsightSelectorsCommand({ TrailName: 'errs', InsightSelectors: [{ InsightType: 'Nope' as never }] })), 'InvalidInsightSelectorsException'],
      [() => east.send(new GetInsightSelectorsCommand({ TrailName: 'errs' })), 'InsightNotEnabledException'],
      [() => east.send(new AddTagsCommand({ ResourceId: arnOf('missing'), TagsList: [{ Key: 'a' }] })), 'ResourceNotFoundException'],
      [() => east.send(new AddTagsCommand({ ResourceId: 'errs', TagsList: [{ Key: 'a' }] })), 'CloudTrailARNInvalidException'],
      [() => east.send(new ListTagsCommand({ ResourceIdList: [arnOf('missing')] })), 'ResourceNotFoundException'],
    ]
    for (const [send, code, message] of cases) {
      const error = await errorOf(send())
      expect(error.name, `${code}: ${error.message}`).toBe(code)
      if (message) expect(error.message).toMatch(message)
    }
    await east.send(new DeleteTrailCommand({ Name: 'errs' }))
  })
})

describe('selectors and tags', () => {
  beforeAll(async () => {
    await east.send(new CreateTrailCommand({ Name: 'sel', S3BucketName: 'sel-bucket' }))
  })

  it('round-trips basic selectors, then advanced ones replace them', async () => {
    const basic = [
      { ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::sel-bucket/'] }], ExcludeManagementEventSources: ['kms.amazonaws.com'] },
    ]
    const put = wire(await east.send(new PutEventSelectorsCommand({ TrailName: 'sel', EventSelectors: basic })))
    expect(put).toEqual({ TrailARN: arnOf('sel'), EventSelectors: basic })
    expect(members('PutEventSelectors')).toEqual(expect.arrayContaining(Object.keys(put)))
    expect(wire(await east.send(new GetEventSelectorsCommand({ TrailName: arnOf('sel') })))).toEqual(put)
    expect((await east.send(new GetTrailCommand({ Name: 'sel' }))).Trail!.HasCustomEventSelectors).toBe(true)

    const advanced = [
      { Name: 'writes', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
      { Name: 's3', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }, { Field: 'resources.ARN', StartsWith: ['arn:aws:s3:::sel-bucket/'] }] },
    ]
    await east.send(new PutEventSelectorsCommand({ TrailName: 'sel', AdvancedEventSelectors: advanced }))
    expect(wire(await east.send(new GetEventSelectorsCommand({ TrailName: 'sel' })))).toEqual({ TrailARN: arnOf('sel'), AdvancedEventSelectors: advanced })
  })

  it('round-trips Insights selectors', async () => {
    await east.send(new PutEventSelectorsCommand({ TrailName: 'sel', EventSelectors: [{ ReadWriteType: 'All' }] }))
    const selectors = [{ InsightType: 'ApiCallRateInsight' as const }, { InsightType: 'ApiErrorRateInsight' as const }]
    const put = wire(await east.send(new PutInsightSelectorsCommand({ TrailName: 'sel', InsightSelectors: selectors })))
    expect(put).toEqual({ TrailARN: arnOf('sel'), InsightSelectors: selectors })
    expect(wire(await east.send(new GetInsightSelectorsCommand({ TrailName: 'sel' })))).toEqual(put)
    expect((await east.send(new GetTrailCommand({ Name: 'sel' }))).Trail!.HasInsightSelectors).toBe(true)
    await east.send(new PutInsightSelectorsCommand({ TrailName: 'sel', InsightSelectors: [] }))
    expect((await errorOf(east.send(new GetInsightSelectorsCommand({ TrailName: 'sel' })))).name).toBe('InsightNotEnabledException')
  })

  it('adds, overwrites, lists and removes tags', async () => {
    const arn = arnOf('sel')
    await east.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'env', Value: 'prod' }, { Key: 'owner', Value: 'me' }] }))
    await east.send(new AddTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'env', Value: 'dev' }] }))
    const listed = wire(await east.send(new ListTagsCommand({ ResourceIdList: [arn] })))
    expect(listed).toEqual({ ResourceTagList: [{ ResourceId: arn, TagsList: [{ Key: 'env', Value: 'dev' }, { Key: 'owner', Value: 'me' }] }] })
    expect(members('ListTags')).toEqual(expect.arrayContaining(Object.keys(listed)))
    await east.send(new RemoveTagsCommand({ ResourceId: arn, TagsList: [{ Key: 'env' }] }))
    expect((await east.send(new ListTagsCommand({ ResourceIdList: [arn] }))).ResourceTagList![0]!.TagsList).toEqual([{ Key: 'owner', Value: 'me' }])
  })
})

describe('trail changes in Event History', () => {
  it('records CreateTrail as a cloudtrail.amazonaws.com management event naming the trail', async () => {
    await east.send(new CreateTrailCommand({ Name: 'recorded', S3BucketName: 'rec-bucket' }))
    const event = await eventually(async () => {
      const { Events } = await east.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: arnOf('recorded') }] }))
      return Events?.find((e) => e.EventName === 'CreateTrail')
    })
    expect(event.EventSource).toBe('cloudtrail.amazonaws.com')
    expect(event.Resources).toEqual([{ ResourceType: 'AWS::CloudTrail::Trail', ResourceName: arnOf('recorded') }])
    const record = JSON.parse(event.CloudTrailEvent!)
    expect(record).toMatchObject({
      eventName: 'CreateTrail', readOnly: false, managementEvent: true, eventCategory: 'Management',
      requestParameters: { Name: 'recorded', S3BucketName: 'rec-bucket' },
      responseElements: { TrailARN: arnOf('recorded'), Name: 'recorded' },
      resources: [{ ARN: arnOf('recorded'), accountId: account, type: 'AWS::CloudTrail::Trail' }],
    })
    await east.send(new DeleteTrailCommand({ Name: 'recorded' }))
    await eventually(async () => {
      const { Events } = await east.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'DeleteTrail' }] }))
      return Events?.find((e) => e.Resources?.some((r) => r.ResourceName === arnOf('recorded')))
    })
  })
})

describe('with the AWS CLI', () => {
  it('create-trail then describe-trails', async () => {
    const run = promisify(execFile)
    const env = {
      PATH: process.env.PATH!, HOME: process.env.HOME!,
      AWS_ACCESS_KEY_ID: server.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    }
    const aws = (...args: string[]) => run('aws', ['--endpoint-url', server.endpoint, '--output', 'json', 'cloudtrail', ...args], { env })
    const created = JSON.parse((await aws('create-trail', '--name', 'from-cli', '--s3-bucket-name', 'cli-bucket')).stdout)
    expect(created).toMatchObject({ Name: 'from-cli', S3BucketName: 'cli-bucket', TrailARN: arnOf('from-cli'), IsMultiRegionTrail: false })
    const described = JSON.parse((await aws('describe-trails', '--trail-name-list', 'from-cli')).stdout)
    expect(described.trailList).toEqual([expect.objectContaining({ Name: 'from-cli', HomeRegion: 'us-east-1', TrailARN: arnOf('from-cli') })])
    await aws('delete-trail', '--name', 'from-cli')
  })
})

describe('with an S3-compatible store', () => {
  it('refuses a missing bucket with S3BucketDoesNotExistException and accepts an existing one', async () => {
    const moto = await startMoto()
    if (!moto) return // startMoto warned; in CI it throws instead
    const s3server = await startServer({
      args: ['--s3-endpoint', moto.endpoint],
      env: { AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey, AWS_REGION: MOTO_REGION, OPENTRAIL_S3_FORCE_PATH_STYLE: 'true' },
    })
    try {
      const client = s3server.client()
      const error = await errorOf(client.send(new CreateTrailCommand({ Name: 'on-s3', S3BucketName: 'not-there' })))
      expect(error.name).toBe('S3BucketDoesNotExistException')
      const s3 = new S3Client({ endpoint: moto.endpoint, region: MOTO_REGION, forcePathStyle: true, credentials: MOTO_CREDENTIALS })
      await s3.send(new CreateBucketCommand({ Bucket: 'is-there' }))
      const out = await client.send(new CreateTrailCommand({ Name: 'on-s3', S3BucketName: 'is-there' }))
      expect(out.S3BucketName).toBe('is-there')
      expect((await errorOf(client.send(new UpdateTrailCommand({ Name: 'on-s3', S3BucketName: 'not-there' })))).name).toBe('S3BucketDoesNotExistException')
      // The default trail's bucket was made in the S3 store at first start.
      const { trailList } = await client.send(new DescribeTrailsCommand({ trailNameList: ['default'] }))
      expect(trailList![0]!.S3BucketName).toBe(`opentrail-${s3server.accountId}`)
      const head = await fetch(`${moto.endpoint}/opentrail-${s3server.accountId}`, { method: 'HEAD' })
      expect(head.status).toBe(200)
      s3.destroy()
    } finally {
      await s3server.stop()
      s3server.cleanup()
      await moto.stop()
    }
  })
})
