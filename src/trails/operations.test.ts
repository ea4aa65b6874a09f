import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { ApiError } from '../api/index.js'
import type { JsonObject, Operation, RequestContext } from '../api/index.js'
import { openDatabase } from '../journal/index.js'
import { FileObjectStore } from '../storage/index.js'
import { SqliteTrailStore } from './sqlite-trail-store.js'
import { trailOperations } from './operations.js'
import type { TrailOperationDeps } from './operations.js'
import { ensureDefaultTrail } from './default-trail.js'
import { TrailError } from './errors.js'

const ACCOUNT = '111122223333'
let dir: string
let db: Database.Database
let store: SqliteTrailStore
let objectStore: FileObjectStore
let head = 0

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trail-ops-'))
  db = openDatabase(join(dir, 'test.db'))
  store = new SqliteTrailStore(db)
  objectStore = new FileObjectStore(join(dir, 'buckets'))
  head = 7
})
afterEach(() => {
  db.close()
  rmSync(dir, { recursive: true, force: true })
})

function ops(extra: Partial<TrailOperationDeps> = {}): Record<string, Operation> {
  return trailOperations({ store, objectStore, createMissingBuckets: true, journalHead: async () => head, ...extra })
}

function ctx(region = 'us-east-1', accountId = ACCOUNT): RequestContext {
  return {
    requestId: 'r', region, caller: { accountId, accessKeyId: 'AKIA', userName: 'u' }, sourceIp: '127.0.0.1', receivedAt: new Date('2024-05-01T10:00:00Z'),
  }
}

async function call(table: Record<string, Operation>, op: string, input: JsonObject, c = ctx()) {
  const output = await table[op]!.handle(input, c)
  return { output, resources: table[op]!.resources?.(input, output, c) }
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (error instanceof TrailError || error instanceof ApiError) return error.code
    throw error
  }
  throw new Error('expected a coded error')
}

