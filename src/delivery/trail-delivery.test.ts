import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import type { CloudTrailRecord } from '../record/index.js'
import type { ObjectStore, PutObjectOptions } from '../storage/index.js'
import { parseLogFileKey, uniqueSuffix } from '../trails/index.js'
import type { Trail } from '../trails/index.js'
import { LogFileDeliveryError, TrailDeliveryService } from './index.js'
import type { DeliveredLogFile, DeliveryNotification, DeliveryOptions, TrailDeliveryServiceDeps } from './index.js'
import { DeliveryPlanStore } from './plan-store.js'
import {
  ACCOUNT,
  BUCKET,
  OTHER_ACCOUNT,
  createLoggingTrail,
  eventIds,
  openHarness,
  readLogFiles,
  record,
  type Harness,
} from './test-support.js'

const NOW = new Date('2024-05-01T12:34:56Z')
/** Long enough that only deliverNow() delivers during a test. */
const MANUAL: Partial<DeliveryOptions> = { deliveryIntervalMs: 3_600_000 }

let h: Harness
const services: TrailDeliveryService[] = []
beforeEach(async () => {
  h = await openHarness()
})
afterEach(async () => {
  for (const s of services.splice(0)) await s.close()
  await h.close()
})

async function startService(deps: Partial<TrailDeliveryServiceDeps> = {}, options: Partial<DeliveryOptions> = MANUAL) {
  const service = new TrailDeliveryService({ db: h.db, journal: h.journal, trails: h.trails, objects: h.objects, now: () => NOW, ...deps }, options)
  services.push(service)
  await service.start()
  return service
}

async function append(records: CloudTrailRecord[]): Promise<CloudTrailRecord[]> {
  await h.journal.append(records.map((r) => ({ record: r })))
  return records
}

function ids(records: CloudTrailRecord[]): string[] {
  return records.map((r) => r.eventID).sort()
}

