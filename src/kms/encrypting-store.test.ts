/**
 * Encryption at rest over a real folder store: the conformance suite with every put asking
 * for SSE-KMS (encryption must be invisible to readers), then what only encryption has:
 * ciphertext on disk, S3-style SSE metadata, binding to the object, rotation, disabled keys.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, gunzipSync } from 'node:zlib'
import type Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../journal/index.js'
import { FileObjectStore, S3ObjectStore, StorageError } from '../storage/index.js'
import type { ObjectStore, PutObjectOptions } from '../storage/index.js'
// The storage folder's own conformance suite, reused so the decorator is held to the same contract.
import { runObjectStoreSuite } from '../storage/store.case.js'
import { EncryptingObjectStore, SSE_METADATA, withEncryption } from './encrypting-store.js'
import { KmsKeyStore } from './key-store.js'

const ACCOUNT = '111122223333'
const REGION = 'us-east-1'

function openKms(dir: string): { db: Database.Database; kms: KmsKeyStore } {
  const db = openDatabase(join(dir, 'kms.db'))
  return { db, kms: new KmsKeyStore(db, randomBytes(32)) }
}

runObjectStoreSuite('file, encrypted with SSE-KMS on every put', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'opentrail-sse-'))
  const { db, kms } = openKms(dir)
  const keyArn = kms.createKey(ACCOUNT, REGION).arn
  const encrypting = new EncryptingObjectStore(new FileObjectStore(join(dir, 'buckets')), kms)
  const withSse = (options: PutObjectOptions = {}): PutObjectOptions => ({ ...options, serverSideEncryption: { type: 'aws:kms', kmsKeyId: keyArn } })
  const store = {
    kind: 'file',
    bucketExists: (bucket) => encrypting.bucketExists(bucket),
    createBucket: (bucket) => encrypting.createBucket(bucket),
    putObject: (bucket, key, body, options) => encrypting.putObject(bucket, key, body, withSse(options)),
    getObject: (bucket, key) => encrypting.getObject(bucket, key),
    headObject: (bucket, key) => encrypting.headObject(bucket, key),
    listObjects: (bucket, options) => encrypting.listObjects(bucket, options),
    deleteObject: (bucket, key) => encrypting.deleteObject(bucket, key),
  } satisfies ObjectStore
  const bucket = `bucket-${randomBytes(4).toString('hex')}`
  await store.createBucket(bucket)
  return {
    store,
    bucket,
    cleanup: async () => {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
})

describe('EncryptingObjectStore', () => {
  const bucket = 'trail-bucket'
  const key = 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/01/111122223333_CloudTrail_us-east-1_20240501T0000Z_abcdefghijklmnop.json.gz'
  const logFile = gzipSync(JSON.stringify({ Records: [{ eventName: 'ConsoleLogin', eventID: 'e1' }] }))
  let dir: string
  let db: Database.Database
  let kms: KmsKeyStore
  let files: FileObjectStore
  let store: EncryptingObjectStore
  let keyArn: string

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opentrail-sse-'))
    ;({ db, kms } = openKms(dir))
    keyArn = kms.createKey(ACCOUNT, REGION, { alias: 'trail-logs' }).arn
    files = new FileObjectStore(join(dir, 'buckets'))
    store = new EncryptingObjectStore(files, kms)
    await store.createBucket(bucket)
  })
  afterEach(() => {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const sse = (kmsKeyId: string): PutObjectOptions => ({ serverSideEncryption: { type: 'aws:kms', kmsKeyId }, metadata: { note: 'n' } })

  it('writes ciphertext to disk and hands readers the plaintext', async () => {
    await store.putObject(bucket, key, logFile, sse(keyArn))
    const onDisk = await readFile(join(dir, 'buckets', bucket, ...key.split('/')))
    expect(onDisk.length).toBe(logFile.length)
    expect(onDisk.equals(logFile)).toBe(false)
    expect(() => gunzipSync(onDisk)).toThrow()

    const stored = await store.getObject(bucket, key)
    expect(stored.body.equals(logFile)).toBe(true)
    expect(JSON.parse(gunzipSync(stored.body).toString())).toEqual({ Records: [{ eventName: 'ConsoleLogin', eventID: 'e1' }] })
    expect(stored.metadata).toEqual({ note: 'n' })
    expect(await store.headObject(bucket, key)).toEqual({ metadata: { note: 'n' }, size: logFile.length })
  })

  it('records SSE-KMS in the sidecar as S3 does: algorithm, key ARN, wrapped key, IV, tag', async () => {
    await store.putObject(bucket, key, logFile, sse(keyArn))
    const { metadata } = (await files.headObject(bucket, key))!
    expect(metadata[SSE_METADATA.algorithm]).toBe('aws:kms')
    expect(metadata[SSE_METADATA.keyId]).toBe(keyArn)
    expect(Buffer.from(metadata[SSE_METADATA.iv], 'base64')).toHaveLength(12)
    expect(Buffer.from(metadata[SSE_METADATA.tag], 'base64')).toHaveLength(16)
    expect(Buffer.from(metadata[SSE_METADATA.wrappedKey], 'base64').length).toBeGreaterThan(32)
  })

  it('resolves a key id or alias ARN to the key ARN it records', async () => {
    await store.putObject(bucket, 'by-alias', logFile, sse(`arn:aws:kms:${REGION}:${ACCOUNT}:alias/trail-logs`))
    expect((await files.headObject(bucket, 'by-alias'))!.metadata[SSE_METADATA.keyId]).toBe(keyArn)
    expect((await store.getObject(bucket, 'by-alias')).body.equals(logFile)).toBe(true)
  })

  it('leaves objects without SSE-KMS, or with SSE-S3, as plain files', async () => {
    await store.putObject(bucket, 'digest', Buffer.from('plain digest'), { serverSideEncryption: { type: 'AES256' }, metadata: { signature: 's' } })
    expect(await readFile(join(dir, 'buckets', bucket, 'digest'), 'utf8')).toBe('plain digest')
    expect((await files.headObject(bucket, 'digest'))!.metadata).toEqual({ signature: 's' })
    expect((await store.getObject(bucket, 'digest')).body.toString()).toBe('plain digest')
  })

  it('binds the data key to the object: a file moved to another key does not decrypt', async () => {
    await store.putObject(bucket, 'original', logFile, sse(keyArn))
    const moved = await files.getObject(bucket, 'original')
    await files.putObject(bucket, 'moved', moved.body, { metadata: moved.metadata })
    await expect(store.getObject(bucket, 'moved')).rejects.toMatchObject({ name: 'StorageError', code: 'KMS.InvalidCiphertextException', operation: 'getObject' })
  })

  it('detects ciphertext changed on disk', async () => {
    await store.putObject(bucket, key, logFile, sse(keyArn))
    const path = join(dir, 'buckets', bucket, ...key.split('/'))
    const bytes = await readFile(path)
    bytes[0] ^= 0xff
    await writeFile(path, bytes)
    const error = await store.getObject(bucket, key).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(StorageError)
    expect(error).toMatchObject({ code: 'KMS.InvalidCiphertextException', retryable: false })
  })

  it('still reads objects written before a rotation', async () => {
    await store.putObject(bucket, 'old', logFile, sse(keyArn))
    kms.rotate(keyArn)
    await store.putObject(bucket, 'new', logFile, sse(keyArn))
    expect((await store.getObject(bucket, 'old')).body.equals(logFile)).toBe(true)
    expect((await store.getObject(bucket, 'new')).body.equals(logFile)).toBe(true)
  })

  it('reports key-service failures with S3\'s KMS error codes and writes nothing', async () => {
    const missing = `arn:aws:kms:${REGION}:${ACCOUNT}:key/00000000-0000-4000-8000-000000000000`
    await expect(store.putObject(bucket, 'x', logFile, sse(missing))).rejects.toMatchObject({ code: 'KMS.NotFoundException', operation: 'putObject' })
    kms.setEnabled(keyArn, false)
    await expect(store.putObject(bucket, 'x', logFile, sse(keyArn))).rejects.toMatchObject({ code: 'KMS.DisabledException' })
    expect(await files.headObject(bucket, 'x')).toBeUndefined()
  })

  it('refuses user metadata that uses its reserved names', async () => {
    await expect(store.putObject(bucket, 'x', logFile, { metadata: { 'OpenTrail-SSE': 'aws:kms' } })).rejects.toMatchObject({ code: 'InvalidArgument' })
  })
})

describe('withEncryption', () => {
  it('wraps folder stores and leaves S3 stores alone (S3 does SSE-KMS itself)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opentrail-sse-'))
    const { db, kms } = openKms(dir)
    try {
      expect(withEncryption(new FileObjectStore(dir), kms)).toBeInstanceOf(EncryptingObjectStore)
      const s3 = new S3ObjectStore({ endpoint: 'http://127.0.0.1:1', region: REGION, forcePathStyle: true })
      expect(withEncryption(s3, kms)).toBe(s3)
    } finally {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
