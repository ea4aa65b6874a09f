import { createHash } from 'node:crypto'
import { gunzipSync, gzipSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { formatEventTime } from '../record/index.js'
import { SigningKeyStore } from '../keys/index.js'
import type { ObjectStore } from '../storage/index.js'
import { validateLogs } from './index.js'
import { createMemoryStore } from './testing/memory-store.js'
import { TrailDigests, type DigestDeliveryStatus, type DigestTrail, type DigestTrailSource } from './trail-digests.js'

// hashThreads: 0 below: vitest runs the TypeScript sources, which have no compiled hash-worker.js.

const ACCOUNT = '111122223333'
const HOME = 'us-east-1'
const OTHER = 'eu-west-1'
const BUCKET = 'audit-bucket'
const ARN = `arn:aws:cloudtrail:${HOME}:${ACCOUNT}:trail/main`
const T0 = Date.parse('2024-06-01T12:00:00Z')
const INTERVAL_MS = 60_000
const GRACE_MS = 30_000

/** A trail store built from plain fields: changes notify listeners as the real one does. */
function fakeTrails(initial: DigestTrail) {
  const trails = new Map([[initial.arn, initial]])
  const status = new Map<string, DigestDeliveryStatus>()
  const listeners = new Set<(arn: string) => void>()
  const source = {
    listAll: () => [...trails.values()],
    get: (arn: string) => trails.get(arn),
    updateStatus: (arn: string, s: Partial<DigestDeliveryStatus>) => void status.set(arn, { ...status.get(arn), ...s }),
    onChange: (listener: (arn: string) => void) => {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
  } satisfies DigestTrailSource
  return {
    source,
    status,
    change(arn: string, fields: Partial<DigestTrail> | 'delete') {
      if (fields === 'delete') trails.delete(arn)
      else trails.set(arn, { ...trails.get(arn)!, ...fields })
      for (const l of listeners) l(arn)
    },
  }
}

function setup(store: ObjectStore = createMemoryStore()) {
  let now = T0
  const db = new Database(':memory:')
  const keys = new SigningKeyStore(db, Buffer.alloc(32, 7))
  const trails = fakeTrails({
    arn: ARN,
    name: 'main',
    accountId: ACCOUNT,
    homeRegion: HOME,
    s3BucketName: BUCKET,
    s3KeyPrefix: 'p',
    isLogging: true,
    logFileValidationEnabled: true,
  })
  const errors: unknown[] = []
  const digests = new TrailDigests({ db, signer: keys, store, trails: trails.source, intervalMs: INTERVAL_MS, stopGraceMs: GRACE_MS, clock: () => new Date(now), onError: (e) => errors.push(e) })
  digests.start()
  let serial = 0
  return {
    store,
    keys,
    trails,
    digests,
    errors,
    setNow: (seconds: number) => void (now = T0 + seconds * 1000),
    at: (seconds: number) => new Date(T0 + seconds * 1000),
    /** Puts a log file into the bucket and reports it as delivery does. */
    async deliver(region: string, seconds: number): Promise<string> {
      const deliveredAt = new Date(T0 + seconds * 1000)
      const json = JSON.stringify({ Records: [{ eventTime: deliveredAt.toISOString(), eventID: `e${serial}` }] })
      const stamp = deliveredAt.toISOString().replace(/[-:]/g, '').slice(0, 13)
      const key = `p/AWSLogs/${ACCOUNT}/CloudTrail/${region}/2024/06/01/${ACCOUNT}_CloudTrail_${region}_${stamp}Z_L${String(serial++).padStart(15, '0')}.json.gz`
      await store.putObject(BUCKET, key, gzipSync(json))
      digests.onLogFileDelivered(trails.source.get(ARN)!, {
        accountId: ACCOUNT,
        region,
        bucket: BUCKET,
        key,
        sha256: createHash('sha256').update(json).digest('hex'),
        newestEventTime: formatEventTime(deliveredAt),
        oldestEventTime: formatEventTime(deliveredAt),
        deliveredAt,
      })
      return key
    },
    validate(region: string, endSeconds: number) {
      return validateLogs({
        store,
        bucket: BUCKET,
        prefix: 'p',
        region,
        trailArn: ARN,
        startTime: new Date(T0 - 3_600_000),
        endTime: new Date(T0 + endSeconds * 1000),
        now: new Date(T0 + endSeconds * 1000),
        pendingGraceSeconds: 0,
        publicKeys: async (start, end) => keys.listPublicKeys(region, start, end),
        hashThreads: 0,
      })
    },
  }
}

async function digestDocs(store: ObjectStore, region: string): Promise<Record<string, unknown>[]> {
  const page = await store.listObjects(BUCKET, { prefix: `p/AWSLogs/${ACCOUNT}/CloudTrail-Digest/${region}/` })
  return Promise.all(page.objects.map(async (o) => JSON.parse(gunzipSync((await store.getObject(BUCKET, o.key)).body).toString('utf8')) as Record<string, unknown>))
}

describe('TrailDigests', () => {
  it('keeps a chain in the home Region and in each Region delivered to; all validate', async () => {
    const t = setup()
    await t.digests.tick(t.at(0))
    const home = [await t.deliver(HOME, 10), await t.deliver(HOME, 50)]
    t.setNow(70)
    const other = await t.deliver(OTHER, 70)
    await t.digests.tick(t.at(200))
    const homeDocs = await digestDocs(t.store, HOME)
    expect(homeDocs.map((d) => (d.logFiles as unknown[]).length)).toEqual([2, 0, 0]) // empty intervals still get a digest
    expect(homeDocs[0]!.previousDigestSignature).toBeNull()
    expect(homeDocs[1]!.previousDigestSignature).not.toBeNull()
    const otherDocs = await digestDocs(t.store, OTHER)
    expect(otherDocs).toHaveLength(2) // started at 70: digests ending 130, 190
    expect(t.trails.status.get(ARN)).toEqual({ latestDigestDeliveryTime: t.at(70), latestDigestDeliveryError: undefined })

    const h = await t.validate(HOME, 200)
    expect(h.exitCode).toBe(0)
    expect(h.logs).toEqual({ valid: 2, invalid: 0 })
    expect(h.events.filter((e) => e.type === 'log').map((e) => (e as { key: string }).key)).toEqual(home)
    const o = await t.validate(OTHER, 200)
    expect(o.exitCode).toBe(0)
    expect(o.events.filter((e) => e.type === 'log').map((e) => (e as { key: string }).key)).toEqual([other])
    await t.digests.close()
  })

  it('StopLogging: keeps the chain open for the grace, then writes a final digest; StartLogging starts a new chain', async () => {
    const t = setup()
    await t.digests.tick(t.at(0))
    t.setNow(20)
    t.trails.change(ARN, { isLogging: false })
    await t.digests.tick(t.at(25))
    const late = await t.deliver(HOME, 40) // logged before the stop, delivered within the grace
    await t.digests.tick(t.at(51))
    const docs = await digestDocs(t.store, HOME)
    expect(docs.map((d) => [d.digestStartTime, d.digestEndTime])).toEqual([['2024-06-01T12:00:00Z', '2024-06-01T12:00:51Z']])
    expect((docs[0]!.logFiles as { s3Object: string }[]).map((f) => f.s3Object)).toEqual([late])
    await t.deliver(HOME, 60) // after the break: no digest lists it
    await t.digests.tick(t.at(300))
    expect(await digestDocs(t.store, HOME)).toHaveLength(1)

    t.setNow(400)
    t.trails.change(ARN, { isLogging: true })
    await t.digests.tick(t.at(470))
    const after = await digestDocs(t.store, HOME)
    expect(after).toHaveLength(2)
    expect(after[1]!.digestStartTime).toBe('2024-06-01T12:06:40Z')
    expect(after[1]!.previousDigestS3Object).toBeNull()
    await t.digests.close()
  })

  it('StopLogging then StartLogging within the grace breaks the chain at once', async () => {
    const t = setup()
    await t.digests.tick(t.at(0))
    t.setNow(10)
    t.trails.change(ARN, { isLogging: false })
    t.setNow(15)
    t.trails.change(ARN, { isLogging: true })
    await t.digests.tick(t.at(80))
    const docs = await digestDocs(t.store, HOME)
    expect(docs.map((d) => [d.digestStartTime, d.digestEndTime, d.previousDigestS3Object === null])).toEqual([
      ['2024-06-01T12:00:00Z', '2024-06-01T12:00:15Z', true],
      ['2024-06-01T12:00:15Z', '2024-06-01T12:01:15Z', true],
    ])
    const r = await t.validate(HOME, 80)
    expect(r.exitCode).toBe(0)
    expect(r.events.some((e) => e.type === 'gap')).toBe(true)
    await t.digests.close()
  })

  it('validation off or the trail deleted: the final digest is written at once', async () => {
    const t = setup()
    await t.digests.tick(t.at(0))
    await t.deliver(OTHER, 5)
    t.setNow(30)
    t.trails.change(ARN, { logFileValidationEnabled: false })
    await t.digests.tick(t.at(31))
    expect((await digestDocs(t.store, HOME)).map((d) => d.digestEndTime)).toEqual(['2024-06-01T12:00:30Z'])
    expect((await digestDocs(t.store, OTHER)).map((d) => d.digestEndTime)).toEqual(['2024-06-01T12:00:30Z'])

    t.setNow(100)
    t.trails.change(ARN, { logFileValidationEnabled: true })
    t.setNow(130)
    t.trails.change(ARN, 'delete')
    await t.digests.tick(t.at(131))
    expect((await digestDocs(t.store, HOME)).map((d) => d.digestEndTime)).toEqual(['2024-06-01T12:00:30Z', '2024-06-01T12:02:10Z'])
    await t.digests.tick(t.at(1000))
    expect(await digestDocs(t.store, HOME)).toHaveLength(2)
    await t.digests.close()
  })

  it('a failing bucket shows in LatestDigestDeliveryError and the digest is retried', async () => {
    const inner = createMemoryStore()
    let failing = true
    const store: ObjectStore = {
      ...inner,
      kind: inner.kind,
      putObject: async (...args) => {
        if (failing) throw Object.assign(new Error('no bucket'), { code: 'NoSuchBucket' })
        return inner.putObject(...args)
      },
    }
    const t = setup(store)
    await t.digests.tick(t.at(0))
    await t.digests.tick(t.at(61))
    expect(t.trails.status.get(ARN)).toEqual({ latestDigestDeliveryError: 'NoSuchBucket' })
    failing = false
    t.setNow(62)
    await t.digests.tick(t.at(62))
    expect(t.trails.status.get(ARN)).toEqual({ latestDigestDeliveryError: undefined, latestDigestDeliveryTime: t.at(62) })
    expect(await digestDocs(inner, HOME)).toHaveLength(1)
    await t.digests.close()
  })
})
