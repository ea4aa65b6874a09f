/**
 * Trail delivery end to end: the real server with a short delivery interval, trails made with
 * the real CloudTrail client, and log files read back from the folder store and from moto's S3.
 *
 * The workload is the service's own API calls (recorded as CloudTrail management events,
 * read and write, in the Region each client signs for, in the caller's account). What each
 * trail should have is computed from the journal itself with plain rules written here, and
 * compared with what its bucket holds: every selected event in exactly one file.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gunzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import {
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
  StopLoggingCommand,
  type CloudTrailClient,
} from '@aws-sdk/client-cloudtrail'
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3'
import { SqliteJournal } from '../../src/journal/index.js'
import type { CloudTrailRecord } from '../../src/record/index.js'
import { CLI, startServer, type TestServer } from '../support/server.js'
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto, type MotoServer } from '../support/moto.js'
import { eventually } from '../support/events.js'

const LOG_KEY = /^(?:(.+)\/)?AWSLogs\/(\d{12})\/CloudTrail\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/\2_CloudTrail_\3_(\d{8})T(\d{4})Z_[A-Za-z0-9]{16}\.json\.gz$/
const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2']
const DELIVERY_TIMEOUT_MS = 30_000

const servers: TestServer[] = []
let moto: MotoServer | undefined
afterAll(async () => {
  for (const s of servers) {
    await s.stop()
    s.cleanup()
  }
  await moto?.stop()
})

interface LogFile {
  key: string
  records: CloudTrailRecord[]
  json: string
}

interface StoredTrail {
  arn: string
  name: string
  accountId: string
  s3BucketName: string
  loggingStartedSeq: number
}

/** What the journal holds, read through a second connection (WAL lets it read beside the server). */
function journalSnapshot(dataDir: string): Promise<{ seq: number; record: CloudTrailRecord }[]> {
  const db = new Database(join(dataDir, 'opentrail.db'))
  const journal = new SqliteJournal(db)
  return journal
    .read(0, 1_000_000)
    .then((b) => b.entries)
    .finally(() => db.close())
}

function storedTrails(dataDir: string): StoredTrail[] {
  const db = new Database(join(dataDir, 'opentrail.db'), { readonly: true })
  try {
    return (db.prepare('SELECT body FROM trails').all() as { body: string }[]).map((r) => JSON.parse(r.body) as StoredTrail)
  } finally {
    db.close()
  }
}

function folderLogFiles(dataDir: string, bucket: string): LogFile[] {
  const root = join(dataDir, 'buckets', bucket)
  const out: LogFile[] = []
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.')) continue
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (name.endsWith('.json.gz')) {
        const json = gunzipSync(readFileSync(path)).toString('utf8')
        out.push({ key: relative(root, path), json, records: (JSON.parse(json) as { Records: CloudTrailRecord[] }).Records })
      }
    }
  }
  walk(root)
  return out
}

async function s3LogFiles(s3: S3Client, bucket: string): Promise<LogFile[]> {
  const out: LogFile[] = []
  let ContinuationToken: string | undefined
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken }))
    for (const o of page.Contents ?? []) {
      const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToByteArray())
      const json = gunzipSync(body).toString('utf8')
      out.push({ key: o.Key!, json, records: (JSON.parse(json) as { Records: CloudTrailRecord[] }).Records })
    }
    ContinuationToken = page.NextContinuationToken
  } while (ContinuationToken)
  return out
}

const isManagement = (r: CloudTrailRecord) => (r.eventCategory ?? (r.managementEvent === false ? 'Data' : 'Management')) === 'Management'

/** Each trail's rule, written independently of the service's selector code. */
type Rule = (r: CloudTrailRecord) => boolean

async function expectedFor(server: TestServer, trailName: string, rule: Rule): Promise<string[]> {
  const trail = storedTrails(server.dataDir).find((t) => t.name === trailName)!
  const entries = await journalSnapshot(server.dataDir)
  return entries
    .filter((e) => e.seq > trail.loggingStartedSeq && e.record.recipientAccountId === trail.accountId && rule(e.record))
    .map((e) => e.record.eventID)
    .sort()
}

/** Polls the bucket until it holds at least the expected events; then checks exactly-once and the layout. */
async function expectDelivered(read: () => Promise<LogFile[]> | LogFile[], expected: string[], accountId: string, prefix?: string): Promise<LogFile[]> {
  const files = await eventually(async () => {
    const f = await read()
    const have = new Set(f.flatMap((x) => x.records.map((r) => r.eventID)))
    return expected.every((id) => have.has(id)) ? f : undefined
  }, DELIVERY_TIMEOUT_MS)
  const delivered = files.flatMap((f) => f.records.map((r) => r.eventID))
  expect(delivered.length, 'no event twice').toBe(new Set(delivered).size)
  const expectedSet = new Set(expected)
  // Events appended after the snapshot may be there too, but nothing the rule excludes from the snapshot.
  expect(delivered.filter((id) => !expectedSet.has(id)).length).toBeLessThanOrEqual(delivered.length - expected.length)
  for (const f of files) {
    const m = LOG_KEY.exec(f.key)
    expect(m, f.key).not.toBeNull()
    expect(m![1]).toBe(prefix)
    expect(m![2]).toBe(accountId)
    expect(`${m![4]}${m![5]}${m![6]}`).toBe(m![7])
    for (const r of f.records) expect(r.awsRegion).toBe(m![3])
    expect(f.json).toBe(`{"Records":[${f.records.map((r) => JSON.stringify(r)).join(',')}]}`)
  }
  return files
}

