/**
 * The S3 store against moto (a local fake of S3 speaking the real wire protocol): the shared
 * conformance suite, plus encryption pass-through and error codes. Skipped, with a warning,
 * where moto_server is not installed; in CI that fails instead (see test/support/moto.ts).
 */
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MOTO_CREDENTIALS, MOTO_REGION, startMoto } from '../../test/support/moto.js'
import { BucketNotFoundError, StorageError } from './errors.js'
import { S3ObjectStore } from './s3-store.js'
import { runObjectStoreSuite } from './store.case.js'

const moto = await startMoto()
afterAll(async () => {
  await moto?.stop()
})

function motoStore(endpoint: string): S3ObjectStore {
  return new S3ObjectStore({ endpoint, region: MOTO_REGION, forcePathStyle: true, credentials: MOTO_CREDENTIALS })
}

function freshBucketName(): string {
  return `test-${randomBytes(6).toString('hex')}`
}

describe.skipIf(moto === undefined)('S3ObjectStore against moto', () => {
  runObjectStoreSuite('s3 (moto)', async () => {
    const store = motoStore(moto!.endpoint)
    const bucket = freshBucketName()
    await store.createBucket(bucket)
    return { store, bucket, cleanup: async () => store.destroy() }
  })

  describe('S3 specifics', () => {
    let store: S3ObjectStore
    let raw: S3Client
    let bucket: string

    beforeAll(async () => {
      store = motoStore(moto!.endpoint)
      raw = new S3Client({ endpoint: moto!.endpoint, region: MOTO_REGION, forcePathStyle: true, credentials: MOTO_CREDENTIALS })
      bucket = freshBucketName()
      await store.createBucket(bucket)
    })
    afterAll(() => {
      store.destroy()
      raw.destroy()
    })

    it('asks S3 for SSE-KMS with the given key, and for SSE-S3', async () => {
      const kmsKeyId = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'
      await store.putObject(bucket, 'kms', Buffer.from('k'), { serverSideEncryption: { type: 'aws:kms', kmsKeyId } })
      await store.putObject(bucket, 'sse-s3', Buffer.from('s'), { serverSideEncryption: { type: 'AES256' } })
      const kms = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'kms' }))
      expect(kms).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId })
      const s3 = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sse-s3' }))
      expect(s3.ServerSideEncryption).toBe('AES256')
    })

    it('sends user metadata as x-amz-meta-* headers that other S3 clients read', async () => {
      await store.putObject(bucket, 'digest', Buffer.from('d'), { metadata: { signature: 'cafe', 'signature-algorithm': 'SHA256withRSA' } })
      const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'digest' }))
      expect(head.Metadata).toEqual({ signature: 'cafe', 'signature-algorithm': 'SHA256withRSA' })
    })

    it('creates buckets outside us-east-1 (which need a LocationConstraint)', async () => {
      const regional = new S3ObjectStore({ endpoint: moto!.endpoint, region: 'eu-west-1', forcePathStyle: true, credentials: MOTO_CREDENTIALS })
      const name = freshBucketName()
      await regional.createBucket(name)
      await regional.createBucket(name)
      expect(await regional.bucketExists(name)).toBe(true)
      regional.destroy()
    })

    it('keeps the SDK error as cause of a NoSuchBucket failure', async () => {
      const error = await store.putObject(freshBucketName(), 'k', Buffer.from('x')).catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(BucketNotFoundError)
      expect((error as BucketNotFoundError).cause).toMatchObject({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })
    })
  })
})

describe('S3ObjectStore when S3 is unreachable', () => {
  it('fails with the system error code, marked retryable', async () => {
    const port = await closedPort()
    const store = new S3ObjectStore({
      endpoint: `http://127.0.0.1:${port}`,
      region: MOTO_REGION,
      forcePathStyle: true,
      credentials: MOTO_CREDENTIALS,
      maxAttempts: 1,
    })
    const error = await store.putObject('any-bucket', 'k', Buffer.from('x')).catch((caught: unknown) => caught)
    store.destroy()
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'ECONNREFUSED', retryable: true, operation: 'putObject', bucket: 'any-bucket', key: 'k' })
  })
})

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
