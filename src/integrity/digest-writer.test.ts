import { createHash } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import type { ObjectStore } from '../storage/types.js'
import { validateLogs } from './index.js'
import { ACCOUNT, BUCKET, PREFIX, REGION, TRAIL_ARN, at, createScenario } from './testing/scenario.js'

// hashThreads: 0 below: vitest runs the TypeScript sources, which have no compiled hash-worker.js.

type Doc = Record<string, unknown> & { logFiles: { s3Object: string }[] }

function read(store: ObjectStore & { objects: Map<string, Map<string, { body: Buffer; metadata: Record<string, string> }>> }, bucket: string, key: string): { doc: Doc; raw: Buffer; metadata: Record<string, string> } {
  const o = store.objects.get(bucket)!.get(key)!
  const raw = gunzipSync(o.body)
  return { doc: JSON.parse(raw.toString('utf8')) as Doc, raw, metadata: o.metadata }
}

describe('DigestChain', () => {
  it('writes one digest per elapsed interval, empty ones too, chained by hash and signature', async () => {
    const s = createScenario()
    s.chain.startChain(s.config, new Date(at(5).getTime() + 400)) // milliseconds are dropped
    const a = await s.deliverLog(at(10))
    const b = await s.deliverLog(at(64))
    expect(await s.chain.writeDueDigests(at(64), s.store)).toEqual([]) // not due yet
    const c = await s.deliverLog(at(150))
    const written = await s.chain.writeDueDigests(at(190), s.store)
    expect(written.map((d) => [d.startTime, d.endTime, d.logFileCount])).toEqual([
      [at(5), at(65), 2],
      [at(65), at(125), 0],
      [at(125), at(185), 1],
    ])
    expect(written[0].key).toBe(
      `${PREFIX}/AWSLogs/${ACCOUNT}/CloudTrail-Digest/${REGION}/2024/05/01/${ACCOUNT}_CloudTrail-Digest_${REGION}_my-trail_${REGION}_20240501T100105Z.json.gz`,
    )
    const [d1, d2, d3] = written.map((d) => read(s.store, BUCKET, d.key))
    expect(d1.doc.previousDigestSignature).toBeNull()
    expect(d1.doc.logFiles.map((f) => f.s3Object)).toEqual([a, b])
    expect(d1.doc.digestStartTime).toBe('2024-05-01T10:00:05Z')
    expect(d2.doc.logFiles).toEqual([])
    expect(d2.doc.newestEventTime).toBeNull()
    expect(d2.doc.previousDigestS3Object).toBe(written[0].key)
    expect(d2.doc.previousDigestHashValue).toBe(createHash('sha256').update(d1.raw).digest('hex'))
    expect(d2.doc.previousDigestSignature).toBe(d1.metadata.signature)
    expect(d3.doc.previousDigestSignature).toBe(d2.metadata.signature)
    expect(d3.doc.logFiles.map((f) => f.s3Object)).toEqual([c])
    expect(d1.metadata['signature-algorithm']).toBe('SHA256withRSA')
    expect(d1.doc.digestPublicKeyFingerprint).toBe(s.keys.currentKey(REGION, at(190)).fingerprint)
  })

  it('keeps the chain across a restart (startChain on an open chain) and follows a bucket change', async () => {
    const s = createScenario()
    s.chain.startChain(s.config, at(5))
    await s.deliverLog(at(10))
    await s.chain.writeDueDigests(at(70), s.store)
    s.chain.startChain({ ...s.config, location: { ...s.config.location, bucket: 'new-bucket' } }, at(80))
    const [moved] = await s.chain.writeDueDigests(at(130), s.store)
    expect(moved.bucket).toBe('new-bucket')
    const doc = read(s.store, 'new-bucket', moved.key).doc
    expect(doc.previousDigestS3Bucket).toBe(BUCKET)
    expect(doc.digestStartTime).toBe('2024-05-01T10:01:05Z')
    const result = await validateLogs({ store: s.store, bucket: 'new-bucket', prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: at(0), endTime: at(130), now: at(9000), publicKeys: s.publicKeys, hashThreads: 0 })
    expect(result.digests).toEqual({ valid: 2, invalid: 0 })
    expect(result.logs).toEqual({ valid: 1, invalid: 0 })
  })

  it('ignores log files of chains that are not open', async () => {
    const s = createScenario()
    const file = { bucket: BUCKET, key: 'k', sha256: '00', newestEventTime: at(0), oldestEventTime: at(0) }
    expect(s.chain.recordLogFile(s.config, file, at(1))).toBe(false)
    s.chain.startChain(s.config, at(5))
    expect(s.chain.recordLogFile(s.config, file, at(6))).toBe(true)
    const final = await s.chain.breakChain(s.config, at(30), s.store)
    expect(final.map((d) => [d.startTime, d.endTime, d.final, d.logFileCount])).toEqual([[at(5), at(30), true, 1]])
    expect(s.chain.isActive(s.config, at(31))).toBe(false)
    expect(s.chain.recordLogFile(s.config, file, at(31))).toBe(false)
    expect(await s.chain.writeDueDigests(at(5000), s.store)).toEqual([])
    // Started again: a new chain with null previous fields.
    s.chain.startChain(s.config, at(100))
    const [first] = await s.chain.writeDueDigests(at(160), s.store)
    expect(read(s.store, BUCKET, first.key).doc.previousDigestS3Object).toBeNull()
    expect(first.startTime).toEqual(at(100))
  })

  it('lists a log file once when a crashed delivery reports it again after its digest was written', async () => {
    const s = createScenario()
    s.chain.startChain(s.config, at(5))
    const key = await s.deliverLog(at(10))
    const [first] = await s.chain.writeDueDigests(at(70), s.store)
    expect(first.logFileCount).toBe(1)
    // The replay re-delivers the same object: same bucket and key, a later delivery time.
    const replayed = { bucket: BUCKET, key, sha256: 'a'.repeat(64), newestEventTime: at(9), oldestEventTime: at(3) }
    expect(s.chain.recordLogFile(s.config, replayed, at(80))).toBe(false)
    const [second] = await s.chain.writeDueDigests(at(130), s.store)
    expect(second.logFileCount).toBe(0)
    expect(read(s.store, BUCKET, second.key).doc.logFiles).toEqual([])
  })

  it('rewrites the same digest after a crash between the put and the state update', async () => {
    const s = createScenario()
    s.chain.startChain(s.config, at(5))
    await s.deliverLog(at(10))
    // A store whose put becomes durable, then the process "dies" before DigestChain advances.
    const crashing: ObjectStore = {
      ...s.store,
      async putObject(bucket, key, body, options) {
        await s.store.putObject(bucket, key, body, options)
        throw new Error('crash after put')
      },
    }
    await expect(s.chain.writeDueDigests(at(70), crashing)).rejects.toThrow('crash after put')
    const [key] = [...s.store.objects.get(BUCKET)!.keys()].filter((k) => k.includes('CloudTrail-Digest'))
    const before = Buffer.from(s.store.objects.get(BUCKET)!.get(key)!.body)
    const [again] = await s.chain.writeDueDigests(at(75), s.store)
    expect(again.key).toBe(key)
    expect(s.store.objects.get(BUCKET)!.get(key)!.body.equals(before)).toBe(true)
    const [next] = await s.chain.writeDueDigests(at(130), s.store)
    expect(read(s.store, BUCKET, next.key).doc.previousDigestS3Object).toBe(key)
    const result = await validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: at(0), endTime: at(130), now: at(9000), publicKeys: s.publicKeys, hashThreads: 0 })
    expect(result.exitCode).toBe(0)
    expect(result.digests.valid).toBe(2)
  })

  it('signs with the rotated key after rotation; validation finds both keys', async () => {
    const s = createScenario({ rotationDays: 1 / 1440 }) // one minute
    s.chain.startChain(s.config, at(5))
    await s.deliverLog(at(10))
    const [d1] = await s.chain.writeDueDigests(at(70), s.store)
    await s.deliverLog(at(90))
    const [d2] = await s.chain.writeDueDigests(at(130), s.store)
    const f1 = read(s.store, BUCKET, d1.key).doc.digestPublicKeyFingerprint
    const f2 = read(s.store, BUCKET, d2.key).doc.digestPublicKeyFingerprint
    expect(f1).not.toBe(f2)
    const result = await validateLogs({ store: s.store, bucket: BUCKET, prefix: PREFIX, region: REGION, trailArn: TRAIL_ARN, startTime: at(0), endTime: at(130), now: at(9000), publicKeys: s.publicKeys, hashThreads: 0 })
    expect(result.exitCode).toBe(0)
    expect(result.digests.valid).toBe(2)
  })
})