async function createLoggingTrail(client: CloudTrailClient, input: ConstructorParameters<typeof CreateTrailCommand>[0]): Promise<void> {
  await client.send(new CreateTrailCommand(input))
  await client.send(new StartLoggingCommand({ Name: input.Name }))
}

/** Read and write calls in every Region; the failing write (StopLogging of no trail) is recorded too. */
async function workload(server: TestServer, credentials = server.credentials, rounds = 2): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    for (const region of REGIONS) {
      const c = server.client(region, credentials)
      await c.send(new DescribeTrailsCommand({}))
      await c.send(new ListTrailsCommand({}))
      await c.send(new StopLoggingCommand({ Name: `no-such-trail-${i}` })).catch(() => undefined)
    }
  }
}

function createKey(server: TestServer, account: string): { accessKeyId: string; secretAccessKey: string } {
  const out = execFileSync(process.execPath, [CLI, 'keys', 'create', '--account', account, '--data-dir', server.dataDir, '--output', 'json'], {
    encoding: 'utf8',
  })
  const parsed = JSON.parse(out) as { AccessKeyId: string; SecretAccessKey: string }[] | { AccessKeyId: string; SecretAccessKey: string }
  const row = Array.isArray(parsed) ? parsed[0]! : parsed
  return { accessKeyId: row.AccessKeyId, secretAccessKey: row.SecretAccessKey }
}

