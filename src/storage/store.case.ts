/**
 * The conformance suite every ObjectStore passes: one body of tests, called by each
 * implementation's test file with a factory for a fresh store and an existing, empty bucket.
 * (Named `.case.ts` so vitest does not collect it on its own.)
 */
import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { BucketNotFoundError, ObjectNotFoundError, StorageError } from './errors.js'
import type { ObjectStore } from './types.js'

export interface StoreUnderTest {
  store: ObjectStore
  /** An existing, empty bucket. */
  bucket: string
  cleanup(): Promise<void>
}

/** A bucket name no test created. */
export function unusedBucketName(): string {
  return `missing-${randomBytes(6).toString('hex')}`
}

/**
 * Keys whose byte order differs from naive orders (case, punctuation, `/`, multi-byte).
 * No key is also a folder of another (`a` and `a/b`): S3 allows it, a folder store cannot.
 */
const ORDER_KEYS = [
  'a/b',
  'a-b',
  'a_b',
  'a.b',
  'a0',
  'a10',
  'a9',
  'A',
  'Z',
  'a+',
  'b/c/d',
  'b/c-d',
  'bc',
  'é', // U+00E9: bytes C3 A9
  '\u{1F600}', // emoji, a surrogate pair in UTF-16: bytes F0 9F 98 80
  '\uFF21', // fullwidth A, a single UTF-16 unit above the surrogates: bytes EF BC A1
]

