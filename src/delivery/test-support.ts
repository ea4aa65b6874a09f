/**
 * Test helpers for delivery: a real journal, trail store and folder store in a temp dir, and
 * records of each kind. Used by the unit tests beside this file only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { randomUUID } from 'node:crypto'
import { SqliteJournal, openDatabase } from '../journal/index.js'
import type { CloudTrailRecord } from '../record/index.js'
import { FileObjectStore } from '../storage/index.js'
import type { ObjectStore } from '../storage/index.js'
import { SqliteTrailStore } from '../trails/index.js'
import type { Trail } from '../trails/index.js'

export const ACCOUNT = '111122223333'
export const OTHER_ACCOUNT = '444455556666'
export const BUCKET = 'trail-bucket'

export interface Harness {
  dir: string
  db: ReturnType<typeof openDatabase>
  journal: SqliteJournal
  trails: SqliteTrailStore
  objects: FileObjectStore
  /** Reopens the database (as a restarted process would). */
  reopen(): Promise<void>
  close(): Promise<void>
}

export async function openHarness(): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-delivery-'))
  const h = {
    dir,
    objects: new FileObjectStore(join(dir, 'buckets')),
  } as Harness
  const open = () => {
    h.db = openDatabase(join(dir, 'opentrail.db'))
    h.journal = new SqliteJournal(h.db)
    h.trails = new SqliteTrailStore(h.db)
  }
  open()
  h.reopen = async () => {
    await h.journal.close()
    h.db.close()
    open()
  }
  h.close = async () => {
    await h.journal.close()
    h.db.close()
    rmSync(dir, { recursive: true, force: true })
  }
  await h.objects.createBucket(BUCKET)
  return h
}

export interface RecordOptions {
  region?: string
  account?: string
  readOnly?: boolean
  eventSource?: string
  eventName?: string
  /** An S3 object ARN makes it an S3 data event. */
  s3ObjectArn?: string
  eventTime?: string
}

export function record(o: RecordOptions = {}): CloudTrailRecord {
  const data = o.s3ObjectArn !== undefined
  return {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', accountId: o.account ?? ACCOUNT, userName: 'alice' },
    eventTime: o.eventTime ?? '2024-05-01T12:00:00Z',
    eventSource: o.eventSource ?? (data ? 's3.amazonaws.com' : 'ec2.amazonaws.com'),
    eventName: o.eventName ?? (data ? 'GetObject' : o.readOnly ? 'DescribeInstances' : 'RunInstances'),
    awsRegion: o.region ?? 'us-east-1',
    sourceIPAddress: '192.0.2.1',
    userAgent: 'test',
    requestParameters: { n: 1 },
    responseElements: null,
    eventID: randomUUID(),
    readOnly: o.readOnly ?? false,
    ...(data && {
      resources: [
        { type: 'AWS::S3::Object', ARN: o.s3ObjectArn },
        { accountId: o.account ?? ACCOUNT, type: 'AWS::S3::Bucket', ARN: o.s3ObjectArn!.split('/')[0] },
      ],
    }),
    eventType: 'AwsApiCall',
    managementEvent: !data,
    recipientAccountId: o.account ?? ACCOUNT,
    eventCategory: data ? 'Data' : 'Management',
  }
}

export interface NewTestTrail {
  name: string
  homeRegion?: string
  isMultiRegionTrail?: boolean
  includeGlobalServiceEvents?: boolean
  s3KeyPrefix?: string
  kmsKeyId?: string
  snsTopicName?: string
  bucket?: string
}

/** Creates a trail and starts logging at the journal head. */
export async function createLoggingTrail(h: Harness, t: NewTestTrail): Promise<Trail> {
  const trail = h.trails.create({
    name: t.name,
    accountId: ACCOUNT,
    homeRegion: t.homeRegion ?? 'us-east-1',
    s3BucketName: t.bucket ?? BUCKET,
    s3KeyPrefix: t.s3KeyPrefix,
    kmsKeyId: t.kmsKeyId,
    snsTopicName: t.snsTopicName,
    includeGlobalServiceEvents: t.includeGlobalServiceEvents ?? true,
    isMultiRegionTrail: t.isMultiRegionTrail ?? false,
    logFileValidationEnabled: false,
  })
  return h.trails.setLogging(trail.arn, true, await h.journal.head())
}

export interface ReadLogFile {
  key: string
  json: string
  records: CloudTrailRecord[]
}

/** Every log file under the bucket, read back and gunzipped. */
export async function readLogFiles(objects: ObjectStore, bucket = BUCKET, prefix?: string): Promise<ReadLogFile[]> {
  const out: ReadLogFile[] = []
  let continuationToken: string | undefined
  do {
    const page = await objects.listObjects(bucket, { prefix, continuationToken })
    for (const o of page.objects) {
      const json = gunzipSync((await objects.getObject(bucket, o.key)).body).toString('utf8')
      out.push({ key: o.key, json, records: (JSON.parse(json) as { Records: CloudTrailRecord[] }).Records })
    }
    continuationToken = page.nextContinuationToken
  } while (continuationToken)
  return out
}

export function eventIds(files: ReadLogFile[]): string[] {
  return files.flatMap((f) => f.records.map((r) => r.eventID)).sort()
}