describe('trail delivery', () => {
  it('delivers to each trail, in CloudTrail’s layout, exactly the events its selectors select', async () => {
    const server = await startServer({ args: ['--delivery-interval', '1s'] })
    servers.push(server)
    const a = server.client('us-east-1')
    const other = createKey(server, '444455556666')

    await createLoggingTrail(a, { Name: 'mgmt', S3BucketName: 'e2e-mgmt' }) // single-Region, all management
    await createLoggingTrail(a, { Name: 'reads', S3BucketName: 'e2e-reads', IsMultiRegionTrail: true, S3KeyPrefix: 'audit/reads' })
    await a.send(new PutEventSelectorsCommand({ TrailName: 'reads', EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] }))
    const euw1 = server.client('eu-west-1')
    await createLoggingTrail(euw1, { Name: 'writes', S3BucketName: 'e2e-writes', IsMultiRegionTrail: true })
    await euw1.send(new PutEventSelectorsCommand({ TrailName: 'writes', EventSelectors: [{ ReadWriteType: 'WriteOnly' }] }))
    const apse2 = server.client('ap-southeast-2')
    await createLoggingTrail(apse2, { Name: 'advanced', S3BucketName: 'e2e-advanced' }) // single-Region ap-southeast-2
    await apse2.send(
      new PutEventSelectorsCommand({
        TrailName: 'advanced',
        AdvancedEventSelectors: [
          { Name: 'writes', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
          { Name: 's3 objects', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }] },
        ],
      }),
    )
    // The same data resources selector on an account that has no S3 data events: nothing may arrive.
    await createLoggingTrail(a, { Name: 's3data', S3BucketName: 'e2e-s3data', IsMultiRegionTrail: true })
    await a.send(
      new PutEventSelectorsCommand({
        TrailName: 's3data',
        EventSelectors: [{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
      }),
    )

    await workload(server)
    await workload(server, other)

    const rules: [string, string, Rule, string?][] = [
      ['mgmt', 'e2e-mgmt', (r) => isManagement(r) && r.awsRegion === 'us-east-1'],
      ['reads', 'e2e-reads', (r) => isManagement(r) && r.readOnly === true, 'audit/reads'],
      ['writes', 'e2e-writes', (r) => isManagement(r) && r.readOnly !== true],
      ['advanced', 'e2e-advanced', (r) => isManagement(r) && r.readOnly === false && r.awsRegion === 'ap-southeast-2'],
    ]
    for (const [name, bucket, rule, prefix] of rules) {
      const expected = await expectedFor(server, name, rule)
      expect(expected.length, name).toBeGreaterThan(0)
      const files = await expectDelivered(() => folderLogFiles(server.dataDir, bucket), expected, server.accountId, prefix)
      // Several Regions give several files, never a foreign account's event.
      for (const f of files) for (const r of f.records) expect(r.recipientAccountId).toBe(server.accountId)
      const regions = new Set(files.map((f) => LOG_KEY.exec(f.key)![3]))
      if (name === 'mgmt') expect(regions).toEqual(new Set(['us-east-1']))
      else if (name === 'advanced') expect(regions).toEqual(new Set(['ap-southeast-2']))
      else expect(regions.size, name).toBe(REGIONS.length)
    }
    expect(folderLogFiles(server.dataDir, 'e2e-s3data')).toEqual([])
    const status = await a.send(new GetTrailStatusCommand({ Name: 'mgmt' }))
    expect(status.LatestDeliveryError).toBeUndefined()
    expect(status.LatestDeliveryTime).toBeInstanceOf(Date)
  })

  it('loses nothing and duplicates nothing across a SIGKILL during delivery', async () => {
    const first = await startServer({ args: ['--delivery-interval', '100ms'] })
    servers.push(first)
    await createLoggingTrail(first.client(), { Name: 'crashy', S3BucketName: 'e2e-crash', IsMultiRegionTrail: true })
    // Keep calls coming until files are being written, then kill the server mid-stream.
    const clients = REGIONS.map((r) => first.client(r))
    let stop = false
    const load = Promise.all(
      clients.map(async (c) => {
        while (!stop) await c.send(new DescribeTrailsCommand({})).catch(() => (stop = true))
      }),
    )
    await eventually(async () => (folderLogFiles(first.dataDir, 'e2e-crash').length >= 5 ? true : undefined), DELIVERY_TIMEOUT_MS)
    await first.kill()
    stop = true
    await load
    expect(first.process.signalCode).toBe('SIGKILL')

    const second = await startServer({ dataDir: first.dataDir, credentials: first.credentials, args: ['--delivery-interval', '100ms'] })
    servers.push(second)
    const expected = await expectedFor(second, 'crashy', isManagement)
    await expectDelivered(() => folderLogFiles(second.dataDir, 'e2e-crash'), expected, first.accountId)
  })

  it('reports NoSuchBucket while the bucket is gone and catches up when it is back', async () => {
    const server = await startServer({ args: ['--delivery-interval', '200ms'] })
    servers.push(server)
    const c = server.client()
    await createLoggingTrail(c, { Name: 'outage', S3BucketName: 'e2e-outage' })
    const bucketDir = join(server.dataDir, 'buckets', 'e2e-outage')
    await eventually(async () => (folderLogFiles(server.dataDir, 'e2e-outage').length > 0 ? true : undefined), DELIVERY_TIMEOUT_MS)
    // Moving the folder away deletes the bucket at once; a write in flight lands in the moved folder.
    renameSync(bucketDir, `${bucketDir}-gone`)
    await workload(server, server.credentials, 1)
    const failed = await eventually(async () => {
      const s = await c.send(new GetTrailStatusCommand({ Name: 'outage' }))
      return s.LatestDeliveryError === 'NoSuchBucket' ? s : undefined
    }, DELIVERY_TIMEOUT_MS)
    expect(failed.LatestDeliveryAttemptTime).toBeDefined()
    mkdirSync(bucketDir)
    const expected = await expectedFor(server, 'outage', (r) => isManagement(r) && r.awsRegion === 'us-east-1')
    // Files written before the outage went with the old bucket; every other event arrives in the new one.
    const files = await eventually(async () => {
      const before = new Set(folderLogFiles(server.dataDir, 'e2e-outage-gone').flatMap((x) => x.records.map((r) => r.eventID)))
      const f = folderLogFiles(server.dataDir, 'e2e-outage')
      const have = new Set(f.flatMap((x) => x.records.map((r) => r.eventID)))
      return expected.every((id) => have.has(id) !== before.has(id)) ? f : undefined
    }, DELIVERY_TIMEOUT_MS)
    const delivered = files.flatMap((f) => f.records.map((r) => r.eventID))
    expect(delivered.length).toBe(new Set(delivered).size)
    expect(delivered.length).toBeGreaterThan(0)
    const status = await c.send(new GetTrailStatusCommand({ Name: 'outage' }))
    expect(status.LatestDeliveryError).toBeUndefined()
  })

  it('delivers into S3 (moto) with the same layout and content', async () => {
    moto = await startMoto()
    if (!moto) return
    const s3 = new S3Client({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true })
    await s3.send(new CreateBucketCommand({ Bucket: 'e2e-moto' }))
    const server = await startServer({
      args: ['--delivery-interval', '1s', '--s3-endpoint', moto.endpoint],
      env: {
        AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
        AWS_REGION: MOTO_REGION,
        OPENTRAIL_S3_FORCE_PATH_STYLE: 'true',
      },
    })
    servers.push(server)
    const c = server.client()
    await createLoggingTrail(c, { Name: 'to-s3', S3BucketName: 'e2e-moto', IsMultiRegionTrail: true, S3KeyPrefix: 'ct' })
    await c.send(new PutEventSelectorsCommand({ TrailName: 'to-s3', EventSelectors: [{ ReadWriteType: 'WriteOnly' }] }))
    await workload(server)
    const expected = await expectedFor(server, 'to-s3', (r) => isManagement(r) && r.readOnly !== true)
    expect(expected.length).toBeGreaterThan(0)
    await expectDelivered(() => s3LogFiles(s3, 'e2e-moto'), expected, server.accountId, 'ct')
  })
})