async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('TrailDeliveryService', () => {
  it('delivers to each trail exactly the events its selectors, Regions and account select', async () => {
    const service = await startService()
    const mgmt = await createLoggingTrail(h, { name: 'mgmt' }) // single-Region us-east-1, all management
    const readOnly = await createLoggingTrail(h, { name: 'reads', isMultiRegionTrail: true })
    h.trails.putSelectors(readOnly.arn, { eventSelectors: [{ ReadWriteType: 'ReadOnly' }] })
    const s3Data = await createLoggingTrail(h, { name: 's3data', isMultiRegionTrail: true, s3KeyPrefix: 'pre/fix' })
    h.trails.putSelectors(s3Data.arn, {
      eventSelectors: [{ IncludeManagementEvents: false, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::logs-bucket/'] }] }],
    })
    const advanced = await createLoggingTrail(h, { name: 'advanced', isMultiRegionTrail: true, includeGlobalServiceEvents: false })
    h.trails.putSelectors(advanced.arn, {
      advancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
      ],
    })

    const writeUse1 = record({ region: 'us-east-1' })
    const readUse1 = record({ region: 'us-east-1', readOnly: true })
    const writeEuw1 = record({ region: 'eu-west-1' })
    const readEuw1 = record({ region: 'eu-west-1', readOnly: true })
    const iamWrite = record({ region: 'us-east-1', eventSource: 'iam.amazonaws.com', eventName: 'CreateUser' })
    const otherAccount = record({ region: 'us-east-1', account: OTHER_ACCOUNT })
    const dataLogs = record({ region: 'eu-west-1', s3ObjectArn: 'arn:aws:s3:::logs-bucket/a.txt', readOnly: true })
    const dataOther = record({ region: 'eu-west-1', s3ObjectArn: 'arn:aws:s3:::other-bucket/b.txt', readOnly: true })
    const insight: CloudTrailRecord = { ...record(), eventType: 'AwsCloudTrailInsight', eventCategory: 'Insight' }
    await append([writeUse1, readUse1, writeEuw1, readEuw1, iamWrite, otherAccount, dataLogs, dataOther, insight])
    await service.flush()

    const expected: [Trail, CloudTrailRecord[]][] = [
      [mgmt, [writeUse1, readUse1, iamWrite]],
      [readOnly, [readUse1, readEuw1]],
      [s3Data, [dataLogs]],
      [advanced, [writeUse1, writeEuw1]],
    ]
    const files = await readLogFiles(h.objects)
    // Which trail wrote a file shows in its unique suffix: derived from the trail ARN and the
    // plan's seq range (one plan per trail here, covering seqs 1-9).
    const byTrail = (trail: Trail) =>
      files.filter((f) => parseLogFileKey(f.key)!.unique === uniqueSuffix(`${trail.arn}:${ACCOUNT}:${parseLogFileKey(f.key)!.region}:1-9`))
    for (const [trail, records] of expected) expect(eventIds(byTrail(trail)), trail.name).toEqual(ids(records))
    expect(files).toHaveLength(expected.reduce((n, [trail]) => n + byTrail(trail).length, 0))
    // One file per account and Region per delivery: the multi-Region read trail has two.
    expect(byTrail(readOnly).map((f) => parseLogFileKey(f.key)!.region).sort()).toEqual(['eu-west-1', 'us-east-1'])
    // Key layout: prefix, account, Region folder = the records' Region, the plan's delivery time.
    for (const f of files) {
      const parsed = parseLogFileKey(f.key)
      expect(parsed, f.key).toBeDefined()
      expect(parsed!.accountId).toBe(ACCOUNT)
      expect(parsed!.deliveryTime).toEqual(new Date('2024-05-01T12:34:00Z'))
      expect(f.key).toContain('/2024/05/01/')
      expect(new Set(f.records.map((r) => r.awsRegion))).toEqual(new Set([parsed!.region]))
      // Serialised exactly as stored.
      expect(f.json).toBe(`{"Records":[${f.records.map((r) => JSON.stringify(r)).join(',')}]}`)
    }
    expect(files.filter((f) => f.key.startsWith('pre/fix/AWSLogs/'))).toHaveLength(1)
  })

  it('skips events before StartLogging and while stopped, and delivers what was logged before a stop', async () => {
    const service = await startService()
    const before = await append([record()])
    const trail = await createLoggingTrail(h, { name: 't' })
    const logged = await append([record(), record()])
    h.trails.setLogging(trail.arn, false, trail.loggingStartedSeq)
    const whileStopped = await append([record()])
    await service.flush()
    h.trails.setLogging(trail.arn, true, await h.journal.head())
    const afterRestart = await append([record()])
    await service.flush()
    const delivered = eventIds(await readLogFiles(h.objects))
    expect(delivered).toEqual(ids([...logged, ...afterRestart]))
    expect(delivered).not.toContain(before[0]!.eventID)
    expect(delivered).not.toContain(whileStopped[0]!.eventID)
    // The trail's cursor moved past the skipped events too.
    expect(service.cursors().get(trail.arn)).toBe(await h.journal.head())
  })

  it('delivers what was logged before a stop even when logging restarts before that delivery ran', async () => {
    const service = await startService()
    const trail = await createLoggingTrail(h, { name: 't' })
    const logged = await append([record(), record()])
    // Stop and start in one turn: the delivery the stop asked for has not run yet.
    h.trails.setLogging(trail.arn, false, trail.loggingStartedSeq)
    h.trails.setLogging(trail.arn, true, await h.journal.head())
    const afterRestart = await append([record()])
    await service.flush()
    expect(eventIds(await readLogFiles(h.objects))).toEqual(ids([...logged, ...afterRestart]))
  })

  it('delivers every stopped session still waiting, in order, and nothing logged outside them', async () => {
    const trail = await createLoggingTrail(h, { name: 't' })
    const start = await h.journal.head()
    const first = await append([record(), record()])
    const between = await append([record()])
    const second = await append([record()])
    await append([record()]) // after the last stop
    h.trails.setLogging(trail.arn, false, trail.loggingStartedSeq)
    // Three sessions were stopped before any of them was delivered (the second logged nothing).
    const seqOf = async (r: { eventID: string }) => (await h.journal.seqOfEventId(r.eventID))!
    const plans = new DeliveryPlanStore(h.db)
    plans.initState(trail.arn, { cursor: start, stoppedAtSeq: await h.journal.head() })
    plans.setStoppedSessions(trail.arn, [
      { from: start, to: await seqOf(first[1]!) },
      { from: await seqOf(between[0]!), to: await seqOf(between[0]!) },
      { from: await seqOf(between[0]!), to: await seqOf(second[0]!) },
    ])
    const service = await startService()
    await service.flush()
    expect(eventIds(await readLogFiles(h.objects))).toEqual(ids([...first, ...second]))
    expect(plans.getState(trail.arn)?.stoppedSessions).toEqual([])
  })

  it('replays a plan left by a crash: same keys, same bytes, every event exactly once', async () => {
    const trail = await createLoggingTrail(h, { name: 't', isMultiRegionTrail: true })
    const records = await append([record({ region: 'us-east-1' }), record({ region: 'eu-west-1' }), record({ region: 'ap-south-1' })])
    const seen: DeliveredLogFile[] = []
    let crash = true
    const first = await startService({
      onLogFileDelivered: async (_t, file) => {
        seen.push(file)
        // The process dies after the second object (files go in Region order) is durable, before the cursor moves.
        if (crash && file.region === 'eu-west-1') throw new Error('simulated crash')
      },
    })
    await expect(first.flush()).rejects.toThrow('simulated crash')
    await first.close()
    services.splice(services.indexOf(first), 1)
    const firstBytes = new Map<string, Buffer>()
    for (const o of (await h.objects.listObjects(BUCKET)).objects) firstBytes.set(o.key, (await h.objects.getObject(BUCKET, o.key)).body)
    expect(firstBytes.size).toBe(2)
    const pending = new DeliveryPlanStore(h.db).getPlan(trail.arn)
    expect(pending?.files.map((f) => f.key)).toEqual([...firstBytes.keys(), pending!.files[2]!.key].sort())
    expect(pending?.files.every((f) => f.eventTimes !== undefined)).toBe(true)
    // As an earlier version wrote it, without event times: the replay reads them from the records.
    const older = { ...pending!, files: pending!.files.map(({ eventTimes: _, ...file }) => file) }
    h.db.prepare('UPDATE trail_delivery_plans SET plan = ? WHERE trail_arn = ?').run(JSON.stringify(older), trail.arn)

    await h.reopen()
    crash = false
    const later = new Date(NOW.getTime() + 3_600_000)
    await startService({ now: () => later, onLogFileDelivered: async (_t, file) => void seen.push(file) })
    await services.at(-1)!.flush()
    const files = await readLogFiles(h.objects)
    expect(files).toHaveLength(3)
    expect(eventIds(files)).toEqual(ids(records))
    for (const [key, body] of firstBytes) expect((await h.objects.getObject(BUCKET, key)).body.equals(body)).toBe(true)
    // The file names carry the plan's delivery time, not the replay's.
    for (const f of files) expect(parseLogFileKey(f.key)!.deliveryTime).toEqual(new Date('2024-05-01T12:34:00Z'))
    // The hook saw the replayed files again, with the same hashes (it must be idempotent).
    const facts = (f: DeliveredLogFile) => [f.key, f.sha256, f.oldestEventTime, f.newestEventTime]
    expect(seen.slice(0, 2).map(facts)).toEqual(seen.slice(2, 4).map(facts))
    expect(new DeliveryPlanStore(h.db).getPlan(trail.arn)).toBeUndefined()
  })

  it('cuts files at the size threshold, each event in exactly one file', async () => {
    await createLoggingTrail(h, { name: 't' })
    const service = await startService({}, { ...MANUAL, maxEventsPerFile: 3 })
    const records = await append(Array.from({ length: 7 }, () => record()))
    await service.flush()
    const files = await readLogFiles(h.objects)
    expect(files.map((f) => f.records.length).sort()).toEqual([1, 3, 3])
    expect(new Set(files.map((f) => f.key)).size).toBe(3)
    expect(eventIds(files)).toEqual(ids(records))
  })

  it('delivers early once a file worth of events waits, without waiting for the interval', async () => {
    await createLoggingTrail(h, { name: 't' })
    await startService({}, { ...MANUAL, maxEventsPerFile: 5 })
    const records = await append(Array.from({ length: 5 }, () => record()))
    const files = await eventually(async () => {
      const f = await readLogFiles(h.objects)
      return eventIds(f).length === 5 ? f : undefined
    })
    expect(eventIds(files)).toEqual(ids(records))
  })

  it('reports NoSuchBucket, keeps every event, and catches up when the bucket is back', async () => {
    const trail = await createLoggingTrail(h, { name: 't', bucket: 'missing-bucket' })
    const service = await startService()
    const records = await append([record(), record()])
    const error = await service.flush().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LogFileDeliveryError)
    expect((error as LogFileDeliveryError).code).toBe('NoSuchBucket')
    const failed = h.trails.getStatus(trail.arn)
    expect(failed.latestDeliveryError).toBe('NoSuchBucket')
    expect(failed.latestDeliveryAttemptTime).toEqual(NOW)
    expect(failed.latestDeliveryTime).toBeUndefined()

    const more = await append([record()])
    await h.objects.createBucket('missing-bucket')
    await service.flush()
    const status = h.trails.getStatus(trail.arn)
    expect(status.latestDeliveryError).toBeUndefined()
    expect(status.latestDeliveryTime).toEqual(NOW)
    expect(status.latestDeliveryAttemptSucceeded).toEqual(NOW)
    expect(eventIds(await readLogFiles(h.objects, 'missing-bucket'))).toEqual(ids([...records, ...more]))
  })

  it('retries in the background with backoff until the bucket exists', async () => {
    const trail = await createLoggingTrail(h, { name: 't', bucket: 'late-bucket' })
    const errors: unknown[] = []
    await startService({ onError: (_arn, e) => void errors.push(e) }, { deliveryIntervalMs: 50, retryMinMs: 20, retryMaxMs: 100 })
    const records = await append([record(), record(), record()])
    await eventually(() => (h.trails.getStatus(trail.arn).latestDeliveryError === 'NoSuchBucket' ? true : undefined))
    await h.objects.createBucket('late-bucket')
    const files = await eventually(async () => {
      const f = await readLogFiles(h.objects, 'late-bucket')
      return eventIds(f).length === 3 ? f : undefined
    })
    expect(eventIds(files)).toEqual(ids(records))
    await eventually(() => (h.trails.getStatus(trail.arn).latestDeliveryError === undefined ? true : undefined))
    expect(errors.every((e) => e instanceof LogFileDeliveryError)).toBe(true)
  })

  it('asks for SSE-KMS when the trail has a key, and reports each file to the digest hook', async () => {
    const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/0f0e0d0c-0b0a-0908-0706-050403020100'
    await createLoggingTrail(h, { name: 't', kmsKeyId })
    const puts: { key: string; options?: PutObjectOptions }[] = []
    const recording: ObjectStore = {
      kind: h.objects.kind,
      bucketExists: (b) => h.objects.bucketExists(b),
      createBucket: (b) => h.objects.createBucket(b),
      putObject: async (b, k, body, options) => {
        puts.push({ key: k, options })
        await h.objects.putObject(b, k, body, options)
      },
      getObject: (b, k) => h.objects.getObject(b, k),
      headObject: (b, k) => h.objects.headObject(b, k),
      listObjects: (b, o) => h.objects.listObjects(b, o),
      deleteObject: (b, k) => h.objects.deleteObject(b, k),
    } satisfies ObjectStore
    const delivered: DeliveredLogFile[] = []
    const service = await startService({ objects: recording, onLogFileDelivered: async (_t, f) => void delivered.push(f) })
    await append([record({ eventTime: '2024-05-01T10:00:00Z' }), record({ eventTime: '2024-05-01T09:00:00Z' })])
    await service.flush()
    expect(puts).toHaveLength(1)
    expect(puts[0]!.options?.serverSideEncryption).toEqual({ type: 'aws:kms', kmsKeyId })
    const body = (await h.objects.getObject(BUCKET, puts[0]!.key)).body
    expect(delivered).toEqual([
      {
        accountId: ACCOUNT,
        region: 'us-east-1',
        bucket: BUCKET,
        key: puts[0]!.key,
        sha256: createHash('sha256').update(gunzipSync(body)).digest('hex'),
        oldestEventTime: '2024-05-01T09:00:00Z',
        newestEventTime: '2024-05-01T10:00:00Z',
        deliveredAt: NOW,
      },
    ])
  })

  it('notifies after delivery; a failed notification is recorded and re-delivers nothing', async () => {
    const trail = await createLoggingTrail(h, { name: 't', snsTopicName: 'topic', isMultiRegionTrail: true })
    const notes: DeliveryNotification[] = []
    let fail = false
    const service = await startService({
      notifier: async (_t, n) => {
        if (fail) throw Object.assign(new Error('topic gone'), { code: 'NotFound' })
        notes.push(n)
      },
      onError: () => undefined,
    })
    await append([record({ region: 'us-east-1' }), record({ region: 'eu-west-1' })])
    await service.flush()
    const keys = (await h.objects.listObjects(BUCKET)).objects.map((o) => o.key)
    expect(notes).toEqual([{ s3Bucket: BUCKET, s3ObjectKey: expect.arrayContaining(keys) }])
    expect(notes[0]!.s3ObjectKey).toHaveLength(2)
    expect(h.trails.getStatus(trail.arn).latestNotificationTime).toEqual(NOW)

    fail = true
    await append([record()])
    await service.flush()
    const status = h.trails.getStatus(trail.arn)
    expect(status.latestNotificationError).toBe('NotFound')
    expect(status.latestDeliveryError).toBeUndefined()
    await service.flush()
    expect((await h.objects.listObjects(BUCKET)).objects).toHaveLength(3)
  })

  it('removes a deleted trail’s cursor and plan rows', async () => {
    const trail = await createLoggingTrail(h, { name: 't', bucket: 'absent' })
    const service = await startService()
    await append([record()])
    await service.flush().catch(() => undefined)
    const plans = new DeliveryPlanStore(h.db)
    expect(plans.getPlan(trail.arn)).toBeDefined()
    h.trails.delete(trail.arn)
    await eventually(() => (plans.getState(trail.arn) === undefined && plans.getPlan(trail.arn) === undefined ? true : undefined))
    expect(service.cursors().has(trail.arn)).toBe(false)
    expect(existsSync(join(h.dir, 'buckets', 'absent'))).toBe(false)
  })

  it('keeps the journal cursor at the slowest trail', async () => {
    await createLoggingTrail(h, { name: 'ok' })
    await createLoggingTrail(h, { name: 'stuck', bucket: 'absent' })
    const service = await startService()
    await append([record(), record()])
    await service.flush().catch(() => undefined)
    expect(await h.journal.getCursor('trail-delivery')).toBe(0)
    await h.objects.createBucket('absent')
    await service.flush()
    expect(await h.journal.getCursor('trail-delivery')).toBe(2)
    rmSync(join(h.dir, 'buckets', 'absent'), { recursive: true })
  })
})