describe('trail operations', () => {
  it('CreateTrail makes the bucket folder, leaves logging off and names the trail in resources', async () => {
    const t = ops()
    const { output, resources } = await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'my-bucket', SnsTopicName: 'topic', KmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab' })
    const arn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/audit`
    expect(output).toEqual({
      Name: 'audit', S3BucketName: 'my-bucket', SnsTopicName: 'topic', SnsTopicARN: `arn:aws:sns:us-east-1:${ACCOUNT}:topic`,
      IncludeGlobalServiceEvents: true, IsMultiRegionTrail: false, TrailARN: arn, LogFileValidationEnabled: false,
      KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, IsOrganizationTrail: false,
    })
    expect(resources).toEqual([{ ARN: arn, accountId: ACCOUNT, type: 'AWS::CloudTrail::Trail' }])
    expect(existsSync(join(dir, 'buckets', 'my-bucket'))).toBe(true)
    expect((await call(t, 'GetTrailStatus', { Name: 'audit' })).output.IsLogging).toBe(false)
  })

  it('without bucket creation a missing bucket is S3BucketDoesNotExistException', async () => {
    const t = ops({ createMissingBuckets: false })
    expect(await codeOf(call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'nope' }))).toBe('S3BucketDoesNotExistException')
    await objectStore.createBucket('yes')
    await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'yes' })
    expect(await codeOf(call(t, 'UpdateTrail', { Name: 'audit', S3BucketName: 'nope' }))).toBe('S3BucketDoesNotExistException')
  })

  it('checks KmsKeyId with the key service hook when there is one', async () => {
    const known = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    const t = ops({ kmsKeyResolver: (ref) => (ref === 'alias/logs' ? known : undefined) })
    expect(await codeOf(call(t, 'CreateTrail', { Name: 'aa1', S3BucketName: 'b-1', KmsKeyId: 'alias/other' }))).toBe('KmsKeyNotFoundException')
    expect(await codeOf(call(t, 'CreateTrail', { Name: 'aa1', S3BucketName: 'b-1', KmsKeyId: 'not a key' }))).toBe('InvalidKmsKeyIdException')
    expect((await call(t, 'CreateTrail', { Name: 'aa1', S3BucketName: 'b-1', KmsKeyId: 'alias/logs' })).output.KmsKeyId).toBe(known)
  })

  it('StartLogging remembers the journal head; starting again keeps it', async () => {
    const t = ops()
    await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'b-1' })
    await call(t, 'StartLogging', { Name: 'audit' })
    head = 20
    await call(t, 'StartLogging', { Name: 'audit' })
    const trail = store.listForAccount(ACCOUNT)[0]!
    expect(trail).toMatchObject({ isLogging: true, loggingStartedSeq: 7, startLoggingTime: new Date('2024-05-01T10:00:00Z') })
    const { output } = await call(t, 'GetTrailStatus', { Name: 'audit' })
    expect(output).toMatchObject({ IsLogging: true, TimeLoggingStarted: '2024-05-01T10:00:00Z', TimeLoggingStopped: '' })
  })

  it('reports delivery status written by delivery', async () => {
    const t = ops()
    const { output } = await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'b-1' })
    store.updateStatus(String(output.TrailARN), {
      latestDeliveryTime: new Date('2024-05-01T11:00:00Z'), latestDeliveryAttemptTime: new Date('2024-05-01T11:05:00Z'), latestDeliveryError: 'NoSuchBucket',
    })
    const status = (await call(t, 'GetTrailStatus', { Name: String(output.TrailARN) })).output
    expect(status).toMatchObject({ LatestDeliveryTime: new Date('2024-05-01T11:00:00Z'), LatestDeliveryAttemptTime: '2024-05-01T11:05:00Z', LatestDeliveryError: 'NoSuchBucket' })
  })

  it('pages ListTrails', async () => {
    const t = ops({ listTrailsPageSize: 2 })
    for (const name of ['tr1', 'tr2', 'tr3']) await call(t, 'CreateTrail', { Name: name, S3BucketName: 'b-1' })
    const first = (await call(t, 'ListTrails', {})).output
    expect((first.Trails as JsonObject[]).map((x) => x.Name)).toEqual(['tr1', 'tr2'])
    const second = (await call(t, 'ListTrails', { NextToken: first.NextToken })).output
    expect(second).toEqual({ Trails: [{ TrailARN: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/tr3`, Name: 'tr3', HomeRegion: 'us-east-1' }] })
    expect(await codeOf(call(t, 'ListTrails', { NextToken: 'garbage' }))).toBe('InvalidNextTokenException')
  })

  it('does not show other accounts their neighbours\' trails', async () => {
    const t = ops()
    const { output } = await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'b-1' })
    const other = ctx('us-east-1', '444455556666')
    expect(await codeOf(call(t, 'GetTrail', { Name: 'audit' }, other))).toBe('TrailNotFoundException')
    expect(await codeOf(call(t, 'GetTrail', { Name: String(output.TrailARN) }, other))).toBe('TrailNotFoundException')
    expect((await call(t, 'DescribeTrails', {}, other)).output).toEqual({ trailList: [] })
  })

  it('caps tags at 50 and overwrites existing keys', async () => {
    const t = ops()
    const { output } = await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'b-1', TagsList: [{ Key: 'a', Value: '1' }] })
    const arn = String(output.TrailARN)
    await call(t, 'AddTags', { ResourceId: arn, TagsList: [{ Key: 'a', Value: '2' }, ...Array.from({ length: 48 }, (_, i) => ({ Key: `k${i}` }))] })
    expect(store.get(arn)!.tags).toHaveLength(49)
    expect(store.get(arn)!.tags[0]).toEqual({ Key: 'a', Value: '2' })
    expect(await codeOf(call(t, 'AddTags', { ResourceId: arn, TagsList: [{ Key: 'x1' }, { Key: 'x2' }] }))).toBe('TagsLimitExceededException')
    await call(t, 'AddTags', { ResourceId: arn, TagsList: [{ Key: 'x1' }] })
    expect(store.get(arn)!.tags).toHaveLength(50)
  })

  it('records the trail of a deleted trail in resources', async () => {
    const t = ops()
    const { output } = await call(t, 'CreateTrail', { Name: 'audit', S3BucketName: 'b-1' })
    const { resources } = await call(t, 'DeleteTrail', { Name: 'audit' })
    expect(resources).toEqual([{ ARN: output.TrailARN, accountId: ACCOUNT, type: 'AWS::CloudTrail::Trail' }])
  })
})

describe('ensureDefaultTrail', () => {
  it('creates a logging, validated, multi-Region trail and its bucket once per installation', async () => {
    const trail = await ensureDefaultTrail(store, objectStore, { accountId: ACCOUNT, region: 'eu-west-1', head: 3 })
    expect(trail).toMatchObject({
      name: 'default', homeRegion: 'eu-west-1', isMultiRegionTrail: true, logFileValidationEnabled: true, includeGlobalServiceEvents: true,
      isLogging: true, loggingStartedSeq: 3, s3BucketName: `opentrail-${ACCOUNT}`,
    })
    expect(trail!.eventSelectors).toBeUndefined()
    expect(await objectStore.bucketExists(`opentrail-${ACCOUNT}`)).toBe(true)
    store.delete(trail!.arn)
    expect(await ensureDefaultTrail(store, objectStore, { accountId: ACCOUNT, region: 'eu-west-1', head: 9 })).toBeUndefined()
    expect(new SqliteTrailStore(db).listAll()).toEqual([])
  })
})