function byteOrder(keys: string[]): string[] {
  return [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
}

async function listAll(store: ObjectStore, bucket: string, options: { prefix?: string; maxKeys?: number } = {}) {
  const keys: string[] = []
  let continuationToken: string | undefined
  let pages = 0
  do {
    const page = await store.listObjects(bucket, { ...options, continuationToken })
    keys.push(...page.objects.map((object) => object.key))
    continuationToken = page.nextContinuationToken
    pages += 1
  } while (continuationToken !== undefined)
  return { keys, pages }
}

export function runObjectStoreSuite(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let store: ObjectStore
    let bucket: string
    let cleanup: () => Promise<void>

    beforeEach(async () => {
      ;({ store, bucket, cleanup } = await makeStore())
    })
    afterEach(async () => {
      await cleanup()
    })

    it('round-trips bytes, content type and user metadata', async () => {
      const body = randomBytes(4096)
      await store.putObject(bucket, 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/log.json.gz', body, {
        contentType: 'application/octet-stream',
        metadata: { signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' },
      })
      const stored = await store.getObject(bucket, 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/log.json.gz')
      expect(stored.body.equals(body)).toBe(true)
      expect(stored.metadata).toEqual({ signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' })
      expect(stored.contentType).toBe('application/octet-stream')
      expect(stored.lastModified).toBeInstanceOf(Date)
    })

    it('lower-cases metadata names, as S3 does', async () => {
      await store.putObject(bucket, 'k', Buffer.from('x'), { metadata: { 'Signature-Algorithm': 'SHA256withRSA' } })
      expect((await store.getObject(bucket, 'k')).metadata).toEqual({ 'signature-algorithm': 'SHA256withRSA' })
    })

    it('stores empty objects and objects without metadata', async () => {
      await store.putObject(bucket, 'empty', Buffer.alloc(0))
      const stored = await store.getObject(bucket, 'empty')
      expect(stored.body.length).toBe(0)
      expect(stored.metadata).toEqual({})
      expect(await store.headObject(bucket, 'empty')).toEqual({ metadata: {}, size: 0 })
    })

    it('heads an object: size and metadata without the body', async () => {
      await store.putObject(bucket, 'd/x', Buffer.from('hello'), { metadata: { signature: 'ff' } })
      expect(await store.headObject(bucket, 'd/x')).toEqual({ metadata: { signature: 'ff' }, size: 5 })
      expect(await store.headObject(bucket, 'd/absent')).toBeUndefined()
      expect(await store.headObject(unusedBucketName(), 'd/x')).toBeUndefined()
    })

    it('overwrites an object, replacing body and metadata', async () => {
      await store.putObject(bucket, 'k', Buffer.from('first'), { metadata: { signature: 'one', extra: 'e' } })
      await store.putObject(bucket, 'k', Buffer.from('second'), { metadata: { signature: 'two' } })
      const stored = await store.getObject(bucket, 'k')
      expect(stored.body.toString()).toBe('second')
      expect(stored.metadata).toEqual({ signature: 'two' })
      expect((await store.listObjects(bucket)).objects.map((o) => o.key)).toEqual(['k'])
    })

    it('throws ObjectNotFoundError (NoSuchKey) for a missing key', async () => {
      const error = await store.getObject(bucket, 'no/such/key').catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(ObjectNotFoundError)
      expect(error).toMatchObject({ code: 'NoSuchKey', bucket, key: 'no/such/key', retryable: false })
    })

    it('throws BucketNotFoundError (NoSuchBucket) for every call on a missing bucket', async () => {
      const missing = unusedBucketName()
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['putObject', () => store.putObject(missing, 'AWSLogs/x', Buffer.from('x'))],
        ['getObject', () => store.getObject(missing, 'AWSLogs/x')],
        ['listObjects', () => store.listObjects(missing)],
        ['deleteObject', () => store.deleteObject(missing, 'AWSLogs/x')],
      ]
      for (const [operation, call] of calls) {
        const error = await call().catch((caught: unknown) => caught)
        expect(error, operation).toBeInstanceOf(BucketNotFoundError)
        expect(error, operation).toBeInstanceOf(StorageError)
        expect(error, operation).toMatchObject({ code: 'NoSuchBucket', bucket: missing, operation, retryable: false })
      }
      expect(await store.bucketExists(missing)).toBe(false)
    })

    it('creates buckets, idempotently', async () => {
      const fresh = unusedBucketName()
      expect(await store.bucketExists(fresh)).toBe(false)
      await store.createBucket(fresh)
      await store.createBucket(fresh)
      expect(await store.bucketExists(fresh)).toBe(true)
      await store.putObject(fresh, 'k', Buffer.from('v'))
      expect((await store.getObject(fresh, 'k')).body.toString()).toBe('v')
    })

    it('lists keys in UTF-8 byte order, as S3 does', async () => {
      for (const key of ORDER_KEYS) await store.putObject(bucket, key, Buffer.from(key))
      const page = await store.listObjects(bucket)
      expect(page.objects.map((object) => object.key)).toEqual(byteOrder(ORDER_KEYS))
      expect(page.nextContinuationToken).toBeUndefined()
      const aB = page.objects.find((object) => object.key === 'a/b')
      expect(aB?.size).toBe(3)
      // The sample must really tell byte order from JavaScript's UTF-16 order.
      expect(byteOrder(ORDER_KEYS)).not.toEqual([...ORDER_KEYS].sort())
    })

    it('lists only keys under a prefix, including partial path segments', async () => {
      for (const key of ORDER_KEYS) await store.putObject(bucket, key, Buffer.from(key))
      const keysWith = async (prefix: string) => (await store.listObjects(bucket, { prefix })).objects.map((o) => o.key)
      expect(await keysWith('a')).toEqual(byteOrder(ORDER_KEYS.filter((key) => key.startsWith('a'))))
      expect(await keysWith('a/')).toEqual(['a/b'])
      expect(await keysWith('b/c')).toEqual(['b/c-d', 'b/c/d'])
      expect(await keysWith('b/c/')).toEqual(['b/c/d'])
      expect(await keysWith('nothing')).toEqual([])
    })

    it('lists keys strictly after startAfter, also one that is not stored', async () => {
      for (const key of ORDER_KEYS) await store.putObject(bucket, key, Buffer.from(key))
      const sorted = byteOrder(ORDER_KEYS)
      for (const startAfter of ['a-b', 'a/', 'a/b', 'b/c', 'b/c/d', '~']) {
        const page = await store.listObjects(bucket, { startAfter })
        const expected = sorted.filter((key) => Buffer.compare(Buffer.from(key), Buffer.from(startAfter)) > 0)
        expect(page.objects.map((object) => object.key), startAfter).toEqual(expected)
      }
      const withPrefix = await store.listObjects(bucket, { prefix: 'b/', startAfter: 'b/c-d' })
      expect(withPrefix.objects.map((object) => object.key)).toEqual(['b/c/d'])
    })

    it('pages with maxKeys and continuation tokens, without gaps or repeats', async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `AWSLogs/p/${String(i).padStart(3, '0')}-${i % 2 ? 'x' : 'y'}`)
      for (const key of [...keys].reverse()) await store.putObject(bucket, key, Buffer.from(key))
      await store.putObject(bucket, 'other/key', Buffer.from('o'))

      const first = await store.listObjects(bucket, { prefix: 'AWSLogs/p/', maxKeys: 10 })
      expect(first.objects).toHaveLength(10)
      expect(first.nextContinuationToken).toBeDefined()

      const all = await listAll(store, bucket, { prefix: 'AWSLogs/p/', maxKeys: 10 })
      expect(all.keys).toEqual(byteOrder(keys))
      expect(all.pages).toBe(3)

      const exact = await listAll(store, bucket, { prefix: 'AWSLogs/p/', maxKeys: 23 })
      expect(exact).toEqual({ keys: byteOrder(keys), pages: 1 })

      const afterAndPaged = await store.listObjects(bucket, { startAfter: byteOrder(keys)[20], maxKeys: 2 })
      expect(afterAndPaged.objects.map((o) => o.key)).toEqual(byteOrder(keys).slice(21, 23))
      expect(afterAndPaged.nextContinuationToken).toBeDefined()
      const rest = await store.listObjects(bucket, { continuationToken: afterAndPaged.nextContinuationToken })
      expect(rest.objects.map((o) => o.key)).toEqual(['other/key'])
    })

    it('deletes objects; deleting a missing key succeeds', async () => {
      await store.putObject(bucket, 'x/one', Buffer.from('1'), { metadata: { signature: 's' } })
      await store.putObject(bucket, 'x/two', Buffer.from('2'))
      await store.deleteObject(bucket, 'x/one')
      await store.deleteObject(bucket, 'x/one')
      await expect(store.getObject(bucket, 'x/one')).rejects.toBeInstanceOf(ObjectNotFoundError)
      expect(await store.headObject(bucket, 'x/one')).toBeUndefined()
      expect((await store.listObjects(bucket)).objects.map((o) => o.key)).toEqual(['x/two'])
      // A new object under the old key starts without the old metadata.
      await store.putObject(bucket, 'x/one', Buffer.from('again'))
      expect((await store.getObject(bucket, 'x/one')).metadata).toEqual({})
    })

    it('lists an empty bucket as an empty page', async () => {
      expect(await store.listObjects(bucket)).toEqual({ objects: [] })
    })
  })
}
